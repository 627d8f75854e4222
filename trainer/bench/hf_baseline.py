"""The baseline of bench_train.py: CoLA fine-tuning written the way a plain Hugging Face user writes it —
`Trainer` + `TrainingArguments` with the chapter's hyperparameters and every sentence padded to
max_length=128 (as the chapter does). Same split, model, seed, device and precision as our trainer.
Prints one JSON result line on stdout."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--max-train", type=int)
    p.add_argument("--max-eval", type=int)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=2e-5)
    p.add_argument("--device", choices=("cpu", "cuda"), required=True)
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16"), required=True)
    p.add_argument("--threads", type=int)
    a = p.parse_args()

    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments
    from transformers.utils import logging as hf_logging

    from cola_trainer.data import load_cola
    from cola_trainer.metrics import mcc

    hf_logging.set_verbosity_error()
    if a.threads:
        torch.set_num_threads(a.threads)
    data = load_cola(Path(a.data_dir), 0.1, 42, a.max_train, a.max_eval)
    tokenizer = AutoTokenizer.from_pretrained(a.model)
    model = AutoModelForSequenceClassification.from_pretrained(a.model, num_labels=2)

    class Rows(torch.utils.data.Dataset):
        def __init__(self, examples):
            enc = tokenizer([e.sentence for e in examples], padding="max_length", max_length=128, truncation=True)
            self.rows = [{**{k: enc[k][i] for k in enc}, "labels": e.label} for i, e in enumerate(examples)]

        def __len__(self):
            return len(self.rows)

        def __getitem__(self, i):
            return self.rows[i]

    train_set, val_set, hold_set = Rows(data.train), Rows(data.validation), Rows(data.holdout)

    def metrics(pred):
        preds = np.argmax(pred.predictions, axis=-1)
        return {"mcc": mcc(pred.label_ids, preds), "accuracy": float((preds == pred.label_ids).mean())}

    marks: dict[str, list[float]] = {"epoch_begin": [], "evaluate": []}

    class Clock(TrainerCallback):
        def on_epoch_begin(self, *args, **kwargs):
            marks["epoch_begin"].append(time.perf_counter())

        def on_evaluate(self, *args, **kwargs):
            marks["evaluate"].append(time.perf_counter())

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, num_train_epochs=a.epochs, per_device_train_batch_size=a.batch_size,
            per_device_eval_batch_size=a.batch_size, learning_rate=a.learning_rate, weight_decay=0.01,
            warmup_steps=0.1,  # transformers 5 folded warmup_ratio into warmup_steps: a float in [0, 1) is a ratio
            max_grad_norm=1.0, seed=42, eval_strategy="epoch", save_strategy="no",
            logging_steps=50, report_to="none", bf16=a.precision == "bf16", fp16=a.precision == "fp16",
            use_cpu=a.device == "cpu", disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=train_set, eval_dataset=val_set,
                          compute_metrics=metrics, callbacks=[Clock()])
        started = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - started
        hold = trainer.evaluate(hold_set, metric_key_prefix="holdout")
    epochs = [end - begin for begin, end in zip(marks["epoch_begin"], marks["evaluate"], strict=False)]
    print(json.dumps({"train_size": len(train_set), "epochs": a.epochs, "epoch_seconds": epochs,
                      "train_seconds": train_seconds, "samples_per_second": len(train_set) * a.epochs / train_seconds,
                      "holdout_mcc": hold["holdout_mcc"], "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
