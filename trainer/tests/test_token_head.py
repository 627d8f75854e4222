"""The tokens head (token_head.py): per-token targets from the corruption's span, the loss, and a whole run
with --head tokens whose exported folder keeps the contract (logits [batch, 2], ONNX equal to PyTorch) and
reloads as the same model."""
import json

import numpy as np
import pytest
import torch
from conftest import run_trainer
from test_train import train_args

from cola_trainer.token_head import IGNORE, POSITIVE_WEIGHT, TokenErrorClassifier, token_labels, token_loss

# [CLS] "the" "the" "cat" "sat" [SEP]
OFFSETS = [(0, 0), (0, 3), (4, 7), (8, 11), (12, 15), (0, 0)]


def test_unknown_positions_give_no_token_targets():
    assert token_labels(OFFSETS, None) is None


def test_a_clean_sentence_teaches_every_word_as_fine_and_leaves_special_tokens_free():
    assert token_labels(OFFSETS, (-1, -1)) == [IGNORE, 0, 0, 0, 0, IGNORE]


def test_the_edited_word_is_the_error():
    assert token_labels(OFFSETS, (4, 7)) == [IGNORE, 0, 1, 0, 0, IGNORE]


def test_every_piece_of_a_split_word_is_marked():
    # "walk" "##ed" inside the edit [0, 6)
    assert token_labels([(0, 0), (0, 4), (4, 6), (7, 10), (0, 0)], (0, 6)) == [IGNORE, 1, 1, 0, IGNORE]


def test_a_dropped_word_marks_both_sides_of_the_gap():
    # "the cat sat" with a word dropped before "sat": the gap is at 8
    assert token_labels([(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)], (8, 8)) == [IGNORE, 0, 1, 1, IGNORE]


def test_token_loss_reads_only_labelled_tokens():
    logits = torch.tensor([[5.0, -5.0, 100.0]])
    labels = torch.tensor([[1, 0, IGNORE]])
    softplus = torch.nn.functional.softplus
    # An error token weighs POSITIVE_WEIGHT fine tokens.
    expected = (POSITIVE_WEIGHT * softplus(torch.tensor(-5.0)) + softplus(torch.tensor(-5.0))) / 2
    assert float(token_loss(logits, labels)) == pytest.approx(float(expected), rel=1e-5)
    assert float(token_loss(logits, torch.full_like(labels, IGNORE))) == 0.0


def test_the_sentence_score_is_the_worst_real_token(tiny_model):
    from transformers import AutoModel
    model = TokenErrorClassifier(AutoModel.from_pretrained(tiny_model)).eval()
    ids = torch.tensor([[2, 5, 6, 3, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0]])
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask)
    assert out.logits.shape == (1, 2) and out.token_logits.shape == (1, 6)
    assert float(out.logits[0, 0]) == pytest.approx(float(out.token_logits[0, :4].max()))
    assert float(out.logits[0, 1]) == 0.0
    # Padding never wins the max, whatever the head says about it.
    assert float(out.token_logits[0, 4:].max()) < float(out.token_logits[0, :4].min())


@pytest.fixture(scope="module")
def tokens_run(tiny_model, cola, tmp_path_factory, validator):
    out = tmp_path_factory.mktemp("tokens") / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "2", "--head", "tokens", "--data-mix", "cola+prose",
                                 "--prose-ratio", "1", "--no-checkpoint"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    return run, out


def test_tokens_run_learns_and_exports_the_same_contract(tokens_run):
    import onnxruntime as ort
    from transformers import AutoTokenizer

    from cola_trainer.models import ModelChoice, load_model_and_tokenizer

    run, out = tokens_run
    losses = [s["loss"] for s in run.of("step")]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["head"] == "tokens" and meta["onnx_int8"] == "model.int8.onnx"
    assert (out / "token_head.safetensors").is_file()
    # The folder reloads as the same model: its logits equal model.onnx's.
    model, _ = load_model_and_tokenizer(ModelChoice(str(out), str(out), str(out), True), "tokens")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(out)
    enc = tokenizer(["The cat sat on the mat.", "The the cat sat on mat the."], padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = model(**enc).logits.numpy()
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["logits", "token_logits"]
    got, tokens = session.run(["logits", "token_logits"], {k: enc[k].numpy() for k in meta["inputs"]})
    assert got.shape == (2, 2) and np.abs(got - reference).max() < 1e-4
    assert (got[:, 1] == 0).all()
    # The sentence score is its worst real token's, and the int8 file keeps both outputs.
    real = enc["attention_mask"].numpy() == 1
    assert np.allclose(got[:, 0], np.where(real, tokens, -np.inf).max(axis=1), atol=1e-5)
    int8 = ort.InferenceSession(str(out / "model.int8.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in int8.get_outputs()] == ["logits", "token_logits"]


def test_the_head_is_part_of_the_resume_fingerprint(tokens_run):
    from cola_trainer.train import RESUME_KEYS
    assert "head" in RESUME_KEYS


def test_training_on_from_a_tokens_folder_keeps_its_head_and_scores_feedback_with_it(tokens_run, cola, tmp_path, validator):
    _, first = tokens_run
    feedback = tmp_path / "feedback.tsv"
    feedback.write_text("feedback\t1\t\tThe cat sat on the mat.\nfeedback\t0\t*\tThe the cat sat on mat the.\n", encoding="utf-8")
    out = tmp_path / "again"
    run = run_trainer(train_args(first, cola, out, "--epochs", "1", "--feedback", str(feedback), "--no-checkpoint", "--no-int8"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "head tokens (the model folder's own" in run.stderr
    assert json.loads((out / "cola-bert.json").read_text())["head"] == "tokens"
    # 'before' scored the first folder with its own head: the same logits as its model.onnx gives.
    assert run.one("quality")["feedback"]["before"]["n"] == 2


def test_freeze_lower_layers_freezes_embeddings_and_the_lowest_layers_only(tmp_path):
    from tiny_model import make_tiny_model

    from cola_trainer.models import ModelChoice, freeze_lower_layers, load_model_and_tokenizer
    from cola_trainer.protocol import TrainerError

    folder = make_tiny_model(tmp_path / "tiny")
    for head in ("tokens", "sentence"):
        model, _ = load_model_and_tokenizer(ModelChoice(str(folder), str(folder), str(folder), True), head)
        base = model.encoder if head == "tokens" else model.base_model
        layers = base.encoder.layer
        assert freeze_lower_layers(model, 0) == 0 and all(p.requires_grad for p in model.parameters())
        frozen = freeze_lower_layers(model, 1)
        assert frozen == sum(p.numel() for m in (base.embeddings, layers[0]) for p in m.parameters())
        assert not any(p.requires_grad for p in layers[0].parameters())
        assert all(p.requires_grad for m in layers[1:] for p in m.parameters())
        with pytest.raises(TrainerError, match="has only"):
            freeze_lower_layers(model, len(layers) + 1)


def test_keep_lower_layers_drops_the_layers_above_and_says_so_in_the_config(tmp_path):
    from tiny_model import make_tiny_model

    from cola_trainer.models import ModelChoice, keep_lower_layers, load_model_and_tokenizer

    folder = make_tiny_model(tmp_path / "tiny")
    enc = {"input_ids": torch.tensor([[2, 7, 8, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    for head in ("tokens", "sentence"):
        model, _ = load_model_and_tokenizer(ModelChoice(str(folder), str(folder), str(folder), True), head)
        base = model.encoder if head == "tokens" else model.base_model
        lowest = base.encoder.layer[0]
        assert keep_lower_layers(model, 0) == 0 and keep_lower_layers(model, 2) == 0 and keep_lower_layers(model, 9) == 0
        assert len(base.encoder.layer) == 2
        assert keep_lower_layers(model, 1) == 1
        assert len(base.encoder.layer) == 1 and base.encoder.layer[0] is lowest and base.config.num_hidden_layers == 1
        assert model(**enc).logits.shape == (1, 2)


def test_a_run_that_keeps_one_layer_exports_and_reloads_a_one_layer_model(tiny_model, cola, tmp_path, validator):
    import onnxruntime as ort
    from transformers import AutoTokenizer

    from cola_trainer.models import ModelChoice, load_model_and_tokenizer

    out = tmp_path / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--head", "tokens", "--keep-layers", "1",
                                 "--no-checkpoint", "--no-int8"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "kept the lowest 1 transformer layers, dropped the 1 above them" in run.stderr
    assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == 1
    assert json.loads((out / "cola-bert.json").read_text())["hyperparameters"]["keep_layers"] == 1
    model, _ = load_model_and_tokenizer(ModelChoice(str(out), str(out), str(out), True), "tokens")
    model.eval()
    assert len(model.encoder.encoder.layer) == 1
    enc = AutoTokenizer.from_pretrained(out)(["The cat sat on the mat."], return_tensors="pt")
    with torch.no_grad():
        reference = model(**enc).logits.numpy()
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {i.name: enc[i.name].numpy() for i in session.get_inputs()})[0]
    assert np.abs(got - reference).max() < 1e-4
