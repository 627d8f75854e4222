"""--feedback FILE (feedback.py): the TSV is read with clear errors, merged and weighted by repetition, its hash
guards --resume, and a real run reports accuracy on the taught sentences before and after, in the `quality`
event (validated against the schema) and in cola-bert.json."""
import json
from pathlib import Path

import pytest
from conftest import run_trainer
from test_train import train_args

from cola_trainer.args import parse_train_args
from cola_trainer.feedback import Feedback, baseline_folder, load_feedback, parse
from cola_trainer.protocol import TrainerError

TAUGHT = "Colorless green ideas sleep furiously."


def write(path: Path, *rows: str) -> Path:
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def data_args(*argv: str):
    return parse_train_args(list(argv)).data


def test_rows_are_read_once_each_and_repetition_is_the_weight(tmp_path):
    f = write(tmp_path / "feedback.tsv", f"feedback\t1\t\t{TAUGHT}", "feedback\t0\t*\tHim saw she.",
              f"feedback\t1\t\t  {TAUGHT.replace(' ', '  ')} ")
    examples, notes = parse(f)
    assert [(e.label, e.sentence) for e in examples] == [(1, TAUGHT), (0, "Him saw she.")]
    assert notes == ["line 3 repeats line 1"]
    taught = Feedback(f, "0" * 64, examples, 7, {"before": None, "before_unavailable": "x"})
    assert len(taught.training_examples) == 14 and sum(e.label for e in taught.training_examples) == 7


def test_a_sentence_labelled_both_ways_names_both_lines(tmp_path):
    f = write(tmp_path / "feedback.tsv", f"feedback\t1\t\t{TAUGHT}", "feedback\t1\t\tFine.", f"feedback\t0\t*\t{TAUGHT}")
    with pytest.raises(TrainerError) as caught:
        parse(f)
    e = caught.value
    assert e.code == "data_malformed" and e.line == 3 and "line 1" in e.message and TAUGHT in e.message
    assert "delete the other" in e.hint


@pytest.mark.parametrize("row, wanted", [
    ("feedback\t1\tFine.", "expected 4 tab-separated columns"),
    ("feedback\tyes\t\tFine.", "label must be 0 or 1"),
    ("feedback\t1\t\t   ", "the sentence column is empty"),
])
def test_malformed_rows_name_the_feedback_file_and_line(tmp_path, row, wanted):
    f = write(tmp_path / "feedback.tsv", "feedback\t1\t\tFine.", row)
    with pytest.raises(TrainerError) as caught:
        parse(f)
    e = caught.value
    assert e.code == "data_malformed" and e.line == 2 and e.file == str(f)
    assert e.message.startswith("feedback file: feedback.tsv line 2") and wanted in e.message
    assert "leave --feedback out" in e.hint


def test_a_missing_or_empty_feedback_file_says_what_to_do(tmp_path):
    with pytest.raises(TrainerError) as caught:
        parse(tmp_path / "nope.tsv")
    assert caught.value.code == "data_missing" and "teach a sentence" in caught.value.hint
    with pytest.raises(TrainerError) as caught:
        parse(write(tmp_path / "empty.tsv"))
    assert caught.value.code == "data_malformed" and "holds no rows" in caught.value.message


def test_arguments_are_checked(tmp_path):
    assert data_args().feedback is None and data_args().feedback_weight == 10
    with pytest.raises(TrainerError, match="--feedback-baseline needs --feedback"):
        data_args("--feedback-baseline", str(tmp_path))
    with pytest.raises(TrainerError, match="--feedback-weight must be in \\[1, 1000\\]"):
        data_args("--feedback", "f.tsv", "--feedback-weight", "0")
    with pytest.raises(TrainerError, match="--feedback is empty"):
        data_args("--feedback", " ")


def test_which_model_before_describes(tmp_path, tiny_model):
    f = write(tmp_path / "feedback.tsv", f"feedback\t1\t\t{TAUGHT}")
    folder, why = baseline_folder(data_args("--feedback", str(f)), str(tiny_model))
    assert folder is None and "new classifier head" in why and "--feedback-baseline" in why
    with pytest.raises(TrainerError, match="not a cola-bert model folder"):
        baseline_folder(data_args("--feedback", str(f), "--feedback-baseline", str(tiny_model)), "auto")
    assert load_feedback(data_args(), "auto", 64) is None


@pytest.fixture(scope="module")
def taught_run(tiny_model, cola, tmp_path_factory, validator):
    root = tmp_path_factory.mktemp("feedback")
    f = write(root / "feedback.tsv", f"feedback\t1\t\t{TAUGHT}", "feedback\t0\t*\tThe the the cat sat.")
    out = root / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--feedback", str(f), "--feedback-weight", "50",
                                 "--no-int8"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    return run, out, f


def test_a_run_with_feedback_reports_it_in_the_quality_event_and_the_model_folder(taught_run):
    run, out, f = taught_run
    # 320 CoLA rows + 2 feedback sentences x 50.
    assert run.one("started")["train_size"] == 420
    report = run.one("quality")["feedback"]
    assert report["file"] == str(f.resolve()) and report["n"] == 2 and report["weight"] == 50 and report["training_rows"] == 100
    assert report["acceptable"] == 1 and report["unacceptable"] == 1
    assert report["before"] is None and "new classifier head" in report["before_unavailable"]
    after = report["after"]
    assert after["n"] == 2 and after["correct"] == round(after["accuracy"] * 2)
    assert after["threshold"] == run.one("quality")["threshold"]
    assert len(report["still_wrong"]) == 2 - after["correct"]
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["quality"]["feedback"]["sha256"] == report["sha256"] and len(report["sha256"]) == 64


def test_before_is_the_previous_model_and_a_changed_file_refuses_to_resume(taught_run, tiny_model, cola, tmp_path, validator):
    _, previous, f = taught_run
    out = tmp_path / "again"
    args = train_args(tiny_model, cola, out, "--epochs", "1", "--feedback", str(f), "--feedback-baseline", str(previous), "--no-export")
    run = run_trainer(args, validator)
    assert run.returncode == 0, run.stderr[-3000:]
    before = run.one("quality")["feedback"]["before"]
    meta = json.loads((previous / "cola-bert.json").read_text())
    assert before["model"] == str(previous) and before["chosen_by"] == "--feedback-baseline" and before["n"] == 2
    # 'before' of this run is 'after' of the run that made the folder: the same weights, calibration and sentences.
    assert before["correct"] == meta["quality"]["feedback"]["after"]["correct"]
    assert before["threshold"] == meta["calibration"]["threshold"]
    # --no-export keeps the checkpoint; its fingerprint holds the feedback file's hash.
    write(f, f"feedback\t0\t*\t{TAUGHT}")
    run = run_trainer([*args, "--resume"], validator)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "checkpoint_invalid" and "feedback" in err["message"], err
