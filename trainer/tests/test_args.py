import pytest

from cola_trainer.args import default_learning_rate, parse_train_args
from cola_trainer.protocol import TrainerError


def test_defaults_are_the_chapter_recipe():
    a = parse_train_args([])
    assert a.model.model == "auto" and a.model.max_length == 128
    t = a.training
    assert (t.epochs, t.batch_size, t.learning_rate, t.weight_decay, t.warmup_ratio, t.max_grad_norm, t.seed) == \
        (4, 32, None, 0.01, 0.1, 1.0, 42)
    assert a.data.validation_fraction == 0.1 and not t.resume and not t.no_int8


def test_the_learning_rate_defaults_to_the_chapter_except_for_the_small_offline_model():
    assert default_learning_rate("bert-base-uncased") == 2e-5
    assert default_learning_rate("/models/some-folder") == 2e-5
    assert default_learning_rate("all-minilm-l6-v2") == 1e-4


def test_every_flag_of_the_contract_parses():
    a = parse_train_args(["--model", "x/y", "--data-dir", "d", "--output-dir", "o", "--epochs", "2", "--batch-size", "8",
                          "--learning-rate", "3e-5", "--weight-decay", "0", "--warmup-ratio", "0", "--max-grad-norm", "0.5",
                          "--max-length", "64", "--seed", "7", "--validation-fraction", "0.2", "--device", "cpu",
                          "--precision", "fp32", "--max-train", "10", "--max-eval", "5", "--resume", "--no-int8",
                          "--num-workers", "1"])
    assert a.training.batch_size == 8 and a.training.resume and a.training.no_int8 and a.data.max_eval == 5
    assert a.hyperparameters()["max_length"] == 64


@pytest.mark.parametrize("argv,fragment", [
    (["--epochs", "0"], "--epochs"),
    (["--learning-rate", "-1"], "--learning-rate"),
    (["--validation-fraction", "0.7"], "--validation-fraction"),
    (["--device", "tpu"], "invalid choice"),
    (["--max-train", "0"], "--max-train"),
    (["--batch-size", "many"], "invalid int"),
    (["--frobnicate"], "unrecognized"),
    (["--seed", "-1"], "--seed must be in [0, 2**32)"),
    (["--seed", "18446744073709551616"], "--seed must be in [0, 2**32)"),
    (["--output-dir", ""], "--output-dir is empty"),
    (["--data-dir", " "], "--data-dir is empty"),
    (["--data-mix", "cola+prose", "--corruption-weights", "a_an=0"], "needs a positive weight"),
    (["--data-mix", "cola+prose", "--corruption-weights", "typo=2"], "unknown error type 'typo'"),
    (["--data-mix", "cola+prose", "--corruption-weights", "a_an=2,a_an=3"], "given twice"),
    (["--data-mix", "cola+prose", "--corruption-weights", "a_an"], "needs a positive weight"),
    (["--corruption-weights", "a_an=2"], "needs --data-mix cola+prose"),
])
def test_bad_arguments(argv, fragment):
    with pytest.raises(TrainerError) as info:
        parse_train_args(argv)
    assert info.value.code == "bad_arguments" and fragment in info.value.message


def test_corruption_weights_parse_to_a_type_map():
    from cola_trainer.corrupt import parse_type_weights
    a = parse_train_args(["--data-mix", "cola+prose", "--corruption-weights", "a_an=4, wrong_preposition=2.5"])
    assert parse_type_weights(a.data.corruption_weights) == {"a_an": 4.0, "wrong_preposition": 2.5}
