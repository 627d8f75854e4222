"""A recipe sweep for the offline default (all-MiniLM-L6-v2) on CoLA: which 4-epoch recipe gives the best
validation MCC, and what it gives on the holdout. Built for one short run on a lent GPU (several worker
processes share it), checkable on a CPU with --tiny. The winner is then re-run on the CPU with the real
trainer (`cola-bert train`), which is what the README reports.

Each run uses the trainer's own pieces (CoLA reader, seeded 90/10 split with seed 42, length-grouped batches,
AdamW groups without decay on bias/LayerNorm, linear warmup, clipping 1.0, best-validation-MCC epoch kept)
and varies: the learning rate, a separate learning rate for the new head, the pooling (the [CLS] pooler, or
the mean over tokens that all-MiniLM-L6-v2 was trained with), the batch size, and the training seed.

    python trainer/bench/sweep_recipe.py --model DIR --data-dir DIR --workers 8 --out sweep.jsonl
    python trainer/bench/sweep_recipe.py --tiny          # CPU check: tiny random BERT, 256 rows
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace

TRAINER = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINER))
sys.path.insert(0, str(TRAINER / "tests"))


@dataclass(frozen=True)
class Recipe:
    pooling: str = "cls"
    lr: float = 2e-5
    head_lr: float | None = None
    batch: int = 32
    epochs: int = 4
    warmup: float = 0.1
    seed: int = 42

    def name(self) -> str:
        head = f" head {self.head_lr:g}" if self.head_lr else ""
        return f"{self.pooling} lr {self.lr:g}{head} b{self.batch} e{self.epochs} w{self.warmup:g}"


def grid(seeds: list[int]) -> list[Recipe]:
    base = [Recipe("cls", 2e-5)]  # the chapter's recipe: the reference point
    base += [Recipe("cls", lr) for lr in (5e-5, 1e-4, 2e-4)]
    base += [Recipe("cls", lr, head_lr=1e-3) for lr in (2e-5, 5e-5, 1e-4)]
    base += [Recipe("mean", lr) for lr in (2e-5, 5e-5, 1e-4, 2e-4)]
    base += [Recipe("mean", lr, head_lr=1e-3) for lr in (2e-5, 5e-5, 1e-4)]
    base += [Recipe("cls", 1e-4, batch=16), Recipe("mean", 1e-4, batch=16)]
    # Seeds outermost, so that a deadline still leaves every recipe with at least its first seed.
    return [Recipe(**{**asdict(r), "seed": s}) for s, r in itertools.product(seeds, base)]


def make_mean_model(folder: str):
    import torch
    from transformers import AutoModel

    class _MeanPooling(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(folder, add_pooling_layer=False)
            hidden = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(self.encoder.config.hidden_dropout_prob)
            self.classifier = torch.nn.Linear(hidden, 2)
            torch.nn.init.normal_(self.classifier.weight, std=self.encoder.config.initializer_range)
            torch.nn.init.zeros_(self.classifier.bias)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return SimpleNamespace(logits=self.classifier(self.dropout(pooled)))

    return _MeanPooling()


def run_one(recipe: Recipe, model_dir: str, cola, tokenizer, device, precision: str) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup

    from cola_trainer import batching
    from cola_trainer.train import batch_loss, encode, evaluate, param_groups, seed_everything

    t0 = time.perf_counter()
    seed_everything(recipe.seed)
    if recipe.pooling == "mean":
        model = make_mean_model(model_dir)
    else:
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=2)
    model.to(device)
    head_names = ("classifier", "pooler")
    groups = []
    for group in param_groups(model, 0.01):
        ids = {id(p) for p in group["params"]}
        named = [(n, p) for n, p in model.named_parameters() if id(p) in ids]
        body = [p for n, p in named if not any(h in n for h in head_names)]
        head = [p for n, p in named if any(h in n for h in head_names)]
        groups.append({"params": body, "weight_decay": group["weight_decay"], "lr": recipe.lr})
        groups.append({"params": head, "weight_decay": group["weight_decay"], "lr": recipe.head_lr or recipe.lr})
    groups = [g for g in groups if g["params"]]
    optimizer = torch.optim.AdamW(groups, lr=recipe.lr, fused=device.type == "cuda")
    train_enc, val_enc, hold_enc = (encode(tokenizer, part, 128) for part in (cola.train, cola.validation, cola.holdout))
    collate = batching.Collator(tokenizer.pad_token_id or 0, True)
    steps = batching.steps_per_epoch(len(train_enc.ids), recipe.batch) * recipe.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(math.ceil(recipe.warmup * steps)), steps)
    best, best_state, history = None, None, []
    model.train()
    for epoch in range(recipe.epochs):
        for idx in batching.epoch_batches(train_enc.lengths, recipe.batch, recipe.seed, epoch):
            batch_loss(model, collate, train_enc, idx, device, precision).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
        val = evaluate(model, val_enc, collate, device, precision)
        history.append(round(val["mcc"], 4))
        if best is None or val["mcc"] > best["mcc"]:
            best = {"epoch": epoch + 1, "mcc": val["mcc"], "accuracy": val["accuracy"]}
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    hold = evaluate(model, hold_enc, collate, device, precision)
    return {"recipe": asdict(recipe), "name": recipe.name(), "val_mcc": best["mcc"], "val_accuracy": best["accuracy"],
            "best_epoch": best["epoch"], "val_mcc_per_epoch": history, "holdout_mcc": hold["mcc"],
            "holdout_accuracy": hold["accuracy"], "holdout_confusion": hold["confusion"], "seconds": time.perf_counter() - t0}


def worker(a) -> None:
    import torch
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    from cola_trainer.data import load_cola

    hf_logging.set_verbosity_error()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if device.type == "cuda":  # plain fp32 matmuls, as on the CPU the README's numbers come from
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    cola = load_cola(Path(a.data_dir), 0.1, 42, a.max_train, a.max_eval)
    tokenizer = AutoTokenizer.from_pretrained(a.model)
    recipes = grid(a.seeds)[a.worker_index::a.workers]
    for recipe in recipes:
        if time.time() > a.deadline:
            print(json.dumps({"skipped": recipe.name(), "seed": recipe.seed}), flush=True)
            continue
        print(json.dumps(run_one(recipe, a.model, cola, tokenizer, device, a.precision)), flush=True)


def summarize(results: list[dict]) -> str:
    import statistics
    by: dict[str, list[dict]] = {}
    for r in results:
        by.setdefault(r["name"], []).append(r)
    rows = []
    for name, rs in by.items():
        val = [r["val_mcc"] for r in rs]
        hold = [r["holdout_mcc"] for r in rs]
        rows.append((statistics.mean(val), name, len(rs), statistics.mean(hold), min(hold), max(hold),
                     statistics.mean(r["seconds"] for r in rs)))
    rows.sort(reverse=True)
    lines = ["| recipe (4 epochs unless eN) | seeds | validation MCC (mean) | holdout MCC mean | min | max | s/run |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {name} | {n} | {v:.3f} | {h:.3f} | {lo:.3f} | {hi:.3f} | {s:.0f} |" for v, name, n, h, lo, hi, s in rows]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="model folder (default: the all-minilm-l6-v2 alias's folder)")
    p.add_argument("--data-dir", default=os.environ.get("COLA_DIR"))
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="CPU threads per worker")
    p.add_argument("--seeds", default="42,1,2")
    p.add_argument("--budget-s", type=float, default=1e9, help="start no run after this many seconds")
    p.add_argument("--max-train", type=int)
    p.add_argument("--max-eval", type=int)
    p.add_argument("--out", help="JSON lines of every run, appended as they finish")
    p.add_argument("--tiny", action="store_true", help="CPU check: tiny random BERT, 256 training rows, 1 seed")
    p.add_argument("--worker-index", type=int, help=argparse.SUPPRESS)
    p.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    a = p.parse_args()
    a.seeds = [int(s) for s in str(a.seeds).split(",")]
    if a.worker_index is not None:
        worker(a)
        return
    if a.tiny:
        from tiny_model import make_tiny_model
        a.model = str(make_tiny_model(Path("/tmp/cola-sweep-tiny")))
        a.device, a.max_train, a.max_eval, a.seeds = "cpu", 256, 64, [42]
    if a.model is None:
        from cola_trainer.models import alias_folder
        a.model = str(alias_folder())
    if not a.data_dir:
        from bench_train import find_cola
        a.data_dir = str(find_cola(None))
    deadline = time.time() + a.budget_s
    base = [sys.executable, __file__, "--model", a.model, "--data-dir", a.data_dir, "--device", a.device,
            "--precision", a.precision, "--workers", str(a.workers), "--threads", str(a.threads),
            "--seeds", ",".join(map(str, a.seeds)), "--deadline", str(deadline)]
    for flag in ("max_train", "max_eval"):
        if getattr(a, flag):
            base += ["--" + flag.replace("_", "-"), str(getattr(a, flag))]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    procs = [subprocess.Popen(base + ["--worker-index", str(i)], stdout=subprocess.PIPE, text=True, env=env)
             for i in range(a.workers)]
    results, out = [], open(a.out, "a", encoding="utf-8") if a.out else None
    started = time.time()
    import selectors
    sel = selectors.DefaultSelector()
    for proc in procs:
        sel.register(proc.stdout, selectors.EVENT_READ, proc)
    open_streams = len(procs)
    while open_streams:
        for key, _ in sel.select():
            line = key.fileobj.readline()
            if not line:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            record = json.loads(line)
            if out:
                out.write(line)
                out.flush()
            if "skipped" in record:
                continue
            results.append(record)
            print(f"[{time.time() - started:5.0f} s] {record['name']} seed {record['recipe']['seed']}: validation MCC "
                  f"{record['val_mcc']:.3f} (epochs {record['val_mcc_per_epoch']}), holdout {record['holdout_mcc']:.3f}, "
                  f"{record['seconds']:.0f} s", file=sys.stderr, flush=True)
    failed = [p.wait() for p in procs]
    print(summarize(results) if results else "no run finished")
    if any(failed):
        sys.exit(f"worker exit codes: {failed}")


if __name__ == "__main__":
    main()
