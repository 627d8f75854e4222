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
