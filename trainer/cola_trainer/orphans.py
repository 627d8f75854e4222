"""Temporary folders named `<name>.<kind>-<pid>` that a killed process left behind: removed once that process is
gone, never while it runs (another run, fetch or export may be writing there right now)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .protocol import log


def owner_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, owned by someone else
    return False


def remove_orphan(path: Path, pid: str, left_by: str) -> None:
    if pid.isdigit() and path.is_dir() and owner_gone(int(pid)):
        shutil.rmtree(path, ignore_errors=True)
        log(f"removed {path}, left by {left_by}")
