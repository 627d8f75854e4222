"""End-to-end runs of `python -m cola_trainer train` on a tiny random BERT: every stdout line validates against
the schema, the loss falls, the export is complete and its ONNX agrees with PyTorch, cancel + resume gives the
same model as an uninterrupted run, and errors come out as `error` events."""
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import REPO, Run, check_model_folder, check_stdout, run_trainer, trainer_env

QUICK = ["--max-train", "320", "--max-eval", "64", "--batch-size", "32", "--learning-rate", "1e-3",
         "--device", "cpu", "--precision", "fp32", "--max-length", "64"]


def train_args(model, cola, out, *extra):
    return ["train", "--model", str(model), "--data-dir", str(cola), "--output-dir", str(out), *QUICK, *extra]


@pytest.fixture(scope="module")
def full_run(tiny_model, cola, tmp_path_factory, validator):
    out = tmp_path_factory.mktemp("full") / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "3"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    return run, out


def test_event_sequence(full_run):
    run, out = full_run
    kinds = [e["event"] for e in run.events]
    assert kinds[0] == "environment" and kinds[1] == "started"
    assert kinds[-4:] == ["holdout", "quality", "exported", "done"]
    started = run.one("started")
    assert started["train_size"] == 320 and started["validation_size"] == 64 and started["holdout_size"] == 64
    assert started["steps_per_epoch"] == 10 and started["total_steps"] == 30 and started["start_step"] == 0
    assert started["precision"] == "fp32" and started["world_size"] == 1
    steps = run.of("step")
    assert [s["step"] for s in steps] == list(range(1, 31))
    assert [e["epoch"] for e in run.of("evaluation")] == [1, 2, 3]
    assert len(run.of("checkpoint")) == 3
    assert run.one("done")["output_dir"] == str(out)


def test_cola_only_run_measures_prose_and_keeps_the_default_threshold(full_run):
    run, out = full_run
    assert all("prose_val_mcc" in e and "prose_val_clean_flagged" in e for e in run.of("evaluation"))
    quality = run.one("quality")
    assert quality["data_mix"] == "cola" and quality["threshold"] == 0.5
    # --max-eval 64 caps the held-out prose too: 64 clean sentences, each with one corruption.
    assert quality["prose_test"]["n_clean"] == quality["prose_test"]["n_corrupted"] == 64
    assert set(quality["prose_test"]["per_source"]) == {"opensource-guide", "peps"}
    meta = json.loads((out / "cola-bert.json").read_text())
    for key, value in quality["calibration"].items():  # the event rounds floats to 6 digits
        assert meta["calibration"][key] == (pytest.approx(value, rel=1e-5) if isinstance(value, float) else value)
    assert meta["calibration"]["threshold"] == 0.5 and "CoLA only" in meta["calibration"]["fitted_on"]
    assert meta["quality"]["prose_test"]["mcc"] == pytest.approx(quality["prose_test"]["mcc"], abs=1e-5)
    assert meta["data"]["mix"] == "cola" and meta["data"]["prose_train"] == 0
    bins = quality["cola_holdout"]["reliability"]
    assert sum(b["n"] for b in bins) == quality["cola_holdout"]["n"] == 64
    assert all(b["lo"] <= b["mean_p"] <= b["hi"] for b in bins)
    assert [{k: pytest.approx(v, abs=1e-6) for k, v in b.items()} for b in meta["quality"]["cola_holdout"]["reliability"]] == bins


def test_cola_plus_prose_trains_on_pairs_and_fits_the_threshold_on_clean_validation_prose(tiny_model, cola, tmp_path, validator,
                                                                                           model_folder_validator):
    out = tmp_path / "mix"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--data-mix", "cola+prose", "--prose-ratio", "0.5",
                                 "--no-int8", "--no-checkpoint"), validator)
    assert run.returncode == 0, run.stderr[-3000:]
    # 320 CoLA rows + 160 prose rows (80 sentences, each clean and corrupted).
    assert run.one("started")["train_size"] == 480
    calibration = run.one("quality")["calibration"]
    # Affine or isotonic, whichever had the lower cross-fitted held-out ECE; knots only for isotonic.
    isotonic = calibration["method"] == "isotonic"
    assert set(calibration) == {"temperature", "bias", "threshold", "method", "fitted_on", "max_false_alarm", "ece_before", "ece_after",
                                "scored_in", "cross_fitted"} | ({"knots"} if isotonic else set())
    assert calibration["method"] in ("affine", "isotonic") and calibration["max_false_alarm"] == 0.02
    held_out = calibration["cross_fitted"]
    assert set(held_out) == {"affine", "isotonic"} and held_out[calibration["method"]]["ece"] == min(h["ece"] for h in held_out.values())
    # bf16 only where the run trains in bf16 on a CPU (the cheap path); fp32 otherwise.
    assert calibration["scored_in"] == ("bf16" if run.one("started")["precision"] == "bf16" else "fp32")
    # --max-eval caps the calibration sentences like the other held-out prose: 64 clean, each also corrupted.
    assert "prose validation documents (128 sentences" in calibration["fitted_on"]
    meta = check_model_folder(out, model_folder_validator)
    assert meta["calibration"]["fitted_on"] == calibration["fitted_on"]
    assert meta["data"]["prose_calibration"] == 128
    for key in ("threshold", "temperature", "bias"):
        assert meta["calibration"][key] == pytest.approx(calibration[key], rel=1e-5, abs=1e-6)
    assert meta["calibration"].get("knots") == calibration.get("knots")
    # the file holdout and the quality event score with the same calibrated P
    assert meta["holdout_by_file"]["model.onnx"]["bias"] == pytest.approx(calibration["bias"], rel=1e-5, abs=1e-6)
    assert meta["quality"]["data_mix"] == "cola+prose"
    assert meta["hyperparameters"] is not None and meta["data"]["prose_train"] == 160


def test_loss_falls(full_run):
    run, _ = full_run
    evals = run.of("evaluation")
    assert evals[-1]["train_loss"] < evals[0]["train_loss"] - 0.02, [e["train_loss"] for e in evals]
    steps = run.of("step")
    first = np.mean([s["loss"] for s in steps[:5]])
    last = np.mean([s["loss"] for s in steps[-5:]])
    assert last < first, (first, last)


def test_best_epoch_is_exported_with_its_metrics(full_run):
    run, out = full_run
    evals = run.of("evaluation")
    best = max(evals, key=lambda e: (e["val_mcc"], -e["epoch"]))
    flagged = [e["epoch"] for e in evals if e["best"]]
    assert flagged[-1] == best["epoch"]
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["best_epoch"] == best["epoch"] == run.one("holdout")["best_epoch"]
    assert meta["metrics"]["validation"]["mcc"] == pytest.approx(best["val_mcc"], abs=1e-5)
    holdout = run.one("holdout")
    assert meta["metrics"]["holdout"]["confusion"] == holdout["confusion"]
    assert sum(holdout["confusion"].values()) == holdout["n"] == 64


def test_export_folder_matches_the_contract(full_run, tiny_model, model_folder_validator):
    run, out = full_run
    files = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "model.onnx", "model.int8.onnx", "cola-bert.json"} <= files
    assert not out.with_name(out.name + ".checkpoint").exists(), "checkpoint is removed after a successful export"
    assert not list(out.parent.glob("*.tmp-*"))
    meta = check_model_folder(out, model_folder_validator)
    for key in ("format", "base_model", "model_resolved", "labels", "max_length", "onnx", "onnx_int8", "inputs",
                "hyperparameters", "best_epoch", "metrics", "device", "device_name", "precision", "training_seconds",
                "versions", "created"):
        assert key in meta, key
    assert meta["labels"] == ["unacceptable", "acceptable"] and meta["format"] == 1
    assert meta["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
    assert meta["hyperparameters"] == {"epochs": 3, "batch_size": 32, "learning_rate": 1e-3, "weight_decay": 0.01,
                                       "warmup_ratio": 0.1, "max_grad_norm": 1.0, "seed": 42, "max_length": 64,
                                       "validation_fraction": 0.1, "keep_layers": 0, "freeze_layers": 0,
                                       "head_lr_scale": 1.0}
    assert [e["epoch"] for e in meta["metrics"]["epochs"]] == [1, 2, 3]
    assert set(meta["versions"]) >= {"python", "torch", "transformers", "onnx", "onnxruntime"}
    # The suggestions' inflections (word_forms.py), recorded with the size the file has.
    assert meta["word_forms"]["file"] == "word_forms.txt.gz" and meta["word_forms"]["bytes"] == (out / "word_forms.txt.gz").stat().st_size
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "unacceptable", "1": "acceptable"}


def test_onnx_matches_pytorch_and_int8_loads(full_run):
    import onnxruntime as ort
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    _, out = full_run
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForSequenceClassification.from_pretrained(out).eval()
    sentences = ["The book was written by John.", "Book the John by written.", "Who did you see?",
                 "She said that that that that that man used was wrong, and everybody nodded along slowly."]
    enc = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        reference = model(**enc).logits.numpy()
    feed = {k: enc[k].numpy() for k in ("input_ids", "attention_mask", "token_type_ids")}
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == list(feed)
    assert [o.name for o in session.get_outputs()] == ["logits"]
    logits = session.run(["logits"], feed)[0]
    assert logits.shape == (4, 2)
    assert np.abs(logits - reference).max() < 1e-4
    # Dynamic axes: another batch size and sequence length.
    one = tokenizer(["Short."], return_tensors="np")
    assert session.run(["logits"], {k: one[k].astype(np.int64) for k in feed})[0].shape == (1, 2)
    int8 = ort.InferenceSession(str(out / "model.int8.onnx"), providers=["CPUExecutionProvider"])
    q = int8.run(["logits"], feed)[0]
    assert q.shape == (4, 2) and np.isfinite(q).all()


def test_int8_keeps_the_feed_forward_outputs_in_fp32(full_run):
    import onnx

    _, out = full_run
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["int8_quantization"] == {"method": "onnxruntime dynamic", "weight_type": "int8", "per_channel": True,
                                         "reduce_range": True, "fp32_matmuls": 2}   # one per layer of the tiny model
    nodes = onnx.load(str(out / "model.int8.onnx")).graph.node
    fp32 = [n.name for n in nodes if n.op_type == "MatMul" and "/output/dense/" in n.name and "attention" not in n.name]
    assert len(fp32) == 2
    assert sum(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for n in nodes) >= 8  # q, k, v, attention out, ffn in


def _weights(folder):
    from safetensors.numpy import load_file
    return load_file(str(folder / "model.safetensors"))


def test_cancel_then_resume_equals_uninterrupted_run(full_run, tiny_model, cola, tmp_path, validator):
    """Cancel through stdin mid-epoch, resume, and compare with the uninterrupted 3-epoch run."""
    _, reference = full_run
    out = tmp_path / "model"
    args = train_args(tiny_model, cola, out, "--epochs", "3", "--no-int8")
    proc = subprocess.Popen([sys.executable, "-m", "cola_trainer", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=trainer_env(COLA_TRAINER_STEP_DELAY="0.05"), cwd=str(REPO))
    lines = []
    for line in proc.stdout:
        lines.append(line)
        event = json.loads(line)
        if event["event"] == "step" and event["step"] == 14:
            proc.stdin.write('{"command":"cancel"}\n')
            proc.stdin.flush()
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    first = Run(proc.returncode, "".join(lines), stderr)
    check_stdout(first.stdout, validator)
    assert first.returncode == 130, stderr[-3000:]
    cancelled = first.one("cancelled")
    assert 14 <= cancelled["step"] < 30 and cancelled["step"] % 10 != 0, "stopped mid-epoch"
    assert cancelled["checkpoint"] == str(out) + ".checkpoint"
    assert first.of("checkpoint")[-1]["step"] == cancelled["step"]
    assert not out.exists()

    other = run_trainer([a if a != "1e-3" else "5e-4" for a in args] + ["--resume"], validator)
    assert other.returncode == 1 and other.one("error")["code"] == "checkpoint_invalid"
    assert "learning_rate" in other.one("error")["message"]

    second = run_trainer(args + ["--resume"], validator)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.one("started")["start_step"] == cancelled["step"]
    assert second.of("step")[0]["step"] == cancelled["step"] + 1

    got, want = json.loads((out / "cola-bert.json").read_text()), json.loads((reference / "cola-bert.json").read_text())
    for a, b in zip(got["metrics"]["epochs"], want["metrics"]["epochs"], strict=True):
        for key in a:
            assert a[key] == pytest.approx(b[key], abs=1e-6), (key, a, b)
    assert got["metrics"]["holdout"] == want["metrics"]["holdout"]
    w_got, w_want = _weights(out), _weights(reference)
    assert w_got.keys() == w_want.keys()
    assert max(float(np.abs(w_got[k] - w_want[k]).max()) for k in w_got) <= 1e-6


def test_sigterm_cancels(tiny_model, cola, tmp_path, validator):
    import signal
    out = tmp_path / "model"
    proc = subprocess.Popen([sys.executable, "-m", "cola_trainer", *train_args(tiny_model, cola, out, "--epochs", "3")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=trainer_env(COLA_TRAINER_STEP_DELAY="0.05"), cwd=str(REPO))
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if json.loads(line)["event"] == "step":
            proc.send_signal(signal.SIGTERM)
    stderr = proc.stderr.read()
    proc.wait(timeout=60)
    run = Run(proc.returncode, "".join(lines), stderr)
    check_stdout(run.stdout, validator)
    assert run.returncode == 130, stderr[-2000:]
    assert run.one("cancelled")["step"] >= 1


def test_resume_on_other_data_is_refused(tiny_model, cola, tmp_path, validator):
    """A checkpoint resumes only on the CoLA files it was trained on (their SHA-256 is in the fingerprint)."""
    out = tmp_path / "model"
    args = train_args(tiny_model, cola, out, "--epochs", "2", "--no-int8")
    proc = subprocess.Popen([sys.executable, "-m", "cola_trainer", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=trainer_env(COLA_TRAINER_STEP_DELAY="0.05"), cwd=str(REPO))
    for line in proc.stdout:
        if json.loads(line)["event"] == "step":
            proc.stdin.write('{"command":"cancel"}\n')
            proc.stdin.flush()
    proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    flipped = tmp_path / "flipped"
    flipped.mkdir()
    for name in ("in_domain_train.tsv", "out_of_domain_dev.tsv"):
        rows = (cola / name).read_text(encoding="utf-8").split("\n")
        flip = (r.replace("\t1\t", "\t0\t", 1) if "\t1\t" in r else r.replace("\t0\t", "\t1\t", 1) for r in rows)
        (flipped / name).write_text("\n".join(flip), encoding="utf-8")
    args_flipped = [str(flipped) if a == str(cola) else a for a in args]
    run = run_trainer(args_flipped + ["--resume"], validator)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "checkpoint_invalid"
    changed = "in_domain_train.tsv, out_of_domain_dev.tsv"
    assert f"differ from the ones the checkpoint was trained on: {changed} (in {flipped})" in err["message"]


def test_output_dir_that_is_not_ours_is_refused_before_training(tiny_model, cola, tmp_path, validator):
    """`--output-dir .` or a typo must never delete a user's files; the refusal comes before any step."""
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me too")
    for target, fragment in ((mine, "is not a cola-bert model folder (no cola-bert.json in it)"),
                             (a_file, "is a file, not a cola-bert model folder"),
                             (cola, "is not a cola-bert model folder")):
        run = run_trainer(train_args(tiny_model, cola, target, "--epochs", "1"), validator)
        err = run.one("error")
        assert run.returncode == 1 and err["code"] == "bad_arguments", run.stderr[-2000:]
        assert fragment in err["message"]
        assert not run.of("step")
    assert (mine / "notes.txt").read_text() == "keep me" and a_file.read_text() == "keep me too"
    assert (cola / "in_domain_train.tsv").is_file()


def test_unwritable_output_is_refused_before_training(tiny_model, cola, tmp_path, validator):
    """The output's folder is probed before training (not found unwritable after it). A path below a file
    cannot be created even by root, unlike a 0555 folder."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = run_trainer(train_args(tiny_model, cola, blocker / "model", "--epochs", "1"), validator)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "bad_arguments", run.stderr[-2000:]
    assert f"cannot write the output next to {blocker / 'model'}" in err["message"]
    assert not run.of("step")


def test_model_folders_without_tokenizer_or_with_corrupt_weights_are_refused(tiny_model, cola, tmp_path, validator):
    """Without tokenizer files transformers builds a 5-token tokenizer and every word becomes [UNK]: refused."""
    import shutil
    no_tokenizer = tmp_path / "no-tokenizer"
    no_tokenizer.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_model / name, no_tokenizer / name)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(tiny_model, corrupt)
    with open(corrupt / "model.safetensors", "r+b") as f:
        f.truncate(1000)
    for folder, fragment in ((no_tokenizer, "the tokenizer files (tokenizer.json or vocab.txt) are missing"),
                            (corrupt, "cannot be loaded as a sequence classifier")):
        run = run_trainer(train_args(folder, cola, tmp_path / f"out-{folder.name}", "--epochs", "1"), validator)
        err = run.one("error")
        assert run.returncode == 1 and err["code"] == "model_unavailable", run.stderr[-2000:]
        assert fragment in err["message"]


def test_a_stray_byte_on_stdin_does_not_deafen_the_cancel_listener(tiny_model, cola, tmp_path, validator):
    out = tmp_path / "model"
    proc = subprocess.Popen([sys.executable, "-m", "cola_trainer", *train_args(tiny_model, cola, out, "--epochs", "3")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=trainer_env(COLA_TRAINER_STEP_DELAY="0.05", PYTHONIOENCODING="utf-8:strict"), cwd=str(REPO))
    lines = []
    for raw in proc.stdout:
        lines.append(raw.decode())
        event = json.loads(raw)
        if event["event"] == "step" and event["step"] == 2:
            proc.stdin.write(b"\xff\xfe latin-1 caf\xe9\n")
            proc.stdin.flush()
            time.sleep(0.3)
            proc.stdin.write(b'{"command":"cancel"}\n')
            proc.stdin.flush()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    run = Run(proc.returncode, "".join(lines), stderr)
    check_stdout(run.stdout, validator)
    assert run.returncode == 130, stderr[-2000:]
    assert run.one("cancelled")["step"] < 30
    assert "ignored stdin line that is not JSON" in stderr


def test_resume_without_checkpoint_is_refused(tiny_model, cola, tmp_path, validator):
    out = tmp_path / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--resume"), validator)
    assert run.returncode == 1 and run.one("error")["code"] == "checkpoint_invalid"


def test_offline_hub_id_is_an_error_event_with_a_hint(cola, validator):
    run = run_trainer(["train", "--model", "google-bert/bert-base-cased", "--data-dir", str(cola)], validator, timeout=120)
    assert run.returncode == 1 and run.events[-1]["event"] == "error"
    err = run.one("error")
    assert err["code"] == "offline" and "--model all-minilm-l6-v2" in err["hint"]


def test_malformed_data_error_names_file_and_line(tmp_path, tiny_model, validator):
    (tmp_path / "in_domain_train.tsv").write_text("a\t1\t\tFine.\na\t3\t\tBad label.\n")
    (tmp_path / "out_of_domain_dev.tsv").write_text("a\t1\t\tFine.\n")
    run = run_trainer(["train", "--model", str(tiny_model), "--data-dir", str(tmp_path)], validator, timeout=120)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "data_malformed"
    assert err["line"] == 2 and err["file"].endswith("in_domain_train.tsv")


def test_env_command_and_stdout_purity(validator):
    """`env` prints exactly one event; a library print to stdout (here forced through fd 1) lands on stderr."""
    run = run_trainer(["env"], validator, timeout=120)
    assert run.returncode == 0 and [e["event"] for e in run.events] == ["environment"]
    code = ("import os, sys; from cola_trainer.protocol import Protocol; p = Protocol.take_stdout(); "
            "print('stray print'); os.write(1, b'raw fd write\\n'); p.emit('done', output_dir='x', elapsed_s=0.0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=trainer_env(), timeout=60)
    assert proc.stdout.splitlines() == ['{"event":"done","v":1,"output_dir":"x","elapsed_s":0.0}']
    assert "stray print" in proc.stderr and "raw fd write" in proc.stderr


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    import os

    from cola_trainer.export import remove_stale_temporaries
    out = tmp_path / "model"
    dead, alive, checkpoint = (tmp_path / "model.tmp-999999999", tmp_path / f"model.tmp-{os.getpid()}",
                                 tmp_path / "model.checkpoint.tmp-999999998")
    for folder in (dead, alive, checkpoint):
        folder.mkdir()
    other = tmp_path / "model-other.tmp-999999997"  # another output's leftovers: not this run's to remove
    other.mkdir()
    remove_stale_temporaries(out)
    assert not dead.exists() and not checkpoint.exists()
    assert alive.exists(), "a running process's folder is left alone"
    assert other.exists()


def test_validation_stops_between_batches_when_cancelled(tiny_model):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from cola_trainer import batching
    from cola_trainer.data import Example
    from cola_trainer.train import Cancelled, encode, evaluate
    model = AutoModelForSequenceClassification.from_pretrained(str(tiny_model))
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    data = encode(tokenizer, [Example("x", i % 2, f"Sentence number {i} is here.", i) for i in range(300)], 32)
    collate = batching.Collator(tokenizer.pad_token_id, True)
    calls = []

    def stop_on_second_batch() -> bool:
        calls.append(1)
        return len(calls) >= 2

    model.train()
    with pytest.raises(Cancelled):
        evaluate(model, data, collate, torch.device("cpu"), "fp32", stop_on_second_batch)
    assert len(calls) == 2 and model.training, "stopped before the second batch, training mode restored"
    assert evaluate(model, data, collate, torch.device("cpu"), "fp32")["n"] == 300


def test_log_lines_from_two_threads_never_merge(capfd):
    import threading

    from cola_trainer.protocol import log

    def spam(tag):
        for i in range(300):
            log(f"{tag} line {i} " + "x" * 50)

    threads = [threading.Thread(target=spam, args=(t,)) for t in ("main", "stdin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 600
    assert all(line.startswith("[cola-trainer] ") and line.count("[cola-trainer]") == 1 for line in lines)


def test_env_reports_the_hub_unreachable_under_hf_hub_offline(validator):
    """The panel offers the offline encoders from this (issue 16 item 4); HF_HUB_OFFLINE answers without a probe."""
    run = run_trainer(["env"], validator, timeout=120)
    hub = run.one("environment")["hub"]
    assert hub["reachable"] is False and hub["default_model"] == "bert-base-uncased"
    assert isinstance(hub["default_model_cached"], bool)


def test_hub_probe_without_hf_hub_offline(monkeypatch):
    """Without HF_HUB_OFFLINE the probe really connects: a closed port is unreachable, a listening one reachable."""
    import socket

    from cola_trainer.environment import hub_status
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        assert hub_status(timeout=2.0)["reachable"] is True
    assert hub_status(timeout=2.0)["reachable"] is False
