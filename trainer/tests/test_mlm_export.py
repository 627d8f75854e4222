"""The masked-LM head of the base checkpoint, exported beside the classifier (cola_trainer/mlm_export.py)."""
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
from conftest import run_trainer
from test_train import train_args
from tiny_model import make_tiny_masked_lm
from transformers import AutoTokenizer, BertForMaskedLM

from cola_trainer.mlm_export import MLM_FILE, export_masked_lm, load_masked_lm


@pytest.fixture(scope="module")
def tiny_mlm(tmp_path_factory):
    return make_tiny_masked_lm(tmp_path_factory.mktemp("mlm") / "base")


def test_a_checkpoint_with_an_mlm_head_is_exported_with_its_top_words(tiny_mlm, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_mlm)
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    block = export_masked_lm(str(tiny_mlm), tokenizer, tmp_path, inputs, 128)
    assert block is not None and block["onnx"] == MLM_FILE and block["mask_token"] == "[MASK]" and block["top_k"] == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == [MLM_FILE], "the fp32 intermediate is not kept"
    enc = tokenizer(["The dog [MASK] in the garden."], return_tensors="np")
    session = ort.InferenceSession(str(tmp_path / MLM_FILE), providers=["CPUExecutionProvider"])
    top_logits, top_ids = session.run(["top_logits", "top_ids"], {k: enc[k].astype(np.int64) for k in inputs})
    assert top_ids.shape == top_logits.shape == (1, enc["input_ids"].shape[1], 20)
    assert np.all(np.diff(top_logits, axis=-1) <= 0), "best first"
    pos = int(np.where(enc["input_ids"][0] == tokenizer.mask_token_id)[0][0])
    model = BertForMaskedLM.from_pretrained(tiny_mlm).eval()
    with torch.no_grad():
        logits = model(**tokenizer(["The dog [MASK] in the garden."], return_tensors="pt")).logits[0, pos]
    reference = set(torch.topk(logits, 40).indices.tolist())
    # int8 weights may swap near-ties; the words it proposes are PyTorch's best ones.
    assert len(set(top_ids[0, pos, :10].tolist()) & reference) >= 8


def test_a_checkpoint_without_an_mlm_head_exports_nothing(tiny_model, tmp_path):
    # tiny_model is a sequence classifier: as a masked LM its head would be freshly initialised, i.e. random.
    assert load_masked_lm(str(tiny_model)) is None
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert export_masked_lm(str(tiny_model), tokenizer, tmp_path, ["input_ids", "attention_mask", "token_type_ids"], 128) is None
    assert not any(tmp_path.iterdir())


def test_a_run_on_an_mlm_checkpoint_records_the_head_in_the_model_folder(tiny_mlm, cola, tmp_path, validator):
    out = tmp_path / "model"
    run = run_trainer(train_args(tiny_mlm, cola, out, "--epochs", "1", "--no-checkpoint"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["mlm"]["onnx"] == MLM_FILE and (out / MLM_FILE).is_file()
    assert MLM_FILE in run.one("exported")["files"]
