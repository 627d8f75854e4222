"""Typed command-line arguments, in the style of transformers' run_glue.py: dataclasses whose fields carry
their help text, validated in __post_init__. The TypeScript CLI and the extension pass exactly these flags."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, Optional, get_type_hints

from .protocol import TrainerError

DEFAULT_HUB_MODEL = "bert-base-uncased"
OFFLINE_ALIAS = "all-minilm-l6-v2"
CHAPTER_LEARNING_RATE = 2e-5
# all-MiniLM-L6-v2 (6 layers, 384 wide, trained for sentence embeddings) predicts the majority class for
# two of its four epochs at 2e-5; trainer/bench/sweep_recipe.py found 1e-4 best (docs/trainer.md).
OFFLINE_LEARNING_RATE = 1e-4


def default_learning_rate(base_model: str) -> float:
    return OFFLINE_LEARNING_RATE if base_model == OFFLINE_ALIAS else CHAPTER_LEARNING_RATE


def _opt(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class ModelArguments:
    model: str = _opt("auto", "Hugging Face hub id, local model folder, or the alias 'all-minilm-l6-v2'. "
                              "'auto' = bert-base-uncased, falling back to all-minilm-l6-v2 when the hub is unreachable.",
                      metavar="ID|DIR")
    max_length: int = _opt(128, "Longest tokenized sentence; longer ones are truncated.", metavar="N")

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise TrainerError("bad_arguments", "--model must not be empty", hint="pass a hub id, a folder, or all-minilm-l6-v2")
        if not 8 <= self.max_length <= 512:
            raise TrainerError("bad_arguments", f"--max-length must be between 8 and 512, got {self.max_length}")


@dataclass
class DataArguments:
    data_dir: Optional[str] = _opt(None, "Folder holding in_domain_train.tsv and out_of_domain_dev.tsv. Default: $COLA_DIR, "
                                         "then ~/.cache/cola-bert/cola_public_1.1, then the official CoLA 1.1 download.", metavar="DIR")
    validation_fraction: float = _opt(0.1, "Share of in_domain_train.tsv held out (stratified by label) for per-epoch validation.", metavar="X")
    max_train: Optional[int] = _opt(None, "Use only a seeded random sample of N training rows (quick runs and tests).", metavar="N")
    max_eval: Optional[int] = _opt(None, "Use only a seeded random sample of N validation and N holdout rows (quick runs and tests).", metavar="N")

    def __post_init__(self) -> None:
        if self.data_dir is not None and not self.data_dir.strip():
            raise TrainerError("bad_arguments", "--data-dir is empty", hint="pass a folder, or leave the flag out to use $COLA_DIR, the cache or the download")
        if not 0.0 < self.validation_fraction < 0.5:
            raise TrainerError("bad_arguments", f"--validation-fraction must be in (0, 0.5), got {self.validation_fraction}")
        for name in ("max_train", "max_eval"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise TrainerError("bad_arguments", f"--{name.replace('_', '-')} must be at least 1, got {value}")


@dataclass
class TrainingArguments:
    output_dir: Optional[str] = _opt(None, "Where the exported model folder goes. Default: models/<run_id>.", metavar="DIR")
    epochs: int = _opt(4, "Training epochs (the chapter: 4).", metavar="N")
    batch_size: int = _opt(32, "Global batch size, all processes together (the chapter: 32).", metavar="N")
    learning_rate: Optional[float] = _opt(None, "Peak AdamW learning rate. Default: 2e-5 (the chapter's) for every model but the "
                                                 f"offline {OFFLINE_ALIAS}, which gets {OFFLINE_LEARNING_RATE:g}: the best 4-epoch "
                                                 "recipe of a sweep (holdout MCC 0.277 against 0.213; docs/trainer.md).", metavar="X")
    weight_decay: float = _opt(0.01, "AdamW weight decay, applied to all weights except biases and LayerNorm weights.", metavar="X")
    warmup_ratio: float = _opt(0.1, "Share of the steps spent warming the learning rate up linearly from 0.", metavar="X")
    max_grad_norm: float = _opt(1.0, "Gradient clipping norm (0 disables clipping).", metavar="X")
    seed: int = _opt(42, "Seed for the split, the data order, dropout and the classifier head.", metavar="N")
    device: str = _opt("auto", "auto = cuda when available, else cpu.", choices=("auto", "cpu", "cuda"))
    precision: str = _opt("auto", "auto = bf16 on CUDA (fp16 on older GPUs) and on CPUs with AMX/AVX512-BF16, else fp32.",
                          choices=("auto", "fp32", "bf16", "fp16"))
    resume: bool = _opt(False, "Continue from <output-dir>.checkpoint/ (same arguments); gives the same result as an uninterrupted run.")
    no_int8: bool = _opt(False, "Skip the dynamically quantized model.int8.onnx.")
    no_checkpoint: bool = _opt(False, "Write no resumable checkpoints (benchmarks); a cancelled run then cannot be resumed.")
    no_export: bool = _opt(False, "Stop after the holdout evaluation without writing the model folder (benchmarks).")
    num_workers: int = _opt(0, "Accepted for compatibility: sentences are tokenized once and each batch is padded in the "
                               "training process (cheap), so no loader workers are started.", metavar="N")

    def __post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}"),
            (self.learning_rate is None or 0 < self.learning_rate < 1, f"--learning-rate must be in (0, 1), got {self.learning_rate}"),
            (0 <= self.weight_decay < 1, f"--weight-decay must be in [0, 1), got {self.weight_decay}"),
            (0 <= self.warmup_ratio < 1, f"--warmup-ratio must be in [0, 1), got {self.warmup_ratio}"),
            (self.max_grad_norm >= 0, f"--max-grad-norm must be >= 0, got {self.max_grad_norm}"),
            (self.num_workers >= 0, f"--num-workers must be >= 0, got {self.num_workers}"),
            # numpy's PCG64 and torch.manual_seed both take it; beyond 2**32 - 1 some platforms overflow.
            (0 <= self.seed < 2**32, f"--seed must be in [0, 2**32), got {self.seed}"),
            (self.output_dir is None or bool(self.output_dir.strip()), "--output-dir is empty (leave it out for models/<run id>)"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainerError("bad_arguments", message)


@dataclass
class RunArguments:
    model: ModelArguments
    data: DataArguments
    training: TrainingArguments

    def hyperparameters(self) -> dict[str, Any]:
        t, d = self.training, self.data
        return {"epochs": t.epochs, "batch_size": t.batch_size, "learning_rate": t.learning_rate,
                "weight_decay": t.weight_decay, "warmup_ratio": t.warmup_ratio, "max_grad_norm": t.max_grad_norm,
                "seed": t.seed, "max_length": self.model.max_length, "validation_fraction": d.validation_fraction}

    def as_dict(self) -> dict[str, Any]:
        return {"model": dataclasses.asdict(self.model), "data": dataclasses.asdict(self.data),
                "training": dataclasses.asdict(self.training)}


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so a bad flag becomes an `error` event; help goes to stderr."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise TrainerError("bad_arguments", message, hint="run 'python -m cola_trainer train --help' for the options")

    def print_help(self, file: Any = None) -> None:
        super().print_help(sys.stderr)


GROUPS = (("model", ModelArguments), ("data", DataArguments), ("training", TrainingArguments))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cola_trainer train", description="Fine-tune a BERT-style encoder on CoLA and export ONNX.")
    for title, cls in GROUPS:
        group = parser.add_argument_group(title)
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            flag = "--" + f.name.replace("_", "-")
            meta = dict(f.metadata)
            help_text = meta.pop("help")
            kind = hints[f.name]
            if kind is bool:
                group.add_argument(flag, dest=f.name, action="store_true", help=help_text)
                continue
            base = {Optional[int]: int, Optional[str]: str, Optional[float]: float}.get(kind, kind)
            default_text = "" if f.default is None else f" (default: {f.default})"
            group.add_argument(flag, dest=f.name, type=base, default=f.default, help=help_text + default_text, **meta)
    return parser


def parse_train_args(argv: list[str]) -> RunArguments:
    namespace = vars(build_parser().parse_args(argv))
    parts = {}
    for title, cls in GROUPS:
        parts[title] = cls(**{f.name: namespace[f.name] for f in dataclasses.fields(cls)})
    return RunArguments(**parts)
