"""The writer's feedback (`--feedback FILE`): sentences the editor's quick fixes recorded as acceptable or
unacceptable, in CoLA's four-column TSV. They join the training rows, each repeated --feedback-weight times,
and the run reports accuracy on them before (the model the editor used) and after (the exported model), so a
user sees whether teaching worked and, beside the CoLA and prose metrics, whether it cost anything."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import calibration as cal
from .args import DataArguments, flag
from .data import Example, read_tsv
from .protocol import TrainerError, log

# What the editor writes (src/core/feedback.ts); any CoLA-style source code is accepted on reading.
FEEDBACK_SOURCE = "feedback"
MODEL_MARKER = "cola-bert.json"
# Sentences still judged wrong after training, listed in the report so the user can look at them.
MAX_LISTED = 20
HINT = "fix the line (source, label 0 or 1, mark, sentence; tab-separated), or leave --feedback out"

# A function that turns sentences into [n, 2] logits of the model being reported on.
Scorer = Callable[[list[str]], np.ndarray]


@dataclass
class Feedback:
    file: Path
    sha256: str
    examples: list[Example]       # each sentence once
    weight: int
    baseline: dict[str, Any]      # the 'before' block of the report (computed when loading)

    @property
    def training_examples(self) -> list[Example]:
        """Every example `weight` times: repetition is the weighting (no per-row loss weights in the loop)."""
        return [e for e in self.examples for _ in range(self.weight)]

    @property
    def fingerprint(self) -> dict[str, str]:
        """What data_sha256 adds: a resume trains on the same feedback or refuses."""
        return {"feedback": self.sha256}

    def report(self, logits: np.ndarray, calibration: dict[str, Any]) -> dict[str, Any]:
        """The `feedback` block of the quality event and cola-bert.json: the exported model's logits on `examples`
        ('after', with its own calibration) next to the baseline ('before')."""
        after = _accuracy(self.examples, logits, calibration)
        wrong = [{"sentence": e.sentence, "label": e.label} for e, ok in zip(self.examples, after.pop("correct_mask"), strict=True)
                 if not ok][:MAX_LISTED]
        return {"file": str(self.file), "sha256": self.sha256, "n": len(self.examples),
                "acceptable": sum(e.label == 1 for e in self.examples), "unacceptable": sum(e.label == 0 for e in self.examples),
                "weight": self.weight, "training_rows": len(self.examples) * self.weight,
                **self.baseline, "after": after, "still_wrong": wrong}


def parse(path: Path) -> tuple[list[Example], list[str]]:
    """The file's examples, each sentence once, and notes on what was merged. A sentence labelled both ways is an
    error naming both lines: the writer has to decide, the trainer cannot."""
    if not path.is_file():
        raise TrainerError("data_missing", f"feedback file not found: {path}",
                           hint=f"teach a sentence in the editor first (it writes .vscode/cola-bert/feedback.tsv), "
                                f"or leave {flag('feedback')} out",
                           file=path)
    try:
        rows = read_tsv(path)
    except TrainerError as e:
        raise TrainerError(e.code, f"feedback file: {e.message}", hint=HINT, file=e.file, line=e.line) from e
    seen: dict[str, Example] = {}
    notes: list[str] = []
    for row in rows:
        key = " ".join(row.sentence.split())
        first = seen.get(key)
        if first is None:
            seen[key] = Example(row.source, row.label, key, row.line)
        elif first.label != row.label:
            raise TrainerError("data_malformed", f"feedback file {path}: line {row.line} labels a sentence {row.label} that line "
                               f"{first.line} labels {first.label}: {key!r}",
                               hint="keep the line with the label you mean and delete the other", file=path, line=row.line)
        else:
            notes.append(f"line {row.line} repeats line {first.line}")
    return list(seen.values()), notes


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _accuracy(examples: list[Example], logits: np.ndarray, calibration: dict[str, Any] | None) -> dict[str, Any]:
    """Accuracy as the editor judges: acceptable when the calibrated P(acceptable) reaches the threshold (the
    stored calibration block; none: the raw scores and 0.5)."""
    labels = np.array([e.label for e in examples], dtype=np.int64)
    scaling = cal.parameters(calibration)
    threshold = float((calibration or {}).get("threshold", cal.DEFAULT_THRESHOLD))
    p = cal.p_acceptable(logits, **scaling)
    correct = (p >= threshold).astype(np.int64) == labels
    return {"n": int(len(labels)), "correct": int(correct.sum()), "accuracy": float(correct.mean()), "threshold": threshold,
            "temperature": scaling["temperature"], "bias": scaling["bias"], "correct_mask": correct.tolist()}


def baseline_folder(data: DataArguments, model_arg: str) -> tuple[Path | None, str]:
    """Which model 'before' describes, or None and why not."""
    if data.feedback_baseline:
        folder = Path(data.feedback_baseline).expanduser()
        if not (folder / MODEL_MARKER).is_file():
            raise TrainerError("bad_arguments", f"{flag('feedback_baseline')} {folder} is not a cola-bert model folder (no {MODEL_MARKER})",
                               hint="pass the folder of a model this trainer exported (the one the editor uses), or leave the flag out")
        return folder, f"{flag('feedback_baseline')}"
    folder = Path(model_arg).expanduser()
    if (folder / MODEL_MARKER).is_file():
        return folder, f"{flag('model')} (the run starts from this model)"
    return None, (f"no previous model: {flag('model')} {model_arg} starts from a pretrained encoder with a new classifier head, "
                  f"and no {flag('feedback_baseline')} named the model the editor used")


def score_folder(folder: Path, max_length: int) -> Scorer:
    """Scores sentences with a cola-bert model folder's PyTorch weights (fp32, CPU: a few sentences)."""
    import torch

    from .models import ModelChoice, folder_head, load_model_and_tokenizer

    try:
        # With the head it was trained with: a tokens-head folder loaded as a sequence classifier would score with a
        # freshly initialised [CLS] classifier.
        model, tokenizer = load_model_and_tokenizer(ModelChoice(str(folder), str(folder), str(folder), True),
                                                    folder_head(str(folder)) or "sentence")
        model.eval()
    except (OSError, ValueError, TrainerError) as e:
        raise TrainerError("model_unavailable", f"cannot load the feedback baseline {folder}: {e}",
                           hint=f"pass a complete model folder with {flag('feedback_baseline')}, or leave it out") from e

    @torch.no_grad()
    def score(sentences: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(sentences), 64):
            batch = tokenizer(sentences[start:start + 64], truncation=True, max_length=max_length, padding=True, return_tensors="pt")
            out.append(model(**batch).logits.float().numpy())
        return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.float32)

    return score


def _calibration_of(folder: Path) -> dict[str, Any] | None:
    return json.loads((folder / MODEL_MARKER).read_text(encoding="utf-8")).get("calibration")


def load_feedback(data: DataArguments, model_arg: str, max_length: int) -> Feedback | None:
    """--feedback read, validated and scored by the baseline; None without the flag."""
    if not data.feedback:
        return None
    path = Path(data.feedback).expanduser().resolve()
    examples, notes = parse(path)
    folder, why = baseline_folder(data, model_arg)
    if folder is None:
        baseline: dict[str, Any] = {"before": None, "before_unavailable": why}
    else:
        before = _accuracy(examples, score_folder(folder, max_length)([e.sentence for e in examples]), _calibration_of(folder))
        before.pop("correct_mask")
        baseline = {"before": {**before, "model": str(folder.resolve()), "chosen_by": why}}
    log(f"feedback {path}: {len(examples)} sentences ({sum(e.label == 1 for e in examples)} acceptable), each trained "
        f"{data.feedback_weight} times" + (f"; merged duplicates: {', '.join(notes)}" if notes else "")
        + (f"; before: accuracy {baseline['before']['accuracy']:.3f} ({baseline['before']['model']})" if baseline["before"]
           else f"; before: n/a ({why})"))
    return Feedback(path, sha256(path), examples, data.feedback_weight, baseline)
