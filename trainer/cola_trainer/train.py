"""The fine-tuning run: data, model, the loop, checkpoints, cancel/resume, evaluation, export."""
from __future__ import annotations

import contextlib
import datetime as _dt
import inspect
import json
import math
import os
import pickle
import random
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import batching
from .args import RunArguments, default_learning_rate, flag
from .cancel import CancelFlag
from .data import ColaData, Example, data_fingerprint, load_cola, resolve_data_dir, single_class_warnings
from .diskspace import no_space, out_of_space, require_space
from .encoder_fetch import FetchCancelled
from .environment import choose_device, choose_precision, cpu_name, cpu_threads, library_versions, training_threads
from .export import MODEL_MARKER, check_replaceable, check_writable, export_model_folder, remove_stale_temporaries, replace_dir
from .feedback import load_feedback
from .metrics import accuracy, confusion, mcc_from_confusion
from .models import ModelChoice, load_model_and_tokenizer, resolve_model
from .protocol import Protocol, TrainerError, log
from .quality import calibrate, load_prose, prose_epoch_fields, selection_score
from .quality import report as quality_report
from .token_head import IGNORE, TOKEN_LOSS_WEIGHT, TokenErrorClassifier, token_labels, token_loss

EXIT_CANCELLED = 130
# 2: loadable with torch.load(weights_only=True), tensors, numbers, strings and containers only. Format 1 pickled
# numpy objects and needed a full unpickle, which runs whatever code a crafted state.pt names.
CHECKPOINT_FORMAT = 2
EVAL_BATCH = 128
# Arguments that change the result; a checkpoint only resumes a run with the same values.
RESUME_KEYS = ("model", "max_length", "head", "validation_fraction", "max_train", "max_eval", "data_mix", "prose_ratio", "prose_val",
               "epochs", "batch_size",
               "learning_rate", "weight_decay", "warmup_ratio", "max_grad_norm", "seed", "precision", "feedback_weight")


# ---------------------------------------------------------------------------------------------- distributed
@dataclass
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()


def init_distributed(device_request: str) -> Dist:
    """torchrun sets WORLD_SIZE/RANK/LOCAL_RANK; NCCL on CUDA, gloo on CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    use_cuda = device_request != "cpu" and torch.cuda.is_available()
    if use_cuda:
        torch.cuda.set_device(local)
    torch.distributed.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank, world, local, local_world)


# ---------------------------------------------------------------------------------------------- state
@dataclass
class RunState:
    global_step: int = 0
    epoch: int = 0                # epochs fully done
    batch_in_epoch: int = 0       # batches done in the current epoch
    epoch_loss_sum: float = 0.0
    epoch_loss_count: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    training_seconds: float = 0.0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def rng_state(device: torch.device) -> dict[str, Any]:
    """Every RNG's state as tensors, numbers and tuples only: what a weights-only checkpoint load accepts
    (numpy's own state tuple holds an ndarray, which it refuses)."""
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = {"python": random.getstate(),
             "numpy": {"kind": str(kind), "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached_gaussian": float(cached_gaussian)},
             "torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Decay every weight except biases and normalisation weights. The key is 'weight_decay' — the
    chapter's 'weight_decay_rate' is an unknown key that torch's AdamW silently ignores."""
    decay, no_decay = [], []
    norm_types = (torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.BatchNorm1d)
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad:
                continue
            is_norm = isinstance(module, norm_types) or "layernorm" in type(module).__name__.lower()
            (no_decay if name == "bias" or is_norm else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float, device: torch.device) -> torch.optim.Optimizer:
    groups = param_groups(model, weight_decay)
    try:
        return torch.optim.AdamW(groups, lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError) as e:  # fused kernels are missing for some devices/builds
        log(f"fused AdamW unavailable on {device.type} ({e}); using the foreach implementation")
        return torch.optim.AdamW(groups, lr=lr)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if hasattr(model, "module") else model


def run_id_for(model_name: str) -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", Path(model_name.rstrip("/")).name.lower()).strip("-") or "model"
    return f"cola-{slug}-{stamp}"


# ---------------------------------------------------------------------------------------------- checkpoints
def checkpoint_dir(out: Path) -> Path:
    return out.with_name(out.name + ".checkpoint")


CHECKPOINT_MARKER = "state.pt"


def fingerprint(args: RunArguments, precision: str, data: dict[str, str]) -> dict[str, Any]:
    """What must match for a resume to give an uninterrupted run's result: the arguments and the data files' contents."""
    flat = {**args.as_dict()["model"], **args.as_dict()["data"], **args.as_dict()["training"], "precision": precision}
    return {**{k: flat[k] for k in RESUME_KEYS}, "data_sha256": data}


CHECKPOINT_KEYS = ("format", "args", "fingerprint", "model", "optimizer", "scheduler", "scaler", "state", "best_weights", "rng")
# Beyond the tensors' bytes: the zip container's per-tensor records and the pickled numbers (RNG states, history).
CHECKPOINT_OVERHEAD_BYTES = 256 << 10


def tensor_bytes(value: Any) -> int:
    """Bytes of the tensors inside nested dicts, lists and tuples: the bulk of a checkpoint file."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        return sum(tensor_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(tensor_bytes(v) for v in value)
    return 0


def _checkpoint_hint() -> str:
    return (f"free some space there, or choose an {flag('output_dir')} on another disk (the checkpoint is written beside it); "
            f"{flag('no_checkpoint')} trains without checkpoints")


def weights_only_safe(value: Any) -> Any:
    """numpy scalars and arrays (a metric in the history, say) as Python numbers and tensors: the weights-only
    loader refuses numpy objects, so one of them would make the checkpoint unreadable at --resume."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: weights_only_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(weights_only_safe(v) for v in value)
    return value


def save_checkpoint(path: Path, payload: dict[str, Any], rank_rng: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    content = weights_only_safe({**payload, "rng": rank_rng})
    needed = tensor_bytes(content) + CHECKPOINT_OVERHEAD_BYTES
    require_space(path.parent, needed, "save the checkpoint", _checkpoint_hint())
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        # Through our own file object, not a path: torch's C++ file writer reports a full disk only as "unexpected
        # pos" (no errno), and the traceback keeps it, and so the deleted file's space, open until the process exits.
        with open(tmp / CHECKPOINT_MARKER, "wb") as f:
            torch.save(content, f)
        (tmp / "args.json").write_text(json.dumps({"args": payload["args"], "step": payload["state"]["global_step"],
                                                   "epoch": payload["state"]["epoch"]}, indent=2), encoding="utf-8")
    except (OSError, RuntimeError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if out_of_space(e):
            raise no_space(path.parent, needed, "save the checkpoint", _checkpoint_hint()) from e
        raise
    replace_dir(tmp, path, CHECKPOINT_MARKER, "cola-bert checkpoint folder")


def _unpickler_complaint(error: Exception) -> str:
    """What torch's weights-only loader refused, without its advice to load with weights_only=False."""
    text = str(error)
    named = re.search(r"GLOBAL ([\w.]+)", text)
    if named:
        return f"it refers to {named.group(1)}"
    detail = text.partition("WeightsUnpickler error:")[2].strip() or text.strip()
    return detail.splitlines()[0] if detail else type(error).__name__


def load_checkpoint(path: Path) -> dict[str, Any]:
    file = path / CHECKPOINT_MARKER
    restart = f"delete {path} and run without --resume"
    if not file.is_file():
        raise TrainerError("checkpoint_invalid", f"no checkpoint to resume from at {path}",
                           hint="run without --resume to start over, or pass the --output-dir of the interrupted run")
    try:
        # weights_only: a checkpoint folder can come from anywhere (a cloned repository ships one as easily as a
        # model), and a full unpickle runs any code the file names, before any check of ours could look at it.
        data = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise TrainerError("checkpoint_invalid", f"{file} was not loaded: {_unpickler_complaint(e)}, and a checkpoint holds only "
                           "tensors, numbers and strings (loading other Python objects can run code)",
                           hint=f"a checkpoint of an older cola-bert (format 1) or of another program cannot be resumed: {restart}") from e
    except Exception as e:
        raise TrainerError("checkpoint_invalid", f"cannot read checkpoint {file}: {_unpickler_complaint(e)}", hint=restart) from e
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise TrainerError("checkpoint_invalid", f"{file} has checkpoint format {found!r}, expected {CHECKPOINT_FORMAT}", hint=restart)
    missing = [k for k in CHECKPOINT_KEYS if k not in data]
    if missing:
        raise TrainerError("checkpoint_invalid", f"{file} lacks {', '.join(missing)}", hint=restart)
    return data


# ---------------------------------------------------------------------------------------------- evaluation
@dataclass
class Encoded:
    ids: list[list[int]]
    labels: np.ndarray
    lengths: np.ndarray
    # Per-token targets of the tokens head (token_head.token_labels); None per row without a known error position.
    token_labels: list[list[int] | None] | None = None


def encode(tokenizer, examples: list[Example], max_length: int, with_token_labels: bool = False) -> Encoded:
    enc = tokenizer([e.sentence for e in examples], truncation=True, max_length=max_length,
                    return_offsets_mapping=with_token_labels)
    ids = enc["input_ids"]
    token_targets = None
    if with_token_labels:
        token_targets = [token_labels(offsets, e.error_span) for offsets, e in zip(enc["offset_mapping"], examples, strict=True)]
    return Encoded(ids, np.array([e.label for e in examples], dtype=np.int64), np.array([len(x) for x in ids], dtype=np.int64),
                   token_targets)


def autocast_for(device: torch.device, precision: str):
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def batch_loss(model: torch.nn.Module, collate: batching.Collator, data: Encoded, idx: np.ndarray, device: torch.device,
               precision: str) -> torch.Tensor:
    """Cross-entropy of one training batch (rows `idx` of `data`), forward pass under autocast."""
    batch = collate([data.ids[i] for i in idx], data.labels[idx].tolist())
    batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    labels = batch.pop("labels")
    with autocast_for(device, precision):
        out = model(**batch)
    loss = F.cross_entropy(out.logits.float(), labels)
    if data.token_labels is not None and getattr(out, "token_logits", None) is not None:
        targets = torch.full(batch["input_ids"].shape, IGNORE, dtype=torch.long)
        for row, i in enumerate(idx):
            if data.token_labels[i] is not None:
                targets[row, :len(data.token_labels[i])] = torch.tensor(data.token_labels[i], dtype=torch.long)
        loss = loss + TOKEN_LOSS_WEIGHT * token_loss(out.token_logits, targets.to(device, non_blocking=True))
    return loss


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: Encoded, collate: batching.Collator, device: torch.device, precision: str,
             should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Loss, accuracy, MCC and confusion over `data`; raises Cancelled between batches once `should_stop()` holds
    (a large model's validation on a CPU takes long enough for a cancel to wait on it)."""
    was_training = model.training
    model.eval()
    order = np.argsort(-data.lengths, kind="stable")
    preds = np.zeros(len(order), dtype=np.int64)
    all_logits = np.zeros((len(order), 2), dtype=np.float32)
    loss_sum = 0.0
    for start in range(0, len(order), EVAL_BATCH):
        if should_stop is not None and should_stop():
            model.train(was_training)
            raise Cancelled
        idx = order[start:start + EVAL_BATCH]
        batch = collate([data.ids[i] for i in idx], data.labels[idx].tolist())
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        labels = batch.pop("labels")
        with autocast_for(device, precision):
            logits = model(**batch).logits
        logits = logits.float()
        loss_sum += float(F.cross_entropy(logits, labels, reduction="sum"))
        all_logits[idx] = logits.cpu().numpy()
        preds[idx] = all_logits[idx].argmax(-1)
    model.train(was_training)
    c = confusion(data.labels, preds)
    return {"loss": loss_sum / max(1, len(order)), "accuracy": accuracy(data.labels, preds), "mcc": mcc_from_confusion(c),
            "confusion": c, "n": int(len(order)), "logits": all_logits}


# ---------------------------------------------------------------------------------------------- the run
class Cancelled(Exception):
    pass


def _model_inputs(model: torch.nn.Module, tokenizer) -> list[str]:
    params = inspect.signature(model.encoder.forward if isinstance(model, TokenErrorClassifier) else model.forward).parameters
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in params and "token_type_ids" in getattr(tokenizer, "model_input_names", ["token_type_ids"]):
        names.append("token_type_ids")
    return names


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_name()


def train(args: RunArguments, proto: Protocol, cancel: CancelFlag, dist: Dist) -> int:
    t_start = time.monotonic()
    targs = args.training
    device_kind = choose_device(targs.device)
    device = torch.device(f"cuda:{dist.local_rank}" if device_kind == "cuda" and dist.enabled else device_kind)
    precision = choose_precision(targs.precision, device_kind)
    if device.type == "cpu":
        threads = training_threads(dist.local_world_size)
        torch.set_num_threads(threads)
        log(f"CPU threads: {threads} of {cpu_threads()} (1-minute load average {os.getloadavg()[0]:.1f}; "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'default')})")
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    # Output paths (rank 0 decides; the others only read them).
    try:
        choice: ModelChoice = resolve_model(args.model.model, progress=lambda **fields: proto.emit("fetch", **fields),
                                            should_stop=cancel.is_set)
    except FetchCancelled:
        log("cancelled while fetching the encoder; nothing was cached")
        proto.emit("cancelled", step=0, checkpoint=None)
        return EXIT_CANCELLED
    if targs.learning_rate is None:  # resolved before anything records it: checkpoints, events, metadata
        targs.learning_rate = default_learning_rate(choice.base_model)
        log(f"learning rate {targs.learning_rate:g} (the default for {choice.base_model}; --learning-rate overrides it)")
    if choice.requested == "auto" and choice.base_model != "bert-base-uncased":
        log(f"model 'auto' resolved to {choice.resolved}")
    if targs.output_dir:
        out = Path(targs.output_dir).expanduser().resolve()
    elif targs.resume:
        candidates = sorted(Path("models").glob("*.checkpoint"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise TrainerError("checkpoint_invalid", "--resume without --output-dir: no models/*.checkpoint found",
                               hint="pass --output-dir of the interrupted run")
        out = candidates[-1].with_name(candidates[-1].name[: -len(".checkpoint")]).resolve()
    else:
        out = (Path("models") / run_id_for(choice.base_model)).resolve()
    if dist.enabled:  # the default folder name holds a timestamp: take rank 0's
        shared = [str(out)]
        torch.distributed.broadcast_object_list(shared, src=0)
        out = Path(shared[0])
    ckpt_path = checkpoint_dir(out)
    run_id = out.name
    if targs.resume and not (ckpt_path / CHECKPOINT_MARKER).is_file():
        if (out / MODEL_MARKER).is_file():  # the checkpoint is removed once the model is exported
            raise TrainerError("checkpoint_invalid", f"nothing to resume: the run finished and its model is in {out}",
                               hint="use that model; a run without --resume trains again and replaces it")
        raise TrainerError("checkpoint_invalid", f"no checkpoint to resume from at {ckpt_path}",
                           hint="run without --resume to start over, or pass the --output-dir of the interrupted run")
    if dist.main:  # before any training: a run must not end by refusing (or deleting) the user's folder
        if not targs.no_export:
            check_replaceable(out, MODEL_MARKER, "cola-bert model folder")
        if not targs.no_checkpoint:
            check_replaceable(ckpt_path, CHECKPOINT_MARKER, "cola-bert checkpoint folder")
        check_writable(out)
        remove_stale_temporaries(out)

    # Data (rank 0 downloads first if needed).
    if dist.main:
        folder = resolve_data_dir(args.data.data_dir)
    dist.barrier()
    if not dist.main:
        folder = resolve_data_dir(args.data.data_dir, allow_download=False)
    cola: ColaData = load_cola(folder, args.data.validation_fraction, targs.seed, args.data.max_train, args.data.max_eval)
    prose = load_prose(args.data, len(cola.train), targs.seed)
    taught = load_feedback(args.data, args.model.model, args.model.max_length)  # --feedback FILE (feedback.py), else None
    data_sha256 = {**data_fingerprint(folder), "prose": prose.sha256, **(taught.fingerprint if taught else {})}
    log(f"data from {folder}: train {len(cola.train)}, validation {len(cola.validation)}, holdout {len(cola.holdout)} "
        "(stratified seeded split of in_domain_train.tsv; holdout = out_of_domain_dev.tsv)")

    seed_everything(targs.seed)  # before the model: the new classifier head is initialised from it
    model, tokenizer = load_model_and_tokenizer(choice, args.model.head)
    inputs = _model_inputs(model, tokenizer)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    on_gpu = device.type == "cuda"
    collate = batching.Collator(pad_id, "token_type_ids" in inputs, multiple_of=16 if on_gpu else 1,
                                max_width=getattr(model.config, "max_position_embeddings", None), pin=on_gpu)
    train_enc = encode(tokenizer, cola.train + prose.train.examples + (taught.training_examples if taught else []), args.model.max_length,
                       with_token_labels=args.model.head == "tokens")
    prose_val_enc = encode(tokenizer, prose.validation.examples, args.model.max_length)
    prose_test_enc = encode(tokenizer, prose.test.examples, args.model.max_length)
    val_enc = encode(tokenizer, cola.validation, args.model.max_length)
    hold_enc = encode(tokenizer, cola.holdout, args.model.max_length)
    log(f"mean tokens per training sentence: {train_enc.lengths.mean():.1f} (max {train_enc.lengths.max()}); "
        "batches are padded to their own longest sentence")

    model.to(device)
    optimizer = make_optimizer(model, targs.learning_rate, targs.weight_decay, device)
    steps_per_epoch = batching.steps_per_epoch(len(train_enc.ids), targs.batch_size, dist.world_size)
    if steps_per_epoch < 1 or len(train_enc.ids) < dist.world_size:
        raise TrainerError("bad_arguments", f"only {len(train_enc.ids)} training rows: too few for one step on "
                                            f"{dist.world_size} process(es)")
    total_steps = steps_per_epoch * targs.epochs
    warmup_steps = int(math.ceil(targs.warmup_ratio * total_steps))
    from transformers import get_linear_schedule_with_warmup
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None

    state = RunState()
    best_weights: dict[str, torch.Tensor] | None = None
    last_checkpoint: str | None = None
    if targs.resume:
        saved = load_checkpoint(ckpt_path)
        want = fingerprint(args, precision, data_sha256)
        if saved["fingerprint"] != want:
            diffs = [f"{k}: checkpoint {saved['fingerprint'].get(k)!r}, now {want[k]!r}" for k in want
                     if k != "data_sha256" and saved["fingerprint"].get(k) != want[k]]
            if saved["fingerprint"].get("data_sha256") != data_sha256:
                changed = [k for k in data_sha256 if saved["fingerprint"].get("data_sha256", {}).get(k) != data_sha256[k]]
                diffs.append(f"these data files differ from the ones the checkpoint was trained on: {', '.join(changed)} (in {folder})")
            raise TrainerError("checkpoint_invalid", "the checkpoint was made with other arguments (" + "; ".join(diffs) + ")",
                               hint="resume with the same arguments, or start over without --resume")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        if scaler is not None and saved.get("scaler"):
            scaler.load_state_dict(saved["scaler"])
        state = RunState(**saved["state"])
        best_weights = saved.get("best_weights")
        rngs = saved["rng"]
        if len(rngs) != dist.world_size:
            log(f"WARNING: checkpoint written by {len(rngs)} process(es), resuming with {dist.world_size}: "
                "the data sharding and dropout differ from an uninterrupted run")
        set_rng_state(rngs[dist.rank % len(rngs)], device)
        last_checkpoint = str(ckpt_path)
        log(f"resumed from {ckpt_path} at step {state.global_step} (epoch {state.epoch + 1}, batch {state.batch_in_epoch})")
        del saved

    train_model: torch.nn.Module = model
    if dist.enabled:
        train_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[dist.local_rank] if device.type == "cuda" else None)

    proto.emit("started", run_id=run_id, model=choice.requested, model_resolved=choice.resolved,
               parameters=sum(p.numel() for p in model.parameters()), device=device.type, device_name=_device_name(device),
               precision=precision, world_size=dist.world_size, train_size=len(train_enc.ids), validation_size=len(val_enc.ids),
               holdout_size=len(hold_enc.ids), epochs=targs.epochs, batch_size=targs.batch_size, learning_rate=targs.learning_rate,
               warmup_steps=warmup_steps, max_length=args.model.max_length, steps_per_epoch=steps_per_epoch, total_steps=total_steps,
               start_step=state.global_step, seed=targs.seed, output_dir=str(out))
    for message in single_class_warnings({"training": cola.train + prose.train.examples, "validation": cola.validation,
                                          "holdout": cola.holdout}):
        log(f"WARNING: {message}")
        proto.emit("warning", code="single_class", message=message)

    def write_checkpoint() -> str:
        state.training_seconds = base_training_seconds + (time.monotonic() - session_start)
        rng_all = [rng_state(device)]
        if dist.enabled:
            gathered: list[Any] = [None] * dist.world_size
            torch.distributed.all_gather_object(gathered, rng_all[0])
            rng_all = gathered
        if dist.main:
            save_checkpoint(ckpt_path, {
                "format": CHECKPOINT_FORMAT, "args": args.as_dict(), "fingerprint": fingerprint(args, precision, data_sha256),
                "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict() if scaler is not None else None,
                "state": state.__dict__, "best_weights": best_weights,
            }, rng_all)
            proto.emit("checkpoint", epoch=state.epoch, step=state.global_step, path=str(ckpt_path))
        dist.barrier()
        return str(ckpt_path)

    # The loop. Step events are emitted one step late so that reading the loss (.item()) does not
    # stall a GPU that is already running the next step.
    session_start = time.monotonic()
    session_steps, session_samples = 0, 0
    pending: tuple | None = None

    def flush_pending() -> None:
        nonlocal pending
        if pending is None:
            return
        step, epoch_no, loss_t, norm_t, lr, samples_done = pending
        pending = None
        loss = float(loss_t)
        if not math.isfinite(loss):
            raise TrainerError("internal", f"the training loss became {loss} at step {step}",
                               hint="lower --learning-rate, or use --precision fp32")
        state.epoch_loss_sum += loss
        state.epoch_loss_count += 1
        now = time.monotonic()
        spent = max(1e-9, now - session_start - eval_seconds)
        per_step = spent / max(1, session_steps)
        event = {"epoch": epoch_no, "step": step, "total_steps": total_steps, "loss": loss, "lr": lr,
                 "samples_per_second": samples_done / spent, "elapsed_s": now - t_start,
                 "eta_s": per_step * (total_steps - step)}
        if norm_t is not None:
            norm = float(norm_t)
            if math.isfinite(norm):
                event["grad_norm"] = norm
        proto.emit("step", **event)

    eval_seconds = 0.0
    agreed_cancel = False
    # Test hook: a pause after every step lets tests cancel a tiny model mid-epoch. No effect on results.
    step_delay = float(os.environ.get("COLA_TRAINER_STEP_DELAY", "0") or 0)
    base_training_seconds = state.training_seconds

    def stop_requested() -> bool:
        # Under DDP every rank must stop at the same step, so only the value all ranks agreed on counts.
        return agreed_cancel if dist.enabled else cancel.is_set()

    train_model.train()
    try:
        for epoch in range(state.epoch, targs.epochs):
            epoch_started = time.monotonic()
            batches = batching.epoch_batches(train_enc.lengths, targs.batch_size, targs.seed, epoch, dist.world_size)
            for b in range(state.batch_in_epoch, len(batches)):
                if stop_requested():
                    raise Cancelled
                idx = batching.shard(batches[b], dist.rank, dist.world_size)
                loss = batch_loss(train_model, collate, train_enc, idx, device, precision)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                else:
                    loss.backward()
                norm = (torch.nn.utils.clip_grad_norm_(model.parameters(), targs.max_grad_norm)
                        if targs.max_grad_norm > 0 else None)
                if scaler is not None:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                lr = scheduler.get_last_lr()[0]
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                loss_t = loss.detach()
                if dist.enabled:
                    # One collective carries the mean loss and whether any rank was asked to cancel.
                    packed = torch.stack([loss_t.float(), torch.tensor(float(cancel.is_set()), device=device)])
                    torch.distributed.all_reduce(packed)
                    loss_t = packed[0] / dist.world_size
                    agreed_cancel = float(packed[1]) > 0
                    if agreed_cancel and not cancel.is_set():
                        cancel.set("another process")
                state.global_step += 1
                state.batch_in_epoch = b + 1
                session_steps += 1
                session_samples += len(batches[b])
                flush_pending()
                pending = (state.global_step, epoch + 1, loss_t, None if norm is None else norm.detach(), lr, session_samples)
                if step_delay:
                    time.sleep(step_delay)
            flush_pending()
            eval_started = time.monotonic()
            # A cancel stops validation too, except after the last epoch (then the run finishes with a model)
            # and under DDP (ranks agree on stopping only at training steps).
            stop_validation = None if dist.enabled or epoch + 1 == targs.epochs else cancel.is_set
            val = evaluate(unwrap(train_model), val_enc, collate, device, precision, stop_validation)
            prose_fields = prose_epoch_fields(prose.validation, evaluate(unwrap(train_model), prose_val_enc, collate, device,
                                                                          precision, stop_validation)["logits"])
            train_loss = state.epoch_loss_sum / max(1, state.epoch_loss_count)
            score = selection_score(val["mcc"], prose_fields["prose_val_mcc"] if prose.in_mix else None)
            is_best = state.best is None or score > state.best.get("score", state.best["mcc"])
            if is_best:
                state.best = {"epoch": epoch + 1, "mcc": val["mcc"], "accuracy": val["accuracy"], "loss": val["loss"], "score": score}
                best_weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            state.history.append({"epoch": epoch + 1, "train_loss": train_loss, "val_loss": val["loss"],
                                  "val_accuracy": val["accuracy"], "val_mcc": val["mcc"], **prose_fields})
            proto.emit("evaluation", epoch=epoch + 1, step=state.global_step, train_loss=train_loss, val_loss=val["loss"],
                       val_accuracy=val["accuracy"], val_mcc=val["mcc"], confusion=val["confusion"], best=is_best, **prose_fields,
                       epoch_seconds=time.monotonic() - epoch_started, elapsed_s=time.monotonic() - t_start)
            log(f"epoch {epoch + 1}/{targs.epochs}: train loss {train_loss:.4f}, validation loss {val['loss']:.4f}, "
                f"accuracy {val['accuracy']:.4f}, MCC {val['mcc']:.4f}; prose validation MCC {prose_fields['prose_val_mcc']:.4f}, "
                f"clean flagged {prose_fields['prose_val_clean_flagged']:.1%}{' (best so far)' if is_best else ''}")
            state.epoch, state.batch_in_epoch = epoch + 1, 0
            state.epoch_loss_sum, state.epoch_loss_count = 0.0, 0
            eval_seconds += time.monotonic() - eval_started
            if not targs.no_checkpoint:
                last_checkpoint = write_checkpoint()
            if stop_requested() and epoch + 1 < targs.epochs:
                raise Cancelled
    except Cancelled:
        flush_pending()
        if state.global_step > 0 and not targs.no_checkpoint and (last_checkpoint is None or state.batch_in_epoch > 0):
            last_checkpoint = write_checkpoint()
        proto.emit("cancelled", step=state.global_step, checkpoint=last_checkpoint)
        return EXIT_CANCELLED

    if cancel.is_set():
        log("training is complete: finishing the holdout evaluation and the export, so the run ends with a model")
    state.training_seconds = base_training_seconds + (time.monotonic() - session_start)
    # Holdout with the best-validation weights, then export.
    if best_weights is not None:
        model.load_state_dict(best_weights)
    # Autocast trains on fp32 master weights, and those are what the ONNX export gets; scoring them under bf16
    # autocast gave a holdout MCC 0.0064 away from model.onnx's (issue 16). So everything from here on (holdout,
    # calibration, quality) runs in fp32 and describes the exported model.
    exported_precision = "fp32"
    hold = evaluate(model, hold_enc, collate, device, exported_precision)
    best_epoch = state.best["epoch"] if state.best else targs.epochs
    proto.emit("holdout", n=hold["n"], mcc=hold["mcc"], accuracy=hold["accuracy"], loss=hold["loss"], best_epoch=best_epoch,
               confusion=hold["confusion"])
    log(f"holdout ({hold['n']} sentences, epoch {best_epoch} weights): MCC {hold['mcc']:.4f}, accuracy {hold['accuracy']:.4f}")
    # Calibration on the validation logits of the exported weights, then the held-out report with it.
    calibration = calibrate(prose, cola.validation, evaluate(model, val_enc, collate, device, exported_precision)["logits"],
                            evaluate(model, prose_val_enc, collate, device, exported_precision)["logits"])
    quality = quality_report(prose, calibration, evaluate(model, prose_test_enc, collate, device, exported_precision)["logits"],
                             cola.holdout, hold["logits"], args.data.data_mix)
    if taught:  # accuracy on the feedback sentences, exported weights with their calibration (feedback.py)
        quality["feedback"] = taught.report(evaluate(model, encode(tokenizer, taught.examples, args.model.max_length), collate, device,
                                                     exported_precision)["logits"], calibration)
    proto.emit("quality", calibration=calibration, **quality)
    pt = quality["prose_test"]
    log(f"calibration: temperature {calibration['temperature']:.3f}, threshold {calibration['threshold']:.3f} "
        f"(validation ECE {calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f})")
    log(f"prose test documents ({pt['n_clean']} clean + {pt['n_corrupted']} corrupted): clean flagged {pt['clean_flagged']:.1%}, "
        f"detection MCC {pt['mcc']:.4f}, ECE {pt['ece']:.4f}; per type: "
        + ", ".join(f"{t} {m['mcc']:.2f}" for t, m in pt["per_type"].items()))
    if dist.main:
        metadata = {
            "base_model": choice.base_model, "model_resolved": choice.resolved, "labels": ["unacceptable", "acceptable"],
            "max_length": args.model.max_length, "head": args.model.head, "hyperparameters": args.hyperparameters(), "best_epoch": best_epoch,
            "metrics": {"validation": {k: state.best[k] for k in ("mcc", "accuracy", "loss")} if state.best else None,
                        "holdout": {k: hold[k] for k in ("n", "mcc", "accuracy", "confusion")},
                        "epochs": state.history},
            "device": device.type, "device_name": _device_name(device), "precision": precision,
            "world_size": dist.world_size, "training_seconds": round(state.training_seconds, 3),
            "versions": library_versions(),
            "data": {"folder": str(folder), "train": len(train_enc.ids), "validation": len(val_enc.ids),
                     "holdout": len(hold_enc.ids), "split": "stratified by label, seeded", "mix": args.data.data_mix,
                     "prose_train": len(prose.train), "prose_ratio": args.data.prose_ratio if prose.in_mix else None,
                     "prose_validation": len(prose.validation), "prose_test": len(prose.test),
                     "prose_split": "by document, fixed seed (trainer/cola_trainer/prose_corpus.py)"},
            "calibration": calibration,
            "quality": quality,
        }
        if not targs.no_export:
            exported = export_model_folder(model, tokenizer, out, inputs, metadata, int8=not targs.no_int8,
                                           holdout=[(e.sentence, e.label) for e in cola.holdout])
            shutil.rmtree(ckpt_path, ignore_errors=True)
            proto.emit("exported", **exported)
        proto.emit("done", output_dir=str(out), holdout_mcc=hold["mcc"], elapsed_s=time.monotonic() - t_start)
    dist.barrier()
    return 0
