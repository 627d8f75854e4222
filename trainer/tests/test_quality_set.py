import json

from cola_trainer import quality_set
from cola_trainer.prose_corpus import CORPUS_PATH, load
from cola_trainer.prose_data import held_out_pairs


def test_quality_set_is_the_trainers_held_out_pairs(tmp_path):
    out = tmp_path / "set.jsonl"
    assert quality_set.main([str(out), "--limit", "40"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = held_out_pairs(load(CORPUS_PATH), "test", 40)
    assert [r["text"] for r in rows] == [e.sentence for e in expected.examples]
    assert [r["error_type"] for r in rows] == expected.error_types
    for clean, broken in zip(rows[::2], rows[1::2], strict=True):
        assert clean["label"] == 1 and clean["error_type"] == "clean"
        assert broken["label"] == 0 and broken["error_type"] != "clean"
        assert clean["original"] == broken["original"] == clean["text"] != broken["text"]
    assert not list(tmp_path.glob("*.tmp-*"))
