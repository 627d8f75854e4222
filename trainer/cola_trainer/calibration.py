"""Honest probabilities and a threshold chosen for users.

P(acceptable) = sigmoid((l1 - l0) / T + bias), l0 and l1 the model's two logits. Two methods fit it on
validation logits by minimising the negative log-likelihood:
- "temperature" (bias 0): temperature scaling, a golden-section search over log T (one parameter, a convex
  objective in 1/T, no optimizer state). It can only sharpen or soften the scores around P = 0.5.
- "affine" (Platt scaling): T and bias together, Newton's method on the two-parameter logistic regression. The
  bias moves where P = 0.5 lies: the tokens head's sentence score (the worst token's) runs high on clean prose,
  an offset temperature cannot remove (docs/trainer.md, "Calibration", has the measurements).
- "isotonic": where no sigmoid of an affine map fits (a model whose scores are too confident in the middle and
  not confident enough below it, docs/trainer.md has the reliability measured), the isotonic regression of the
  label on s = l1 - l0 (pool adjacent violators), mixed with a small share of the affine fit (`isotonic_p`).
Temperature scaling is affine scaling with bias 0, so a folder without "bias" means 0, and one without "knots"
is affine. `choose` picks between methods by their cross-fitted held-out ECE. The flagging threshold is chosen on
clean validation prose so that at most MAX_FALSE_ALARM of it is flagged (flag when P(acceptable) < threshold)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .metrics import confusion, mcc_from_confusion

# The editor's default flags at most 2% of clean validation prose: issue 11 allows 3%, the product aims at 2%.
MAX_FALSE_ALARM = 0.02
DEFAULT_THRESHOLD = 0.5
ECE_BINS = 15
RELIABILITY_BINS = 10
LOG_T_RANGE = (math.log(0.05), math.log(20.0))


METHODS = ("temperature", "affine", "isotonic")
# The affine fit's share in the isotonic map P = (1 - share) * iso(s) + share * sigmoid(s / T + b). The isotonic
# step alone is flat beyond the fitted scores (and 0 or 1 there when the end blocks are pure), so a new sentence
# past them would get no order and an infinite log-loss; the affine share keeps the map strictly increasing
# everywhere, at most `share` away from the isotonic fit (so it can cost at most that much ECE). On the two
# measured calibration sets (docs/trainer.md) shares 0.01-0.05 gave the same held-out ECE within noise, the
# held-out NLL improving slightly with the share; 0.02 keeps the isotonic fit's ECE and most of that NLL gain.
# (In float64 "strictly" holds while share * sigmoid still moves P by more than an ulp, |s / T + b| below about
# 30; the tokens head's sentence scores on the calibration sets lie between -0.23 and 2.41.)
ISOTONIC_AFFINE_SHARE = 0.02
# Knots are stored rounded (cola-bert.json stays small and readable); P is always computed from the rounded
# knots, in Python and TypeScript alike, so the threshold and the ECE are those of the stored map.
KNOT_S_DECIMALS, KNOT_P_DECIMALS = 4, 6
# Cross-fitting: the calibration set's pairs (a clean sentence and its corruption, adjacent rows) are split in two
# halves at random with this seed; each method is fitted on one half and scored on the other, both ways.
CROSS_FIT_SEED = 0


def _scaled(logits: np.ndarray, temperature: float, bias: float) -> np.ndarray:
    """The calibrated log-odds of acceptable: (l1 - l0) / T + bias."""
    z = np.asarray(logits, dtype=np.float64)
    return (z[:, 1] - z[:, 0]) / temperature + bias


def _sigmoid(d: np.ndarray) -> np.ndarray:
    # computed from exp(-|d|) so that no logit, however large, overflows.
    e = np.exp(-np.abs(d))
    return np.where(d >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def p_acceptable(logits: np.ndarray, temperature: float = 1.0, bias: float = 0.0,
                 knots: dict[str, Any] | None = None) -> np.ndarray:
    """softmax(logits / T)[1] shifted by `bias` in log-odds: sigmoid((l1 - l0) / T + bias); with `knots`
    (an isotonic calibration) `isotonic_p` of it."""
    affine = _sigmoid(_scaled(logits, temperature, bias))
    if knots is None:
        return affine
    z = np.asarray(logits, dtype=np.float64)
    return isotonic_p(z[:, 1] - z[:, 0], affine, knots)


def isotonic_p(score: np.ndarray, affine: np.ndarray, knots: dict[str, Any]) -> np.ndarray:
    """(1 - share) * iso(score) + share * affine: iso interpolates the knots linearly and is flat beyond the first
    and last. The TypeScript twin is src/core/calibratedProbability.ts."""
    share = float(knots["affine_share"])
    return (1 - share) * np.interp(score, knots["s"], knots["p"]) + share * affine


def pool_adjacent_violators(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The isotonic (non-decreasing) least-squares fit of y on x, as blocks: (mean x, mean y, count) of each,
    in increasing x with strictly increasing mean y. Equal x values are pooled first (one score, one P), and
    adjacent blocks are merged while the left one's mean is >= the right one's, so no two blocks tie."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ux, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sum_y = np.bincount(inverse, weights=y, minlength=len(ux))
    # A stack of blocks (sum of x, sum of y, count); each new value merges into the top while that violates order.
    sx: list[float] = []
    sy: list[float] = []
    n: list[float] = []
    for xi, yi, ci in zip(ux * counts, sum_y, counts, strict=True):
        sx.append(float(xi))
        sy.append(float(yi))
        n.append(float(ci))
        while len(n) > 1 and sy[-2] * n[-1] >= sy[-1] * n[-2]:
            top_x, top_y, top_n = sx.pop(), sy.pop(), n.pop()
            sx[-1] += top_x
            sy[-1] += top_y
            n[-1] += top_n
    counts_out = np.array(n)
    return np.array(sx) / counts_out, np.array(sy) / counts_out, counts_out


def fit_isotonic(logits: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Knots of the isotonic fit of the label on s = l1 - l0: one per PAV block, at the block's mean score with
    its share of acceptable sentences, rounded. Joined by straight lines, block centres (rather than the step
    function or its block endpoints) give a map that is strictly increasing between the first and last knot and
    was the better of the two on held-out NLL (docs/trainer.md). Rounding can only tie neighbours, which are dropped,
    so the stored knots stay strictly increasing in both s and p."""
    z = np.asarray(logits, dtype=np.float64)
    centres, values, _ = pool_adjacent_violators(z[:, 1] - z[:, 0], np.asarray(labels))
    s_out: list[float] = []
    p_out: list[float] = []
    for s, p in zip(np.round(centres, KNOT_S_DECIMALS).tolist(), np.round(values, KNOT_P_DECIMALS).tolist(), strict=True):
        if not s_out or (s > s_out[-1] and p > p_out[-1]):
            s_out.append(s)
            p_out.append(p)
    return {"s": s_out, "p": p_out, "affine_share": ISOTONIC_AFFINE_SHARE}


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float, bias: float = 0.0) -> float:
    d = _scaled(logits, temperature, bias)
    signed = np.where(np.asarray(labels) == 1, d, -d)
    # -log sigmoid(x) = log(1 + exp(-x)), stably.
    return float(np.logaddexp(0.0, -signed).mean())


def nll_of_p(p_accept: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(np.asarray(p_accept, dtype=np.float64), 1e-12, 1 - 1e-12)
    return float(-np.where(np.asarray(labels) == 1, np.log(p), np.log(1 - p)).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray, iterations: int = 80) -> float:
    """The T in [0.05, 20] with the least validation NLL."""
    lo, hi = LOG_T_RANGE
    golden = (math.sqrt(5) - 1) / 2
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(iterations):
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    return math.exp((lo + hi) / 2)


def fit_affine(logits: np.ndarray, labels: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """(T, bias) with the least validation NLL: logistic regression of the label on l1 - l0, by Newton's method
    with step halving (two parameters, a convex objective). A slope that would put T outside [0.05, 20] (a model
    no better than chance on validation) is clamped there and the bias refitted alone."""
    z = np.asarray(logits, dtype=np.float64)
    x = z[:, 1] - z[:, 0]
    y = np.asarray(labels, dtype=np.float64)
    lo_slope, hi_slope = math.exp(-LOG_T_RANGE[1]), math.exp(-LOG_T_RANGE[0])

    def loss(w: np.ndarray) -> float:
        d = w[0] * x + w[1]
        return float(np.logaddexp(0.0, np.where(y == 1, -d, d)).mean())

    w = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = _sigmoid(w[0] * x + w[1])
        r, s = p - y, np.maximum(p * (1 - p), 1e-12)
        grad = np.array([(r * x).mean(), r.mean()])
        hess = np.array([[(s * x * x).mean(), (s * x).mean()], [(s * x).mean(), s.mean()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        before, t = loss(w), 1.0
        while t > 1e-6 and loss(w - t * step) > before:
            t /= 2
        w = w - t * step
        if np.abs(t * step).max() < 1e-10:
            break
    if not lo_slope <= w[0] <= hi_slope:
        slope = min(max(w[0], lo_slope), hi_slope)
        return 1.0 / slope, _fit_bias(slope * x, y)
    return 1.0 / float(w[0]), float(w[1])


def _fit_bias(d: np.ndarray, y: np.ndarray, iterations: int = 50) -> float:
    """The bias b with the least NLL of sigmoid(d + b): one-dimensional Newton (convex)."""
    b = 0.0
    for _ in range(iterations):
        p = _sigmoid(d + b)
        step = (p - y).mean() / max(float((p * (1 - p)).mean()), 1e-12)
        b -= float(np.clip(step, -5.0, 5.0))
        if abs(step) < 1e-12:
            break
    return b


def fit(method: str, logits: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """{"temperature", "bias"} of `method` fitted on these logits ("none": the model's own scores), and for
    "isotonic" its "knots" over the affine fit."""
    if method == "none":
        return {"temperature": 1.0, "bias": 0.0}
    if method == "temperature":
        return {"temperature": fit_temperature(logits, labels), "bias": 0.0}
    if method == "affine":
        t, b = fit_affine(logits, labels)
        return {"temperature": t, "bias": b}
    if method == "isotonic":
        t, b = fit_affine(logits, labels)
        return {"temperature": t, "bias": b, "knots": fit_isotonic(logits, labels)}
    raise ValueError(f"unknown calibration method {method!r}: expected one of {', '.join(METHODS)}")


def parameters(calibration: dict[str, Any] | None) -> dict[str, Any]:
    """p_acceptable's keyword arguments for a stored calibration block: {"temperature", "bias"}, and "knots"
    when the block has them. None means the raw scores, and a block written before affine scaling (no "bias") is
    temperature scaling, bias 0."""
    c = calibration or {}
    out: dict[str, Any] = {"temperature": float(c.get("temperature", 1.0)), "bias": float(c.get("bias", 0.0))}
    if c.get("knots") is not None:
        out["knots"] = c["knots"]
    return out


def pair_halves(n: int, seed: int = CROSS_FIT_SEED) -> np.ndarray:
    """A boolean mask of about half the rows, whole pairs (rows 2i and 2i + 1) at a time: a clean sentence and its
    own corruption share their words, so splitting them would let a fit see the other half's sentences."""
    pairs = (n + 1) // 2
    chosen = np.random.Generator(np.random.PCG64(seed)).permutation(pairs)[: pairs // 2]
    mask = np.zeros(2 * pairs, dtype=bool)
    mask[2 * chosen] = True
    mask[2 * chosen + 1] = True
    return mask[:n]


def cross_fitted(method: str, logits: np.ndarray, labels: np.ndarray, seed: int = CROSS_FIT_SEED) -> dict[str, float]:
    """`method`'s held-out ECE and NLL: fitted on one half of the pairs and scored on the other, both ways, the
    two halves' numbers averaged."""
    z, y = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    first = pair_halves(len(y), seed)
    eces, nlls = [], []
    for fit_on in (first, ~first):
        p = p_acceptable(z[~fit_on], **fit(method, z[fit_on], y[fit_on]))
        eces.append(ece(p, y[~fit_on]))
        nlls.append(nll_of_p(p, y[~fit_on]))
    return {"ece": float(np.mean(eces)), "nll": float(np.mean(nlls))}


def choose(candidates: tuple[str, ...], logits: np.ndarray, labels: np.ndarray) -> tuple[str, dict[str, dict[str, float]]]:
    """The candidate with the lowest cross-fitted held-out ECE (issue 11's measure of calibration; the NLL is
    reported beside it), and every candidate's held-out numbers. Ties go to the earlier, simpler candidate; so does a
    set too small to split (under two pairs), with no numbers."""
    if len(labels) < 4:
        return candidates[0], {}
    held_out = {m: cross_fitted(m, logits, labels) for m in candidates}
    return min(candidates, key=lambda m: held_out[m]["ece"]), held_out


def ece(p_accept: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error of the predicted class: confidence max(P, 1-P) in equal-width bins,
    |accuracy - mean confidence| weighted by the bin's share."""
    p = np.asarray(p_accept, dtype=np.float64)
    labels = np.asarray(labels)
    if not len(p):
        return 0.0
    pred = (p >= 0.5).astype(np.int64)
    conf = np.where(pred == 1, p, 1 - p)
    correct = (pred == labels).astype(np.float64)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(total)


def reliability(p_accept: np.ndarray, labels: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict[str, Any]]:
    """The reliability diagram of P(acceptable): equal-width bins over [0, 1] (the last one closed), each
    non-empty one with its count, mean predicted P and the share of its sentences that are acceptable. A
    calibrated model's points lie on the diagonal. (ECE above bins the predicted class's confidence instead,
    the usual definition; this binning is the one a reader of P(acceptable) needs.)"""
    p = np.asarray(p_accept, dtype=np.float64)
    labels = np.asarray(labels)
    which = np.clip((p * bins).astype(np.int64), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append({"lo": b / bins, "hi": (b + 1) / bins, "n": int(mask.sum()),
                        "mean_p": float(p[mask].mean()), "observed": float((labels[mask] == 1).mean())})
    return out


def false_alarm_threshold(p_clean: np.ndarray, max_false_alarm: float = MAX_FALSE_ALARM) -> float:
    """The largest threshold that flags (P < threshold) at most `max_false_alarm` of these clean sentences."""
    p = np.sort(np.asarray(p_clean, dtype=np.float64))
    if not len(p):
        return DEFAULT_THRESHOLD
    allowed = int(math.floor(max_false_alarm * len(p)))
    return float(p[min(allowed, len(p) - 1)])


def flag_metrics(p_accept: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, Any]:
    """Detection of unacceptable sentences: predicted acceptable when P >= threshold."""
    preds = (np.asarray(p_accept) >= threshold).astype(np.int64)
    c = confusion(np.asarray(labels), preds)
    return {"mcc": mcc_from_confusion(c), "accuracy": float(np.mean(preds == np.asarray(labels))) if len(preds) else 0.0,
            "confusion": c}


def prose_report(p_accept: np.ndarray, labels: np.ndarray, error_types: list[str], sources: list[str], threshold: float,
                 clean: str = "clean") -> dict[str, Any]:
    """Share of clean sentences flagged, detection MCC overall, per error type (each type's corruptions
    against the clean sentences they were made from) and per source, and ECE."""
    p = np.asarray(p_accept, dtype=np.float64)
    labels = np.asarray(labels)
    types = np.asarray(error_types)
    srcs = np.asarray(sources)
    is_clean = types == clean

    def block(mask: np.ndarray) -> dict[str, Any]:
        m = flag_metrics(p[mask], labels[mask], threshold)
        clean_mask = mask & is_clean
        dirty = mask & ~is_clean
        return {"n_clean": int(clean_mask.sum()), "n_corrupted": int(dirty.sum()),
                "clean_flagged": float((p[clean_mask] < threshold).mean()) if clean_mask.any() else 0.0,
                "corrupted_flagged": float((p[dirty] < threshold).mean()) if dirty.any() else 0.0,
                "mcc": m["mcc"], "ece": ece(p[mask], labels[mask])}

    report = block(np.ones(len(p), dtype=bool))
    # Rows come in pairs (clean, corrupted): a type's block is its corruptions and their originals.
    pair_type = np.repeat(types[1::2], 2)
    report["per_type"] = {}
    for t in sorted(set(types[~is_clean].tolist())):
        m = pair_type == t
        b = block(m)
        report["per_type"][t] = {"n": b["n_corrupted"], "detected": b["corrupted_flagged"], "mcc": b["mcc"]}
    report["per_source"] = {s: block(srcs == s) for s in sorted(set(srcs.tolist()))}
    return report
