"""Training data with one label is legal but useless: the run warns (a `warning` event, shown by the CLI and the
panel) that MCC will be 0 and the model degenerate."""
from conftest import run_trainer
from test_train import train_args

from cola_trainer.data import Example, single_class_warnings


def _rows(*labels):
    return [Example("x", label, f"Sentence {i}.", i + 1) for i, label in enumerate(labels)]


def test_one_warning_per_single_class_split():
    assert single_class_warnings({"training": _rows(0, 1, 1), "validation": _rows(1, 0), "holdout": _rows(0, 1)}) == []
    training, holdout = single_class_warnings({"training": _rows(1, 1, 1), "validation": _rows(1, 0), "holdout": _rows(0, 0)})
    assert training.startswith("every training row (3) is labelled acceptable: the model can only learn to call every "
                               "sentence acceptable (a degenerate model) and its MCC will be 0")
    assert holdout == "every holdout row (2) is labelled unacceptable: MCC on the holdout rows is 0 whatever the model predicts"
    (validation,) = single_class_warnings({"validation": _rows(1)})
    assert validation.endswith("so they cannot pick the best epoch")


def test_training_on_one_label_emits_a_warning_event(tiny_model, tmp_path, validator):
    data = tmp_path / "data"
    data.mkdir()
    (data / "in_domain_train.tsv").write_text("".join(f"s\t1\t\tThe cat number {i} sat.\n" for i in range(60)))
    (data / "out_of_domain_dev.tsv").write_text("s\t1\t\tFine.\ns\t0\t*\tFine the.\n")
    run = run_trainer(train_args(tiny_model, data, tmp_path / "model", "--epochs", "1", "--no-int8"), validator)
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = run.of("warning")
    assert [w["code"] for w in warnings] == ["single_class", "single_class"], warnings
    assert warnings[0]["message"].startswith("every training row (54) is labelled acceptable")
    assert warnings[1]["message"].startswith("every validation row (6) is labelled acceptable")
    assert [e["event"] for e in run.events].index("warning") == [e["event"] for e in run.events].index("started") + 1
