"""Prose examples for training and evaluation: clean sentences of the committed corpus (acceptable, label 1)
paired with one corruption each (unacceptable, label 0), split by document (prose_corpus.py)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .corrupt import corrupt_all
from .data import Example
from .prose_corpus import ProseSentence

CLEAN = "clean"
CLEAN_SPAN = (-1, -1)
# Held-out prose sets are drawn and corrupted with this seed, not --seed: every run is measured on the same
# sentences with the same errors, so runs (and seeds) compare.
EVAL_SEED = 20261130


@dataclass
class ProseSet:
    """Examples with, per row, the error type (CLEAN for the originals) and the corpus source."""
    examples: list[Example]
    error_types: list[str]
    sources: list[str]

    def __len__(self) -> int:
        return len(self.examples)


def _pairs(sentences: list[ProseSentence], seed: int, weights: Mapping[str, float] | None = None) -> ProseSet:
    """Each sentence and its corruption, adjacent; a sentence no error type applies to is left out."""
    out = ProseSet([], [], [])
    for s, c in zip(sentences, corrupt_all([s.text for s in sentences], seed, weights=weights), strict=True):
        if c is None:
            continue
        out.examples += [Example(f"prose:{s.source}", 1, s.text, s.line, CLEAN_SPAN),
                         Example(f"prose:{s.source}", 0, c.text, s.line, c.span)]
        out.error_types += [CLEAN, c.error_type]
        out.sources += [s.source, s.source]
    return out


def _sample(sentences: list[ProseSentence], n: int, rng: np.random.Generator) -> list[ProseSentence]:
    if n >= len(sentences):
        return list(sentences)
    return [sentences[i] for i in np.sort(rng.choice(len(sentences), size=n, replace=False))]


def training_pairs(corpus: list[ProseSentence], rows: int, seed: int, weights: Mapping[str, float] | None = None) -> ProseSet:
    """About `rows` training rows from the training documents: rows/2 sentences drawn at random (seeded),
    each clean and once corrupted, so every error the model sees comes with the sentence it broke. `weights`
    (--corruption-weights) tilts which error type a sentence gets; held-out sets always draw uniformly."""
    pool = [s for s in corpus if s.split == "train"]
    rng = np.random.Generator(np.random.PCG64([seed, 1]))
    return _pairs(_sample(pool, max(1, rows // 2), rng), seed, weights)


def held_out_pairs(corpus: list[ProseSentence], split: str, limit: int | None) -> ProseSet:
    """Up to `limit` clean sentences of the `split` documents, each with its corruption. Sources share the
    limit evenly (a small source gives its unused share to the others), so the Open Source Guides are not
    drowned by the PEPs."""
    by_source: dict[str, list[ProseSentence]] = {}
    for s in corpus:
        if s.split == split:
            by_source.setdefault(s.source, []).append(s)
    rng = np.random.Generator(np.random.PCG64([EVAL_SEED, len(split)]))
    chosen: list[ProseSentence] = []
    names = sorted(by_source, key=lambda k: len(by_source[k]))
    left = sum(len(v) for v in by_source.values()) if limit is None else limit
    for i, name in enumerate(names):
        share = left // (len(names) - i)
        picked = _sample(by_source[name], share, rng)
        chosen += picked
        left -= len(picked)
    return _pairs(chosen, EVAL_SEED)

