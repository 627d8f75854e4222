"""Held-out corrupted prose with the edit's character span, as JSON lines on stdout, for benchmarks that
need to know where the error is (bench/attribution.ts scores word attribution against the span).

Sentences come from the corpus's "test" documents only (never trained on or used for calibration), drawn
with a fixed seed (--split validation draws from the validation documents instead, for choosing settings
that the test documents then measure), and corrupted with prose_data.EVAL_SEED, the seed of every held-out prose measurement.

    python trainer/bench/corruption_spans.py [--limit N] [--seed S] [--split test|validation] > corruptions.jsonl
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from cola_trainer.corrupt import corrupt_all
from cola_trainer.prose_corpus import load
from cola_trainer.prose_data import EVAL_SEED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=600, help="clean test sentences to draw (default 600)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the draw (default 7)")
    parser.add_argument("--split", choices=("test", "validation"), default="test",
                        help="documents to draw from (default test; validation to tune settings on)")
    args = parser.parse_args(argv)
    pool = [s for s in load() if s.split == args.split]
    rng = np.random.Generator(np.random.PCG64(args.seed))
    picked = [pool[i] for i in np.sort(rng.choice(len(pool), size=min(args.limit, len(pool)), replace=False))]
    for s, c in zip(picked, corrupt_all([s.text for s in picked], EVAL_SEED), strict=True):
        if c is None:
            continue
        row = {"original": c.original, "text": c.text, "type": c.error_type, "detail": c.detail,
               "span": list(c.span), "source": s.source}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
