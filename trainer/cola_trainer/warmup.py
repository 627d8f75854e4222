"""`python -m cola_trainer warmup`: a few timed training steps of a model on this machine, so the panel can
estimate a run's duration from this device's real speed instead of a formula over the model's size.

It never downloads: an estimate is not worth a multi-hundred-megabyte fetch, and the panel runs it in the
background as soon as the form names a model."""
from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from .protocol import Protocol, TrainerError, log

DEFAULT_STEPS = 3
# CoLA sentences average about 11 tokens with BERT's WordPiece (the trainer logs the real mean per run).
SYNTHETIC_WORDS = 9


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cola_trainer warmup", add_help=True)
    p.add_argument("--model", required=True, help="hub id, local folder or offline alias, as for train")
    p.add_argument("--max-length", type=int, default=_train_default("max_length"), metavar="N")
    p.add_argument("--batch-size", type=int, default=_train_default("batch_size"), metavar="N")
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS, metavar="K", help="timed steps after one untimed step")
    p.add_argument("--data-dir", default=None, help="CoLA raw/ folder (default: COLA_DIR or the cache); synthetic rows without one")
    return p


def _train_default(name: str) -> int:
    """train's default for one option, so the warm-up measures what a default run does."""
    from .args import build_parser
    for action in build_parser()._actions:
        if action.dest == name:
            return int(action.default)
    raise KeyError(name)


def parse_warmup_args(argv: list[str]) -> argparse.Namespace:
    args = _parser().parse_args(argv)
    for name, low in (("max_length", 8), ("batch_size", 1), ("steps", 1)):
        if getattr(args, name) < low:
            raise TrainerError("bad_arguments", f"--{name.replace('_', '-')} must be at least {low}")
    return args


def resolve_local_model(requested: str):
    """Resolve as train does, but only to what is already on this machine."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # hub_reachable() then says no at once and transformers never fetches
    from .args import DEFAULT_HUB_MODEL
    from .models import ModelChoice, _cached_on_hub, resolve_model
    from .offline_encoders import InstalledPackage, offline_encoder
    name = requested.strip()
    encoder = offline_encoder(name)
    if encoder is not None and not isinstance(encoder.source, InstalledPackage):
        from .encoder_fetch import _valid_cache, encoders_cache
        folder = encoders_cache() / encoder.alias
        if not _valid_cache(folder, encoder):
            raise TrainerError("model_unavailable", f"'{encoder.alias}' is not fetched on this machine yet, so it cannot be measured",
                               hint="a training run fetches it once; the estimate then uses the model's size until it is there")
        return ModelChoice(name, str(folder), encoder.alias, True)
    if name == "auto":
        # Online, train would download the default hub model; measuring the offline fallback instead would mislead.
        if not _cached_on_hub(DEFAULT_HUB_MODEL):
            raise TrainerError("model_unavailable", f"{DEFAULT_HUB_MODEL} is not in the local cache, so it cannot be measured",
                               hint="the estimate uses the model's size instead")
        return ModelChoice(name, DEFAULT_HUB_MODEL, DEFAULT_HUB_MODEL, False)
    try:
        return resolve_model(name)
    except TrainerError as e:
        if e.code == "offline":
            raise TrainerError("model_unavailable", f"'{name}' is not in the local cache, so it cannot be measured",
                               hint="the estimate uses the model's size instead") from e
        raise


def sample_sentences(count: int, data_dir: str | None) -> tuple[list[str], str]:
    """Real CoLA training sentences when the data is at hand (their length distribution is what a run sees),
    else synthetic rows of CoLA's typical length."""
    from .data import read_tsv, resolve_data_dir
    try:
        folder = resolve_data_dir(data_dir, allow_download=False)
        examples = read_tsv(Path(folder) / "in_domain_train.tsv")
        rng = random.Random(0)
        return [e.sentence for e in rng.sample(examples, min(count, len(examples)))], "cola"
    except (TrainerError, OSError) as e:
        log(f"warm-up: no CoLA data ({getattr(e, 'message', e)}); using synthetic sentences")
    words = "the committee quickly read every letter that arrived before noon".split()
    return [" ".join(words[(i + j) % len(words)] for j in range(SYNTHETIC_WORDS)) + "." for i in range(count)], "synthetic"


def measure(args: argparse.Namespace) -> dict:
    import torch
    import torch.nn.functional as F

    from . import batching
    from .environment import choose_precision, cpu_threads, training_threads
    from .models import load_model_and_tokenizer
    from .train import _model_inputs, autocast_for, make_optimizer

    device = torch.device("cpu")  # the panel asks only for CPU devices; a GPU run's history is the better guide
    precision = choose_precision("auto", device.type)
    threads = training_threads(1)
    torch.set_num_threads(threads)
    choice = resolve_local_model(args.model)
    loaded = time.monotonic()
    torch.manual_seed(0)
    model, tokenizer = load_model_and_tokenizer(choice)
    log(f"warm-up: {choice.base_model} loaded in {time.monotonic() - loaded:.1f} s; {threads} of {cpu_threads()} threads, "
        f"{precision}, load average {os.getloadavg()[0]:.1f}")
    inputs = _model_inputs(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    collate = batching.Collator(pad_id, "token_type_ids" in inputs,
                                max_width=getattr(model.config, "max_position_embeddings", None))
    sentences, source = sample_sentences(args.batch_size * (args.steps + 1), args.data_dir)
    ids = tokenizer(sentences, truncation=True, max_length=args.max_length)["input_ids"]
    optimizer = make_optimizer(model, 2e-5, 0.01, device)
    model.train()
    timed_seconds = 0.0
    timed_rows = 0
    for step in range(args.steps + 1):
        rows = [ids[(step * args.batch_size + i) % len(ids)] for i in range(args.batch_size)]
        batch = collate(rows, [i % 2 for i in range(len(rows))])
        labels = batch.pop("labels")
        started = time.perf_counter()
        with autocast_for(device, precision):
            logits = model(**batch).logits
        F.cross_entropy(logits.float(), labels).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step > 0:  # the first step pays for lazy initialisation (kernels, optimizer state), not for training
            timed_seconds += time.perf_counter() - started
            timed_rows += len(rows)
    mean_tokens = sum(len(r) for r in ids) / len(ids)
    return {"model": choice.base_model, "device": device.type, "precision": precision, "threads": threads,
            "batch_size": args.batch_size, "max_length": args.max_length, "steps": args.steps,
            "mean_tokens": round(mean_tokens, 2), "sentences": source,
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": timed_seconds, "samples_per_second": timed_rows / timed_seconds}


def main(argv: list[str], proto: Protocol) -> int:
    args = parse_warmup_args(argv)
    proto.emit("warmup", **measure(args))
    return 0
