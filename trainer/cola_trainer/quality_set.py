"""`python -m cola_trainer quality-set OUT.jsonl [--split test|validation] [--limit N]`: the held-out prose
pairs that every training run is scored on (quality.py), written for `npm run bench:quality`, which scores
them through the TypeScript inference path and with Harper. Same documents, sentences and corruptions as the
trainer's report, so the bench and cola-bert.json's "quality" block measure one thing."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .prose_corpus import CORPUS_PATH, load
from .prose_data import CLEAN, held_out_pairs
from .protocol import TrainerError

DEFAULT_LIMIT = 1000  # the trainer's --prose-test default


def rows(split: str, limit: int | None) -> list[dict]:
    pairs = held_out_pairs(load(CORPUS_PATH), split, limit)
    out = []
    for i, (example, error_type, source) in enumerate(zip(pairs.examples, pairs.error_types, pairs.sources, strict=True)):
        # Pairs are adjacent: a clean sentence, then its corruption.
        original = example.sentence if error_type == CLEAN else pairs.examples[i - 1].sentence
        out.append({"text": example.sentence, "label": example.label, "error_type": error_type, "source": source,
                    "line": example.line, "original": original})
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cola_trainer quality-set")
    parser.add_argument("out", type=Path)
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="clean sentences (each also corrupted once)")
    a = parser.parse_args(argv)
    if a.limit < 1:
        raise TrainerError("bad_arguments", f"--limit must be at least 1, got {a.limit}")
    tmp = a.out.with_name(f"{a.out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for row in rows(a.split, a.limit):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, a.out)
    finally:
        tmp.unlink(missing_ok=True)
    return 0
