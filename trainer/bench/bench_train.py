"""`npm run bench:train`: our trainer against a plain Hugging Face `Trainer` baseline (bench/hf_baseline.py),
same model, data split, hyperparameters, device, precision and CPU threads, one after the other in one run.
Prints a table and writes it, with the machine, between the training markers of docs/benchmarks.md.

    python trainer/bench/bench_train.py                       # all-minilm-l6-v2, 4 epochs, full CoLA
    python trainer/bench/bench_train.py --epochs 1 --max-train 1024
    python trainer/bench/bench_train.py --random-init bert-base --device cuda --no-write   (trainer/bench/gpu.sh)
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[1]
REPO = TRAINER.parent
sys.path.insert(0, str(TRAINER))
sys.path.insert(0, str(TRAINER / "tests"))
START, END = "<!-- bench:train:start -->", "<!-- bench:train:end -->"


def find_cola(explicit: str | None) -> Path:
    for candidate in (explicit, os.environ.get("COLA_DIR"), REPO.parent / "shared/datasets/cola/raw",
                      REPO / "shared/datasets/cola/raw", REPO / ".cache/cola"):
        if candidate and (Path(candidate) / "in_domain_train.tsv").is_file():
            return Path(candidate).resolve()
    sys.exit("CoLA not found: pass --data-dir or set COLA_DIR")


def child_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": os.pathsep.join(filter(None, [str(TRAINER), env.get("PYTHONPATH")])),
                "OMP_WAIT_POLICY": "PASSIVE", "COLA_TRAINER_THREADS": str(threads), "TOKENIZERS_PARALLELISM": "false",
                "HF_HUB_OFFLINE": env.get("HF_HUB_OFFLINE", "1")})
    return env


def run_ours(a, model: str, cola: Path, device: str, precision: str, threads: int) -> dict:
    cmd = [sys.executable, "-m", "cola_trainer", "train", "--model", model, "--data-dir", str(cola), "--epochs", str(a.epochs),
           "--learning-rate", str(a.learning_rate),
           "--device", device, "--precision", precision, "--no-checkpoint", "--no-export",
           "--output-dir", str(Path(tempfile.gettempdir()) / f"cola-bench-{os.getpid()}")]
    if a.max_train:
        cmd += ["--max-train", str(a.max_train)]
    if a.max_eval:
        cmd += ["--max-eval", str(a.max_eval)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=child_env(threads), cwd=REPO)
    started_at, evals, started, holdout = None, [], None, None
    for line in proc.stdout:
        event = json.loads(line)
        now = time.perf_counter()
        if event["event"] == "started":
            started_at, started = now, event
        elif event["event"] == "evaluation":
            evals.append((now, event))
        elif event["event"] == "holdout":
            holdout = event
        elif event["event"] == "error":
            sys.exit(f"our trainer failed: {event}")
    if proc.wait() != 0 or started_at is None or not evals:
        sys.exit(f"our trainer exited with {proc.returncode}")
    seconds = evals[-1][0] - started_at
    return {"train_size": started["train_size"], "epoch_seconds": [e["epoch_seconds"] for _, e in evals],
            "train_seconds": seconds, "samples_per_second": started["train_size"] * a.epochs / seconds,
            "holdout_mcc": holdout["mcc"] if holdout else None, "precision": started["precision"],
            "device_name": started["device_name"]}


def run_hf(a, model: str, cola: Path, device: str, precision: str, threads: int) -> dict:
    cmd = [sys.executable, str(TRAINER / "bench" / "hf_baseline.py"), "--model", model, "--data-dir", str(cola),
           "--learning-rate", str(a.learning_rate),
           "--epochs", str(a.epochs), "--device", device, "--precision", precision, "--threads", str(threads)]
    if a.max_train:
        cmd += ["--max-train", str(a.max_train)]
    if a.max_eval:
        cmd += ["--max-eval", str(a.max_eval)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=child_env(threads), cwd=REPO)
    lines = [line for line in proc.stdout.splitlines() if line.startswith('{"train_size"')]
    if proc.returncode != 0 or not lines:
        sys.exit(f"the Hugging Face Trainer baseline exited with {proc.returncode}")
    return json.loads(lines[-1])


def machine(device: str, threads: int) -> str:
    import torch

    from cola_trainer.environment import cpu_name, cpu_threads
    if device == "cuda":
        hw = f"GPU {torch.cuda.get_device_name(0)}"
    else:
        hw = f"CPU {cpu_name()}, {cpu_threads()} cores visible, {threads} training thread(s)"
    try:
        load = "load average {:.1f}/{:.1f}/{:.1f} at start".format(*os.getloadavg())
    except OSError:
        load = "load average unknown"
    import transformers
    return (f"{hw}; {load}; Python {platform.python_version()}, torch {torch.__version__}, "
            f"transformers {transformers.__version__}")


def table(ours: dict, hf: dict) -> str:
    rows = ["| | our trainer | HF `Trainer` baseline | speed-up |", "| --- | ---: | ---: | ---: |"]
    for i, (o, h) in enumerate(zip(ours["epoch_seconds"], hf["epoch_seconds"], strict=False), 1):
        rows.append(f"| epoch {i} wall time (train + validation), s | {o:.1f} | {h:.1f} | {h / o:.2f}× |")
    rows.append(f"| training wall time, s | {ours['train_seconds']:.1f} | {hf['train_seconds']:.1f} | "
                f"{hf['train_seconds'] / ours['train_seconds']:.2f}× |")
    rows.append(f"| training samples/s | {ours['samples_per_second']:.1f} | {hf['samples_per_second']:.1f} | "
                f"{ours['samples_per_second'] / hf['samples_per_second']:.2f}× |")
    def fmt(v):
        return "n/a" if v is None else f"{v:.3f}"
    rows.append(f"| holdout MCC (out_of_domain_dev) | {fmt(ours['holdout_mcc'])} | {fmt(hf['holdout_mcc'])} | |")
    return "\n".join(rows)


def write_section(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in old and END in old:
        new = old[: old.index(START)] + block + old[old.index(END) + len(END):]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="all-minilm-l6-v2", help="hub id, folder or alias (default all-minilm-l6-v2)")
    p.add_argument("--random-init", choices=("tiny", "bert-base"), help="benchmark a random-init model of this shape instead (no hub)")
    p.add_argument("--data-dir")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--learning-rate", type=float, help="for both sides (default: the trainer's default for the model)")
    p.add_argument("--max-train", type=int, help="use N training rows (quicker run; the table says so)")
    p.add_argument("--max-eval", type=int)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    p.add_argument("--threads", type=int, help="CPU threads for both runs (default: the trainer's own choice, fixed at start)")
    p.add_argument("--only", choices=("ours", "hf"), help="run one side only (no table is written)")
    p.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"))
    p.add_argument("--no-write", action="store_true", help="print the table only")
    a = p.parse_args()

    from cola_trainer.args import CHAPTER_LEARNING_RATE, default_learning_rate
    from cola_trainer.environment import choose_device, choose_precision, training_threads
    from cola_trainer.models import resolve_model
    if a.learning_rate is None:
        a.learning_rate = CHAPTER_LEARNING_RATE if a.random_init else default_learning_rate(a.model)
    cola = find_cola(a.data_dir)
    device = choose_device(a.device)
    precision = choose_precision(a.precision, device)
    threads = a.threads or training_threads()
    info = machine(device, threads)
    with tempfile.TemporaryDirectory() as tmp:
        if a.random_init:
            from tiny_model import make_tiny_model
            model = str(make_tiny_model(Path(tmp) / a.random_init, size=a.random_init))
            model_label = f"random-init {a.random_init}-shaped BERT"
        else:
            model = resolve_model(a.model).resolved
            model_label = a.model
        print(f"benchmark: {model_label}, {a.epochs} epoch(s), device {device}, precision {precision}, "
              f"threads {threads}, data {cola}", file=sys.stderr)
        ours = run_ours(a, model, cola, device, precision, threads) if a.only != "hf" else None
        hf = run_hf(a, model, cola, device, precision, threads) if a.only != "ours" else None
    if ours is None or hf is None:
        print(json.dumps(ours or hf, indent=2))
        return
    rows = ours["train_size"]
    what = (f"`{' '.join(['npm run bench:train --'] + sys.argv[1:])}` — {model_label}, {a.epochs} epoch(s) over "
            f"{rows} training sentences{' (--max-train)' if a.max_train else ' (the full 90% split)'}, batch 32, lr {a.learning_rate:g}, "
            f"device {device}, precision {precision}; run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.")
    text = "\n".join([
        "## Training: our trainer vs the Hugging Face Trainer", "",
        what, "", f"Machine: {info}.", "", table(ours, hf), "",
        "Both sides: same model, data split, seed, hyperparameters (AdamW, weight decay 0.01, linear warmup 10%, "
        "clipping 1.0), device, precision and thread count; validation after every epoch. The baseline pads "
        "every sentence to 128 tokens (as the chapter does); ours pads each length-grouped batch to its own "
        "longest sentence. Wall times include the per-epoch validation pass.",
    ])
    print(text)
    if not a.no_write:
        write_section(Path(a.output), text)
        print(f"\nwritten to {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
