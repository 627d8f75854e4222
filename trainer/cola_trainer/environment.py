"""What this interpreter can do: the `environment` handshake event and device/precision choices."""
from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache
from typing import Any

from .protocol import TrainerError


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version
        return version(module)
    except Exception:
        return None


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@lru_cache(maxsize=1)
def cpu_supports_bf16() -> bool:
    """bf16 autocast only pays on CPUs with native bf16 matrix instructions (AMX or AVX512-BF16);
    elsewhere oneDNN emulates it and it is slower than fp32."""
    flags = cpu_flags()
    if flags & {"amx_bf16", "avx512_bf16"}:
        return True
    try:
        import torch
        capability = torch.backends.cpu.get_cpu_capability()
        return capability in ("AVX512_BF16", "AMX")  # future-proof: newer torch may report these
    except Exception:
        return False


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def training_threads(processes_per_machine: int = 1) -> int:
    """Intra-op threads for CPU training: this process's share of the cores, at least 1.
    COLA_TRAINER_THREADS overrides. (The load average is not consulted: read once at start it lags by a
    minute and pinned whole 10-minute runs to one thread after a busy moment; OpenMP threads wait
    passively, so sharing the cores with other work costs little.)"""
    if os.environ.get("COLA_TRAINER_THREADS"):
        return max(1, int(os.environ["COLA_TRAINER_THREADS"]))
    return max(1, cpu_threads() // max(1, processes_per_machine))


def environment_event() -> dict[str, Any]:
    try:
        import torch
    except ImportError as e:
        raise TrainerError("dependency_missing", f"PyTorch is not installed in {sys.executable}: {e}",
                           hint="run 'npm run setup', or 'pip install -r trainer/requirements.txt' (it pins torch)") from e
    try:
        import transformers
    except ImportError as e:
        raise TrainerError("dependency_missing", f"transformers is not installed in {sys.executable}: {e}",
                           hint="pip install -r trainer/requirements.txt") from e
    devices: list[dict[str, Any]] = []
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            devices.append({"kind": "cuda", "index": i, "name": props.name, "memory_bytes": int(props.total_memory)})
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append({"kind": "mps", "index": 0, "name": "Apple Metal (MPS)"})
    devices.append({"kind": "cpu", "name": cpu_name()})
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnx": _version("onnx"),
        "onnxruntime": _version("onnxruntime"),
        "cuda": torch.version.cuda,
        "bf16_cpu": cpu_supports_bf16(),
        "cpu_threads": cpu_threads(),
        "devices": devices,
    }


def hub_status(timeout: float = 2.0) -> dict[str, Any]:
    """Whether hub models can be fetched, for `env` only (a run finds out when it resolves its model): a TCP
    probe bounded by `timeout` (HF_HUB_OFFLINE answers at once), and whether the default hub model is in
    the local cache anyway, which makes it usable offline."""
    from .args import DEFAULT_HUB_MODEL
    from .models import _cached_on_hub, hub_reachable
    return {"reachable": hub_reachable(timeout), "default_model": DEFAULT_HUB_MODEL,
            "default_model_cached": _cached_on_hub(DEFAULT_HUB_MODEL)}


def library_versions() -> dict[str, str | None]:
    import torch
    import transformers
    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "onnx": _version("onnx"), "onnxruntime": _version("onnxruntime")}


def choose_device(requested: str) -> str:
    import torch
    if requested == "cuda" and not torch.cuda.is_available():
        raise TrainerError("device_unavailable", "--device cuda was asked for, but torch sees no CUDA GPU "
                           f"(torch {torch.__version__}, CUDA build: {torch.version.cuda})",
                           hint="use --device cpu, or install a CUDA build of torch")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def choose_precision(requested: str, device: str) -> str:
    import torch
    if requested == "auto":
        if device == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "bf16" if cpu_supports_bf16() else "fp32"
    if requested == "fp16" and device != "cuda":
        raise TrainerError("bad_arguments", "--precision fp16 needs --device cuda", hint="use bf16 or fp32 on the CPU")
    return requested
