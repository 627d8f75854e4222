"""protocol/modelFolder.schema.json, the one definition of cola-bert.json: what export.py writes (definitions/written,
checked on real exports in test_train.py) is stricter than what inference reads (the root, which
src/core/modelFolder.ts checks every folder against), and both reject what the reader must never use."""
import copy

import jsonschema
import pytest

# A folder as the inference side needs it (hand-made, or older than calibration and holdout_by_file).
MINIMAL = {"format": 1, "base_model": "bert-base-uncased", "labels": ["unacceptable", "acceptable"], "max_length": 128,
           "onnx": "model.onnx", "inputs": ["input_ids", "attention_mask"]}


@pytest.fixture(scope="module")
def root_validator(model_folder_registry):
    registry, schema_id = model_folder_registry
    return jsonschema.Draft7Validator({"$ref": schema_id}, registry=registry)


def test_a_minimal_folder_is_readable_but_not_what_the_trainer_writes(root_validator, model_folder_validator):
    assert not list(root_validator.iter_errors(MINIMAL))
    missing = {e.message for e in model_folder_validator.iter_errors(MINIMAL)}
    assert any("'versions' is a required property" in m for m in missing), missing


@pytest.mark.parametrize("change", [
    {"format": 2},
    {"onnx": "../evil.onnx"},
    {"onnx_int8": ".."},
    {"max_length": "long"},
    {"inputs": ["attention_mask"]},
    {"labels": ["acceptable"]},
    {"calibration": {"temperature": 0, "threshold": 0.5}},
    {"calibration": {"temperature": 1.2, "threshold": 1.5}},
    {"holdout_by_file": {"model.onnx": {"mcc": "high", "threshold": 0.5, "temperature": 1}}},
])
def test_both_levels_reject_what_inference_must_not_use(change, root_validator, model_folder_validator):
    meta = {**copy.deepcopy(MINIMAL), **change}
    assert list(root_validator.iter_errors(meta)), change
    assert list(model_folder_validator.iter_errors(meta)), change
