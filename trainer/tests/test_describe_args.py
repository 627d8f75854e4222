import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cola_trainer import args as args_module
from cola_trainer.args import _opt, default_learning_rate, parse_train_args
from cola_trainer.describe_args import describe, render_typescript
from cola_trainer.protocol import TrainerError

GENERATED = Path(__file__).resolve().parents[2] / "protocol" / "trainArgs.generated.ts"


def test_the_committed_typescript_description_is_up_to_date():
    # Regenerated here and compared: a field added to args.py without `npm run gen:train-args` fails this.
    assert GENERATED.read_text(encoding="utf-8") == render_typescript(describe()), \
        "protocol/trainArgs.generated.ts is stale: run `npm run gen:train-args`"


def test_every_parser_flag_is_described_with_its_default():
    described = {a["flag"]: a for a in describe()["args"]}
    parser = args_module.build_parser()
    flags = {s for action in parser._actions for s in action.option_strings if s.startswith("--") and s != "--help"}
    assert flags == set(described)
    assert described["--seed"] == {"name": "seed", "flag": "--seed", "group": "training", "type": "int", "default": 42, "metavar": "N",
                                   "help": described["--seed"]["help"], "minimum": 0, "exclusiveMaximum": 2**32}
    lr = described["--learning-rate"]
    assert lr["default"] is None and lr["modelDefault"] == {"fallback": 2e-5,
                                                                     "byModel": {"all-minilm-l6-v2": 1e-4, "all-mpnet-base-v2": 2e-5}}
    assert lr["modelDefault"]["byModel"]["all-minilm-l6-v2"] == default_learning_rate("all-minilm-l6-v2")
    assert described["--device"]["choices"] == ["auto", "cpu", "cuda"] and described["--resume"]["type"] == "bool"


def test_a_new_dataclass_field_is_described_parsed_and_bounded_with_no_other_edit(monkeypatch):
    # What another engineer does later: one more field in TrainingArguments, nothing else.
    @dataclass
    class TrainingWithMore(args_module.TrainingArguments):
        calibration_bins: int = _opt(15, "Bins of the calibration curve.", metavar="N", minimum=2, maximum=100)
        mix_prose: bool = _opt(False, "Mix prose sentences into training.")

    groups = tuple((g, TrainingWithMore if g == "training" else c) for g, c in args_module.GROUPS)
    monkeypatch.setattr(args_module, "GROUPS", groups)
    monkeypatch.setattr("cola_trainer.describe_args.GROUPS", groups)
    entry = next(a for a in describe()["args"] if a["name"] == "calibration_bins")
    assert entry == {"name": "calibration_bins", "flag": "--calibration-bins", "group": "training", "type": "int", "default": 15,
                     "help": "Bins of the calibration curve.", "metavar": "N", "minimum": 2, "maximum": 100}
    assert '"flag": "--mix-prose"' in render_typescript(describe())
    parsed = parse_train_args(["--calibration-bins", "20", "--mix-prose"]).training
    assert parsed.calibration_bins == 20 and parsed.mix_prose
    with pytest.raises(TrainerError, match=r"--calibration-bins must be in \[2, 100\], got 1"):
        parse_train_args(["--calibration-bins", "1"])


def test_describe_args_prints_json_on_stdout(tmp_path):
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    r = subprocess.run([sys.executable, "-m", "cola_trainer", "describe-args"], capture_output=True, text=True, env=env, cwd=tmp_path,
                       check=True)
    assert json.loads(r.stdout) == describe()
    out = tmp_path / "args.ts"
    subprocess.run([sys.executable, "-m", "cola_trainer", "describe-args", "--typescript", str(out)], env=env, cwd=tmp_path, check=True)
    assert out.read_text(encoding="utf-8") == render_typescript(describe()) and [p.name for p in tmp_path.iterdir()] == ["args.ts"]
