"""The DistributedDataParallel path: two CPU processes (gloo) under torchrun on the tiny model."""
import json
import subprocess
import sys

from conftest import REPO, Run, check_stdout, trainer_env


def test_two_gloo_processes(tiny_model, cola, tmp_path, validator):
    out = tmp_path / "model"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "cola_trainer",
           "train", "--model", str(tiny_model), "--data-dir", str(cola), "--output-dir", str(out), "--device", "cpu",
           "--precision", "fp32", "--max-train", "256", "--max-eval", "64", "--epochs", "2", "--learning-rate", "1e-3",
           "--max-length", "64", "--no-int8"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=trainer_env(), cwd=str(REPO),
                          stdin=subprocess.DEVNULL)
    check_stdout(proc.stdout, validator)  # only rank 0 writes, and only protocol lines
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert run.returncode == 0, proc.stderr[-4000:]
    started = run.one("started")
    assert started["world_size"] == 2 and started["batch_size"] == 32
    assert started["steps_per_epoch"] == 8 and started["total_steps"] == 16, "global batches are sharded, not duplicated"
    assert [s["step"] for s in run.of("step")] == list(range(1, 17))
    assert len(run.of("evaluation")) == 2 and len(run.of("checkpoint")) == 2
    run.one("holdout")
    assert run.one("done")["output_dir"] == str(out)
    meta = json.loads((out / "cola-bert.json").read_text())
    assert meta["world_size"] == 2 and meta["onnx_int8"] is None
    assert (out / "model.onnx").is_file() and not (out / "model.int8.onnx").exists()
