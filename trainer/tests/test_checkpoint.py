"""Checkpoints: loaded without running code from the file, RNG states that survive the weights-only format, and a
full disk reported as such with nothing left behind."""
import errno
import os
import random
import subprocess

import numpy as np
import pytest
import torch
from conftest import run_trainer
from test_train import train_args

from cola_trainer import diskspace
from cola_trainer import train as train_module
from cola_trainer.protocol import TrainerError


class _RunsCode:
    """Unpickling this calls os.system: what a crafted state.pt in a cloned repository would do."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_resume_does_not_run_code_from_a_crafted_checkpoint(tiny_model, cola, tmp_path, validator):
    out = tmp_path / "model"
    checkpoint = out.with_name("model.checkpoint")
    checkpoint.mkdir()
    marker = tmp_path / "code-ran"
    torch.save({"format": train_module.CHECKPOINT_FORMAT, "payload": _RunsCode(f"touch {marker}")}, checkpoint / "state.pt")
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--resume"), validator)
    assert not marker.exists(), "loading the checkpoint ran the command inside its pickle"
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "checkpoint_invalid", run.stderr[-2000:]
    assert "was not loaded" in err["message"] and "system" in err["message"], err
    assert not run.of("step")


def test_a_format_1_checkpoint_is_refused_without_unpickling_it(tmp_path):
    """Format 1 stored numpy's RNG state as an ndarray, which only a full (code-running) unpickle reads."""
    folder = tmp_path / "model.checkpoint"
    folder.mkdir()
    torch.save({"format": 1, "rng": [{"numpy": np.random.get_state()}]}, folder / "state.pt")
    with pytest.raises(TrainerError) as caught:
        train_module.load_checkpoint(folder)
    assert caught.value.code == "checkpoint_invalid" and "was not loaded" in caught.value.message
    assert "format 1" in caught.value.hint


def test_rng_states_round_trip_through_a_checkpoint(tmp_path):
    """Resume is exact only if every RNG continues where it stopped; the weights-only format stores them as tensors."""
    random.seed(3), np.random.seed(4), torch.manual_seed(5)
    np.random.normal()  # leaves a cached Gaussian in numpy's legacy state
    device = torch.device("cpu")
    path = tmp_path / "model.checkpoint"
    payload = {"format": train_module.CHECKPOINT_FORMAT, "args": {}, "fingerprint": {}, "model": {"w": torch.ones(3)},
               "optimizer": {}, "scheduler": {}, "scaler": None, "state": {"global_step": 7, "epoch": 1}, "best_weights": None}
    train_module.save_checkpoint(path, payload, [train_module.rng_state(device)])
    expected = (random.random(), np.random.normal(), np.random.rand(), torch.rand(1).item())
    random.seed(0), np.random.seed(0), torch.manual_seed(0)
    saved = train_module.load_checkpoint(path)
    train_module.set_rng_state(saved["rng"][0], device)
    assert (random.random(), np.random.normal(), np.random.rand(), torch.rand(1).item()) == expected
    assert saved["state"] == {"global_step": 7, "epoch": 1} and torch.equal(saved["model"]["w"], torch.ones(3))


def test_numpy_values_in_the_state_still_load_weights_only(tmp_path):
    """A metric that arrives as a numpy scalar must not make the checkpoint unreadable at --resume."""
    path = tmp_path / "model.checkpoint"
    payload = {"format": train_module.CHECKPOINT_FORMAT, "args": {}, "fingerprint": {}, "model": {}, "optimizer": {},
               "scheduler": {}, "scaler": None, "best_weights": None,
               "state": {"global_step": 3, "epoch": 1, "history": [{"val_mcc": np.float64(0.25), "epoch": np.int64(1)}],
                         "confusion": np.array([[1, 2], [3, 4]])}}
    train_module.save_checkpoint(path, payload, [])
    state = train_module.load_checkpoint(path)["state"]
    assert state["history"] == [{"val_mcc": 0.25, "epoch": 1}]
    assert state["confusion"].tolist() == [[1, 2], [3, 4]]


def _payload(megabytes: float) -> dict:
    return {"format": train_module.CHECKPOINT_FORMAT, "args": {}, "fingerprint": {},
            "model": {"w": torch.zeros(int(megabytes * 1e6 / 4))}, "optimizer": {}, "scheduler": {}, "scaler": None,
            "state": {"global_step": 1, "epoch": 0}, "best_weights": None}


def test_disk_full_while_writing_is_reported_and_the_temporary_folder_removed(tmp_path, monkeypatch):
    def full_disk(obj, file):
        file.write(b"\0" * 4096)  # a partial file, as a real full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(train_module.torch, "save", full_disk)
    path = tmp_path / "model.checkpoint"
    with pytest.raises(TrainerError) as caught:
        train_module.save_checkpoint(path, _payload(3), [])
    err = caught.value
    assert err.code == "disk_full"
    assert err.message.startswith(f"no space left on {tmp_path} to save the checkpoint (needs about 4 MB")
    assert "--output-dir" in err.hint and "--no-checkpoint" in err.hint
    assert list(tmp_path.iterdir()) == [], "the temporary folder is removed"


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 2 MB file system (needs root and mount(2); skipped elsewhere)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def test_a_real_full_disk_torch_error_is_reported(small_tmpfs, monkeypatch):
    """torch.save's own failure on a full disk ("[enforce fail at inline_container.cc] ... unexpected pos"): the
    up-front space check is bypassed so that the write itself fails."""
    real_free = diskspace.free_bytes
    calls = []

    def free_after_first_call(folder):
        calls.append(folder)
        return None if len(calls) == 1 else real_free(folder)

    monkeypatch.setattr(diskspace, "free_bytes", free_after_first_call)
    with pytest.raises(TrainerError) as caught:
        train_module.save_checkpoint(small_tmpfs / "model.checkpoint", _payload(3), [])
    assert caught.value.code == "disk_full" and caught.value.message.startswith(f"no space left on {small_tmpfs}")
    assert isinstance(caught.value.__cause__, RuntimeError), "the write itself failed"
    assert list(small_tmpfs.iterdir()) == []


def test_training_onto_a_full_disk_ends_with_a_disk_full_event(tiny_model, cola, small_tmpfs, validator):
    out = small_tmpfs / "model"
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "2"), validator)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "disk_full", run.stderr[-2000:]
    assert err["message"].startswith(f"no space left on {small_tmpfs} to save the checkpoint (needs about ")
    assert "Traceback" not in run.stderr
    assert list(small_tmpfs.iterdir()) == []


def test_resume_after_the_export_names_the_finished_model(tiny_model, cola, tmp_path, validator):
    """The checkpoint is removed once the model is exported: --resume then points at the model, not at a missing checkpoint."""
    from cola_trainer.export import MODEL_MARKER
    out = tmp_path / "model"
    out.mkdir()
    (out / MODEL_MARKER).write_text("{}")
    run = run_trainer(train_args(tiny_model, cola, out, "--epochs", "1", "--resume"), validator)
    err = run.one("error")
    assert run.returncode == 1 and err["code"] == "checkpoint_invalid", run.stderr[-2000:]
    assert err["message"] == f"nothing to resume: the run finished and its model is in {out}"


def test_export_onto_a_full_disk_is_disk_full_and_leaves_nothing(tiny_model, small_tmpfs, monkeypatch):
    """The model folder's own write (not the checkpoint's) on a real full disk: one disk_full error, no temporary
    folder left. The up-front check is bypassed so that the write itself fails."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from cola_trainer import export as export_module
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model, num_labels=2)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    monkeypatch.setattr(diskspace, "free_bytes", lambda folder: None)
    monkeypatch.setattr(export_module, "export_bytes", lambda model, int8: 3 << 20)
    with pytest.raises(TrainerError) as caught:
        export_module.export_model_folder(model, tokenizer, small_tmpfs / "model", ["input_ids", "attention_mask", "token_type_ids"],
                                          {"max_length": 16}, int8=True)
    assert caught.value.code == "disk_full", caught.value.message
    assert caught.value.message.startswith(f"no space left on {small_tmpfs} to export the model (needs about 4 MB")
    assert list(small_tmpfs.iterdir()) == [], "the temporary folder is removed"


def test_export_refuses_up_front_when_the_folder_cannot_fit(tiny_model, tmp_path, monkeypatch):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from cola_trainer import export as export_module
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model, num_labels=2)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    monkeypatch.setattr(diskspace, "free_bytes", lambda folder: 1 << 20)
    with pytest.raises(TrainerError) as caught:
        export_module.export_model_folder(model, tokenizer, tmp_path / "model", ["input_ids", "attention_mask"], {"max_length": 16},
                                          int8=False)
    assert caught.value.code == "disk_full" and "1 MB free" in caught.value.message
    assert "--output-dir" in caught.value.hint
    assert list(tmp_path.iterdir()) == []
