import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAINER = Path(__file__).resolve().parents[1]
REPO = TRAINER.parent
sys.path.insert(0, str(TRAINER))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_model import make_tiny_model  # noqa: E402

SCHEMA_PATH = TRAINER / "cola_trainer" / "protocol.schema.json"
MODEL_FOLDER_SCHEMA_PATH = REPO / "protocol" / "modelFolder.schema.json"


def cola_dir() -> Path:
    folder = Path(os.environ.get("COLA_DIR") or REPO.parent / "shared" / "datasets" / "cola" / "raw")
    if not (folder / "in_domain_train.tsv").is_file():
        pytest.skip(f"CoLA not found at {folder} (set COLA_DIR)")
    return folder


@pytest.fixture(scope="session")
def cola() -> Path:
    return cola_dir()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def _refuse_duplicate_keys(pairs):
    # json.loads keeps the last of two equal keys silently; a schema edited by hand must not define a thing twice.
    keys = [k for k, _ in pairs]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicated, f"protocol.schema.json defines {duplicated} twice"
    return dict(pairs)


@pytest.fixture(scope="session")
def validator():
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text(), object_pairs_hook=_refuse_duplicate_keys)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="session")
def model_folder_registry(validator):
    """protocol/modelFolder.schema.json beside protocol.schema.json (its $refs reach into it); returns (registry, $id)."""
    import jsonschema
    from referencing import Registry, Resource
    folder_schema = json.loads(MODEL_FOLDER_SCHEMA_PATH.read_text(), object_pairs_hook=_refuse_duplicate_keys)
    jsonschema.Draft7Validator.check_schema(folder_schema)
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in (validator.schema, folder_schema))
    return registry, folder_schema["$id"]


@pytest.fixture(scope="session")
def model_folder_validator(model_folder_registry):
    """cola-bert.json as export.py writes it: definitions/written of protocol/modelFolder.schema.json, the file
    src/core/modelFolder.ts checks every model folder against."""
    import jsonschema
    registry, schema_id = model_folder_registry
    return jsonschema.Draft7Validator({"$ref": f"{schema_id}#/definitions/written"}, registry=registry)


def check_model_folder(out: Path, model_folder_validator) -> dict:
    """Reads out/cola-bert.json and asserts it matches protocol/modelFolder.schema.json; returns it."""
    meta = json.loads((out / "cola-bert.json").read_text())
    errors = sorted(model_folder_validator.iter_errors(meta), key=str)
    assert not errors, f"{out / 'cola-bert.json'} does not match protocol/modelFolder.schema.json: {errors[0]}"
    return meta


def trainer_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    env.update({"PYTHONPATH": os.pathsep.join([str(TRAINER), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
                "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **extra})
    return env


class Run:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.events = [json.loads(line) for line in stdout.splitlines()]

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["event"] == kind]

    def one(self, kind: str) -> dict:
        found = self.of(kind)
        assert len(found) == 1, f"expected one {kind!r} event, got {len(found)}; stderr tail:\n{self.stderr[-3000:]}"
        return found[0]


def check_stdout(stdout: str, validator) -> None:
    """Every stdout line is one protocol event that validates against the schema."""
    for number, line in enumerate(stdout.splitlines(), 1):
        event = json.loads(line)  # raises on any non-JSON line
        errors = sorted(validator.iter_errors(event), key=str)
        assert not errors, f"stdout line {number} does not validate: {line[:300]}\n{errors[0]}"
        assert event["v"] == 1


def run_trainer(args: list[str], validator, timeout: float = 300, **env: str) -> Run:
    proc = subprocess.run([sys.executable, "-m", "cola_trainer", *args], capture_output=True, text=True,
                          timeout=timeout, env=trainer_env(**env), stdin=subprocess.DEVNULL, cwd=str(REPO))
    check_stdout(proc.stdout, validator)
    return Run(proc.returncode, proc.stdout, proc.stderr)
