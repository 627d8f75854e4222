"""The committed prose corpus and the rows made from it: split by document, both sources held out, training
rows only from training documents, each corrupted sentence next to its original, deterministic."""
import gzip
import json
import os
from pathlib import Path

import pytest

from cola_trainer import prose_corpus
from cola_trainer.prose_corpus import CORPUS_PATH, learnable
from cola_trainer.prose_data import CLEAN, held_out_pairs, training_pairs


@pytest.fixture(scope="module")
def corpus():
    return prose_corpus.load()


def test_split_is_by_document_and_holds_both_sources_out(corpus):
    split_of = {}
    for s in corpus:
        assert split_of.setdefault(s.doc, s.split) == s.split, f"{s.doc} is in two splits"
    for split in ("train", "validation", "test"):
        sources = {s.source for s in corpus if s.split == split}
        assert sources == {"peps", "opensource-guide"}, (split, sources)
    docs = {split: {d for d, sp in split_of.items() if sp == split} for split in ("train", "validation", "test")}
    assert 0.75 < len(docs["train"]) / len(split_of) < 0.85


def test_each_sentence_once_and_every_one_learnable(corpus):
    texts = [s.text for s in corpus]
    assert len(texts) == len(set(texts))
    assert all(learnable(t) for t in texts)
    assert CORPUS_PATH.stat().st_size < 5_000_000


@pytest.mark.parametrize("text, ok", [
    ("The parser reads the whole file before it starts.", True),
    ("For example:", False),                                    # a lead-in, not a sentence
    ("enable quality-of-life improvements for those who read", False),  # a list fragment
    ("Use X = X(X) to build the mapping here.", False),         # code
    ("X. Return the pipe transport for the argument given.", False),
    ("The X function returns X, and X raises X here.", False),  # mostly masked code
])
def test_learnable(text, ok):
    assert learnable(text) is ok


def test_training_pairs_come_from_training_documents_in_pairs(corpus):
    train_docs = {s.text for s in corpus if s.split == "train"}
    rows = training_pairs(corpus, 200, seed=3)
    assert len(rows) == 200
    for clean, bad in zip(rows.examples[::2], rows.examples[1::2], strict=True):
        assert clean.label == 1 and bad.label == 0 and clean.sentence in train_docs and bad.sentence != clean.sentence
    assert rows.error_types[::2] == [CLEAN] * 100 and CLEAN not in rows.error_types[1::2]
    again = training_pairs(corpus, 200, seed=3)
    assert [e.sentence for e in again.examples] == [e.sentence for e in rows.examples]
    assert [e.sentence for e in training_pairs(corpus, 200, seed=4).examples] != [e.sentence for e in rows.examples]


def test_held_out_sets_share_the_limit_between_sources_and_do_not_depend_on_the_run_seed(corpus):
    test = held_out_pairs(corpus, "test", 400)
    assert len(test) == 800
    by_source = {s: test.sources.count(s) for s in set(test.sources)}
    assert by_source == {"opensource-guide": 400, "peps": 400}
    test_texts = {s.text for s in corpus if s.split == "test"}
    assert all(e.sentence in test_texts for e in test.examples if e.label == 1)
    assert [e.sentence for e in held_out_pairs(corpus, "test", 400).examples] == [e.sentence for e in test.examples]


SHARED_PROSE = Path(os.environ.get("COLA_BERT_PROSE_DIR") or prose_corpus.DEFAULT_PROSE_DIR)


@pytest.mark.skipif(not (SHARED_PROSE / "peps").is_dir(), reason=f"the prose documents are not at {SHARED_PROSE}")
def test_committed_corpus_is_what_the_extraction_makes_now(tmp_path):
    """Rebuilds the corpus through `cola-bert sentences` from the documents: a change to the extraction (or the
    filter) that is not followed by `npm run corpus:prose` fails here."""
    rebuilt = prose_corpus.serialize(prose_corpus.build(SHARED_PROSE))
    committed = CORPUS_PATH.read_bytes()
    if rebuilt != committed:
        new = gzip.decompress(rebuilt).decode().splitlines()
        old = gzip.decompress(committed).decode().splitlines()
        first = next((i for i, (a, b) in enumerate(zip(new, old, strict=False)) if a != b), min(len(new), len(old)))
        pytest.fail(f"{CORPUS_PATH.name} is stale ({len(old)} committed sentences, {len(new)} rebuilt; first difference at "
                    f"line {first + 1}: committed {old[first] if first < len(old) else None!r}, rebuilt "
                    f"{new[first] if first < len(new) else None!r}); run npm run corpus:prose")
    assert json.loads(gzip.decompress(committed).decode().splitlines()[0])["doc"]
