"""`python -m cola_trainer warmup`: the measured training speed the panel's estimate starts from."""
from conftest import run_trainer


def test_warmup_measures_the_tiny_model_on_cola(tiny_model, cola, validator):
    run = run_trainer(["warmup", "--model", str(tiny_model), "--batch-size", "8", "--steps", "2"], validator, COLA_DIR=str(cola))
    assert run.returncode == 0, run.stderr[-2000:]
    assert [e["event"] for e in run.events] == ["warmup"]  # stdout holds the one event and nothing else
    event = run.one("warmup")
    assert event["samples_per_second"] > 0 and event["seconds"] > 0
    assert (event["batch_size"], event["steps"], event["max_length"], event["device"]) == (8, 2, 128, "cpu")
    assert event["sentences"] == "cola"
    # Real CoLA sentences are short: the warm-up must time those, not rows padded to --max-length.
    assert 5 < event["mean_tokens"] < 20
    assert "warm-up:" in run.stderr


def test_warmup_without_cola_uses_synthetic_rows(tiny_model, validator, tmp_path):
    run = run_trainer(["warmup", "--model", str(tiny_model), "--batch-size", "4", "--steps", "1"], validator,
                      COLA_DIR=str(tmp_path / "nothing"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert run.returncode == 0, run.stderr[-2000:]
    event = run.one("warmup")
    assert event["sentences"] == "synthetic" and event["samples_per_second"] > 0


def test_warmup_refuses_a_model_that_is_not_on_this_machine_quickly(validator, tmp_path):
    run = run_trainer(["warmup", "--model", "some-org/not-a-cached-model"], validator, timeout=60,
                      HF_HOME=str(tmp_path / "hf"))
    assert run.returncode == 1
    error = run.one("error")
    assert error["code"] == "model_unavailable" and "not in the local cache" in error["message"]
    assert not run.of("warmup")


def test_warmup_rejects_zero_steps(tiny_model, validator):
    run = run_trainer(["warmup", "--model", str(tiny_model), "--steps", "0"], validator)
    assert run.returncode == 1 and run.one("error")["code"] == "bad_arguments"
