"""Binary classification metrics (positive class = 1 = acceptable), in numpy."""
from __future__ import annotations

import math

import numpy as np


def confusion(labels: np.ndarray, preds: np.ndarray) -> dict[str, int]:
    labels = np.asarray(labels).astype(bool)
    preds = np.asarray(preds).astype(bool)
    return {"tp": int(np.sum(labels & preds)), "tn": int(np.sum(~labels & ~preds)),
            "fp": int(np.sum(~labels & preds)), "fn": int(np.sum(labels & ~preds))}


def mcc_from_confusion(c: dict[str, int]) -> float:
    """Matthews correlation coefficient; 0 when a row or column of the matrix is empty (as scikit-learn does)."""
    tp, tn, fp, fn = (float(c[k]) for k in ("tp", "tn", "fp", "fn"))
    denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    if denominator == 0:
        return 0.0
    return (tp * tn - fp * fn) / math.sqrt(denominator)


def mcc(labels: np.ndarray, preds: np.ndarray) -> float:
    return mcc_from_confusion(confusion(labels, preds))


def accuracy(labels: np.ndarray, preds: np.ndarray) -> float:
    labels, preds = np.asarray(labels), np.asarray(preds)
    return float(np.mean(labels == preds)) if len(labels) else 0.0


def caught_at_false_alarms(error_scores: np.ndarray, acceptable: np.ndarray, rate: float) -> dict[str, float]:
    """The share of unacceptable sentences caught when the threshold flags exactly `rate` of the acceptable ones,
    and the MCC at that point (balanced classes assumed, as in the prose pairs: one corruption per clean sentence).
    Comparing models at matched false alarms measures their ranking at the editor's operating point; a threshold
    carried from another set would mix in how well it transfers."""
    scores = np.asarray(error_scores, dtype=np.float64)
    clean = np.asarray(acceptable).astype(bool)
    if not 0.0 < rate < 1.0:
        raise ValueError(f"rate must be in (0, 1), got {rate}")
    if clean.all() or not clean.any():
        raise ValueError("need both acceptable and unacceptable sentences")
    threshold = float(np.quantile(scores[clean], 1.0 - rate))
    flagged_clean = float(np.mean(scores[clean] > threshold))
    caught = float(np.mean(scores[~clean] > threshold))
    tp, fn, fp, tn = caught, 1.0 - caught, flagged_clean, 1.0 - flagged_clean
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {"threshold": threshold, "clean_flagged": flagged_clean, "caught": caught,
            "mcc": 0.0 if denominator == 0 else (tp * tn - fp * fn) / denominator}
