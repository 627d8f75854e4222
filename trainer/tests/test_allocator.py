"""allocator.py: freed memory stays with the process, so a second allocation of the same size touches pages it
already has (no fresh page faults), and glibc's own environment variables win."""
import json
import subprocess
import sys

import pytest
from conftest import trainer_env

PROBE = """
import ctypes, json, resource, sys
from cola_trainer.allocator import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "keep" else False
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
SIZE = 64 * 1024 * 1024  # a step's worth of activations, above glibc's largest dynamic mmap threshold (32 MiB)
def faults_of_one_step():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(SIZE)
    ctypes.memset(block, 1, SIZE)
    libc.free(block)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults_of_one_step()
print(json.dumps({"applied": applied, "faults": faults_of_one_step()}))
"""


def _probe(mode: str, **env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env={**trainer_env(), **env},
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_a_second_step_reuses_the_first_steps_pages():
    kept, plain = _probe("keep"), _probe("plain")
    assert kept["applied"] is True
    pages = 64 * 1024 * 1024 // 4096
    assert plain["faults"] > pages // 2, plain  # without it, every step maps its memory afresh
    assert kept["faults"] < pages // 20, kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_the_users_own_malloc_settings_win():
    assert _probe("keep", MALLOC_MMAP_THRESHOLD_="131072")["applied"] is False
