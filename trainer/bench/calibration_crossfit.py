"""Cross-fitted held-out ECE and NLL of the calibration candidates on saved calibration-set logits (the .npz files
trainer/bench/rescore.py --save writes: logits [n, 2], labels, rows in clean/corrupted pairs), the numbers
quality.calibrate chooses a method by; also the affine share of the isotonic map and knots at block centres vs
block endpoints, the two choices calibration.py justifies. Three pair splits (seeds 0-2; the trainer uses 0).
docs/trainer.md ("Calibration") holds a run.

    PYTHONPATH=trainer .venv/bin/python trainer/bench/calibration_crossfit.py FILE.npz [FILE.npz ...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cola_trainer import calibration as cal  # noqa: E402
from cola_trainer.quality import CALIBRATION_CANDIDATES  # noqa: E402

SEEDS = (0, 1, 2)
SHARES = (0.01, 0.02, 0.05)


def _endpoint_knots(logits: np.ndarray, labels: np.ndarray) -> dict:
    """scikit-learn's construction, for comparison: each block's first and last score at the block's value."""
    z = np.asarray(logits, dtype=np.float64)
    s = np.sort(z[:, 1] - z[:, 0])
    _, values, counts = cal.pool_adjacent_violators(s, np.asarray(labels)[np.argsort(z[:, 1] - z[:, 0], kind="stable")])
    ends = np.cumsum(counts).astype(int)
    xs: list[float] = []
    ps: list[float] = []
    for value, start, end in zip(values, np.concatenate([[0], ends[:-1]]), ends, strict=True):
        first, last = float(s[start]), float(s[end - 1])
        xs += [first] if first == last else [first, last]
        ps += [float(value)] * (1 if first == last else 2)
    return {"s": xs, "p": ps, "affine_share": cal.ISOTONIC_AFFINE_SHARE}


def row(name: str, logits: np.ndarray, labels: np.ndarray, method: str) -> str:
    held = [cal.cross_fitted(method, logits, labels, seed) for seed in SEEDS]
    ece = ", ".join(f"{h['ece']:.4f}" for h in held)
    nll = ", ".join(f"{h['nll']:.4f}" for h in held)
    return f"| {name} | {ece} | {nll} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("npz", nargs="+")
    for file in ap.parse_args().npz:
        d = np.load(file)
        logits, labels = d["logits"].astype(np.float64), d["labels"]
        print(f"\n{file}: {len(labels)} sentences")
        print("| method | held-out ECE (seeds 0, 1, 2) | held-out NLL |\n| --- | --- | --- |")
        for m in CALIBRATION_CANDIDATES:
            print(row(m, logits, labels, m))
        for share in SHARES:
            with mock.patch.object(cal, "ISOTONIC_AFFINE_SHARE", share):
                print(row(f"isotonic, affine share {share}", logits, labels, "isotonic"))
        with mock.patch.object(cal, "fit_isotonic", _endpoint_knots):
            print(row("isotonic, knots at block endpoints", logits, labels, "isotonic"))
        for m in CALIBRATION_CANDIDATES:
            c = cal.fit(m, logits, labels)
            knots = f", {len(c['knots']['s'])} knots" if "knots" in c else ""
            print(f"fitted on all: {m} T {c['temperature']:.3f} b {c['bias']:+.3f}{knots}, "
                  f"in-sample ECE {cal.ece(cal.p_acceptable(logits, **c), labels):.4f}")


if __name__ == "__main__":
    main()
