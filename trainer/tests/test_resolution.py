"""Model, device and data resolution errors, checked in-process (the subprocess tests cover the event shape)."""
import pytest
import torch

from cola_trainer import environment, models
from cola_trainer.protocol import TrainerError


def code_of(fn, *args):
    with pytest.raises(TrainerError) as info:
        fn(*args)
    return info.value


def test_alias_resolves_to_the_packaged_minilm():
    choice = models.resolve_model("all-minilm-l6-v2")
    assert choice.is_local and choice.base_model == "all-minilm-l6-v2"
    assert (models.alias_folder() / "tokenizer.json").is_file()


def test_auto_falls_back_to_the_alias_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    choice = models.resolve_model("auto")
    assert choice.requested == "auto" and choice.base_model == "all-minilm-l6-v2"
    assert choice.resolved == str(models.alias_folder())


def test_explicit_hub_id_offline_fails_with_hint(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    err = code_of(models.resolve_model, "bert-base-uncased-not-cached/x")
    assert err.code == "offline" and "--model all-minilm-l6-v2" in err.hint


@pytest.mark.parametrize("name", ["/nonexistent/model", "./missing-folder", "a/b/c"])
def test_missing_folder(name):
    assert code_of(models.resolve_model, name).code == "model_unavailable"


def test_folder_without_config(tmp_path):
    err = code_of(models.resolve_model, str(tmp_path))
    assert err.code == "model_unavailable" and "config.json" in err.message


def test_tiny_folder_loads_with_two_labels(tiny_model):
    model, tokenizer = models.load_model_and_tokenizer(models.resolve_model(str(tiny_model)))
    assert model.config.num_labels == 2 and model.config.id2label == {0: "unacceptable", 1: "acceptable"}
    assert tokenizer.is_fast


def test_cuda_request_without_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    err = code_of(environment.choose_device, "cuda")
    assert err.code == "device_unavailable" and "--device cpu" in err.hint
    assert environment.choose_device("auto") == "cpu"


def test_precision_choice():
    assert environment.choose_precision("fp32", "cpu") == "fp32"
    assert environment.choose_precision("auto", "cpu") == ("bf16" if environment.cpu_supports_bf16() else "fp32")
    assert code_of(environment.choose_precision, "fp16", "cpu").code == "bad_arguments"


def test_weight_decay_groups_skip_bias_and_layernorm(tiny_model):
    from cola_trainer.train import param_groups
    model, _ = models.load_model_and_tokenizer(models.resolve_model(str(tiny_model)))
    decay, no_decay = param_groups(model, 0.01)
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(not names[id(p)].endswith("bias") and "LayerNorm" not in names[id(p)] for p in decay["params"])
    assert all(names[id(p)].endswith("bias") or "LayerNorm" in names[id(p)] for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))
