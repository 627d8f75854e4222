"""word_forms.txt.gz (word_forms.py): the inflections the editor's suggestions use, written with every export and
added to older folders by `python -m cola_trainer word-forms FOLDER`."""
import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from cola_trainer import corrupt, word_forms
from cola_trainer.protocol import TrainerError
from tests.conftest import run_trainer

OLD_FOLDER_META = {"format": 1, "base_model": "all-minilm-l6-v2", "labels": ["unacceptable", "acceptable"], "max_length": 128,
                   "onnx": "model.onnx", "inputs": ["input_ids", "attention_mask"], "calibration": {"temperature": 1.5, "threshold": 0.2}}


def _lines(data: bytes) -> list[str]:
    return gzip.decompress(data).decode("utf-8").splitlines()


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return word_forms.render(word_forms.groups())


def test_the_file_holds_each_part_of_speech_in_its_tag_columns(rendered):
    lines = _lines(rendered)
    assert lines[0].startswith("# cola-bert word forms 1, from lemminflect ")
    body = set(lines[1:])
    assert "V\tbe\tis\twas/were\tbeen\tbeing\tam/are" in body
    assert "V\twrite\twrites\twrote\twritten\twriting\twrite" in body
    assert "N\tchild\tchildren" in body
    assert "A\tbig\tbigger\tbiggest" in body
    assert all(len(line.split("\t")) == 1 + len(word_forms.COLUMNS[line[0]]) for line in lines[1:])
    # One form only (N data data), capitalized names and multi-word lemmas are left out.
    assert not any(line.startswith("N\tdata\t") or line.split("\t")[1][0].isupper() or " " in line for line in lines[1:])
    assert "V\tabandon\tabandons\tabandoned\tabandoned\tabandoning\tabandon" in body  # VBN filled in from VBD


def test_it_is_small_and_the_same_bytes_every_time(rendered):
    assert len(rendered) < 1_000_000
    assert word_forms.render(word_forms.groups()) == rendered


def test_every_inflection_corrupt_py_makes_can_be_undone_from_the_file(rendered):
    # corrupt.py's subject_verb, det_noun and verb_form swap forms of one lemma: the word it wrote and the word it
    # replaced must be siblings in the file, or the suggestions cannot offer the original back.
    siblings: dict[str, set[str]] = {}
    for line in _lines(rendered)[1:]:
        forms = {f for column in line.split("\t")[1:] for f in column.split("/") if f}
        for f in forms:
            siblings.setdefault(f, set()).update(forms - {f})
    sentences = ["He writes the tests before the code.", "They were running the checks.", "Each file has one owner.",
                 "These files are generated.", "The tool can read the files."]
    checked = 0
    for sentence in sentences:
        for kind in ("subject_verb", "det_noun", "verb_form"):
            for c in corrupt.candidates(sentence, kind):
                new = c.text[c.span[0]:c.span[1]].lower()
                old = corrupt.tokenize(sentence[c.span[0]:])[0].text.lower()
                if corrupt.AUX_NUMBER.get(old) == new or old in corrupt.DETERMINERS:
                    continue  # closed classes: the suggestions' own lists (describe_edits.py)
                assert old in siblings.get(new, set()), (sentence, c.text)
                checked += 1
    assert checked >= 5


def test_a_folder_from_before_gets_the_file_and_its_record(tmp_path: Path, model_folder_registry):
    (tmp_path / "cola-bert.json").write_text(json.dumps(OLD_FOLDER_META, indent=2) + "\n")
    block = word_forms.add_to_folder(tmp_path)
    meta = json.loads((tmp_path / "cola-bert.json").read_text())
    assert meta == {**OLD_FOLDER_META, "word_forms": block}
    assert block["file"] == "word_forms.txt.gz" and block["format"] == 1 and block["groups"] > 20_000
    assert block["bytes"] == (tmp_path / "word_forms.txt.gz").stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cola-bert.json", "word_forms.txt.gz"]  # no temporaries left
    registry, schema_id = model_folder_registry
    assert not list(jsonschema.Draft7Validator({"$ref": schema_id}, registry=registry).iter_errors(meta))


@pytest.mark.parametrize("bad", [{"file": "../x.gz", "format": 1}, {"file": "word_forms.txt.gz"}, "word_forms.txt.gz"])
def test_the_schema_refuses_a_record_that_reaches_outside_or_has_no_format(bad, model_folder_registry):
    registry, schema_id = model_folder_registry
    assert list(jsonschema.Draft7Validator({"$ref": schema_id}, registry=registry).iter_errors({**OLD_FOLDER_META, "word_forms": bad}))


def test_a_folder_that_is_not_a_model_folder_is_refused_and_left_alone(tmp_path: Path):
    with pytest.raises(TrainerError) as e:
        word_forms.add_to_folder(tmp_path)
    assert e.value.code == "bad_arguments" and "no cola-bert.json" in e.value.message
    assert not any(tmp_path.iterdir())
    (tmp_path / "cola-bert.json").write_text("{not json")
    with pytest.raises(TrainerError, match="cannot read"):
        word_forms.add_to_folder(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cola-bert.json"]


def test_the_command_adds_it_with_nothing_on_stdout_and_fails_with_an_error_event(tmp_path: Path, validator):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "cola-bert.json").write_text(json.dumps(OLD_FOLDER_META))
    ok = run_trainer(["word-forms", str(folder)], validator, timeout=120)
    assert ok.returncode == 0 and ok.stdout == "", ok.stderr
    assert "lemma groups" in ok.stderr and (folder / "word_forms.txt.gz").is_file()
    bad = run_trainer(["word-forms", str(tmp_path / "missing")], validator, timeout=120)
    assert bad.returncode == 1 and bad.one("error")["code"] == "bad_arguments"
