"""How much of held-out prose word_forms.txt.gz covers (trainer/cola_trainer/word_forms.py), as one JSON object.

On the prose corpus's test documents (never trained on): the share of word tokens that are a form in the file
(the others are mostly function words, which have no inflections); the share lemminflect's lexicon has no lemma
for at all, with the most frequent of them (what a vocabulary beyond the lexicon would add); and, for every
subject-verb, determiner-noun and verb-form error corrupt.py can make in those sentences, whether the word it
wrote and the word it replaced are forms of one lemma in the file (or a pair of the closed classes the
suggestions swap, describe_edits.py), so that the suggestions can offer the original back.

    PYTHONPATH=trainer python trainer/bench/word_forms_coverage.py [--split test|validation]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys

from cola_trainer import corrupt
from cola_trainer.describe_edits import describe
from cola_trainer.prose_corpus import load
from cola_trainer.word_forms import groups, render


def siblings_of(data: bytes) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if line.startswith("#"):
            continue
        forms = {f for column in line.split("\t")[1:] for f in column.split("/") if f}
        for f in forms:
            out.setdefault(f, set()).update(forms - {f})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    args = parser.parse_args(argv)
    data = render(groups())
    siblings = siblings_of(data)
    edits = describe()
    closed = {tuple(p) for p in edits["pronounCase"] + edits["determinerNumber"]}
    sentences = [s.text for s in load() if s.split == args.split]
    tokens = missed = oov = 0
    unknown: collections.Counter[str] = collections.Counter()
    undoable: dict[str, list[int]] = {}
    for sentence in sentences:
        toks = corrupt.tokenize(sentence)
        for t in toks:
            if not t.is_word:
                continue
            low = t.low.replace("’", "'")
            tokens += 1
            known = low in siblings
            missed += not known
            if not corrupt._lemmas(low):  # noqa: SLF001 - corrupt.py's own lookup: it inflects only words it finds
                oov += 1
                unknown[low] += 1
        for kind in ("subject_verb", "det_noun", "verb_form"):
            for c in corrupt.candidates(sentence, kind):
                new = c.text[c.span[0]:c.span[1]].lower()
                old = corrupt.tokenize(sentence[c.span[0]:])[0].low
                ok = old in siblings.get(new, set()) or tuple(sorted((old, new))) in closed
                tally = undoable.setdefault(kind, [0, 0])
                tally[0] += ok
                tally[1] += 1
    result = {
        "split": args.split, "sentences": len(sentences), "file_bytes": len(data), "groups": len(groups()),
        "forms": len(siblings),
        "word_tokens": tokens, "tokens_in_file": round(1 - missed / tokens, 4),
        "tokens_lemminflect_has_no_lemma_for": round(oov / tokens, 4), "most_frequent_of_those": unknown.most_common(15),
        "corrupt_py_edits_undoable": {k: {"undoable": v[0], "of": v[1]} for k, v in undoable.items()},
    }
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
