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


@pytest.mark.parametrize("head", ["sentence", "tokens"])
def test_head_lr_scale_gives_only_the_new_head_its_own_rate(tiny_model, head):
    from cola_trainer.train import make_optimizer, param_groups
    model, _ = models.load_model_and_tokenizer(models.resolve_model(str(tiny_model)), head)
    names = {id(p): n for n, p in model.named_parameters()}
    groups = param_groups(model, 0.01, 2e-5, head_lr_scale=20)
    assert [g["lr"] for g in groups] == pytest.approx([2e-5, 2e-5, 4e-4, 4e-4])
    head_names = sorted(names[id(p)] for g in groups[2:] for p in g["params"])
    expected = ["scorer.bias", "scorer.weight"] if head == "tokens" else ["classifier.bias", "classifier.weight"]
    assert head_names == expected
    assert groups[3]["weight_decay"] == 0.0 and groups[2]["weight_decay"] == 0.01
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    # Scale 1 keeps the chapter's two groups, with the optimizer's own lr.
    assert len(param_groups(model, 0.01, 2e-5)) == 2
    optimizer = make_optimizer(model, 2e-5, 0.01, torch.device("cpu"), head_lr_scale=20)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(2e-5) and optimizer.param_groups[-1]["lr"] == pytest.approx(4e-4)


def test_head_lr_scale_moves_the_head_further_in_one_step(tiny_model):
    from cola_trainer.train import make_optimizer
    moved = {}
    for scale in (1.0, 20.0):
        torch.manual_seed(0)
        model, _ = models.load_model_and_tokenizer(models.resolve_model(str(tiny_model)), "tokens")
        before = model.scorer.weight.detach().clone()
        optimizer = make_optimizer(model, 1e-4, 0.0, torch.device("cpu"), head_lr_scale=scale)
        out = model(input_ids=torch.tensor([[2, 5, 6, 7, 3]]), attention_mask=torch.ones(1, 5, dtype=torch.long))
        out.logits[:, 0].sum().backward()
        optimizer.step()
        moved[scale] = float((model.scorer.weight.detach() - before).abs().max())
    # Adam's first step moves each weight by about lr, whatever the gradient's size.
    assert moved[1.0] == pytest.approx(1e-4, rel=0.05) and moved[20.0] == pytest.approx(2e-3, rel=0.05)
