"""Disk space for what the trainer writes (checkpoints, the exported model folder): refused up front when it
cannot fit, and a disk that fills while writing reported as one `disk_full` error naming the folder and the
size, instead of torch's or onnx's raw messages."""
from __future__ import annotations

import errno
import math
import os
import shutil
from pathlib import Path

from .protocol import TrainerError


def free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def no_space(folder: Path, needed: int, what: str, hint: str) -> TrainerError:
    free = free_bytes(folder)
    free_text = f", {free / 1e6:.0f} MB free" if free is not None else ""
    return TrainerError("disk_full", f"no space left on {folder} to {what} (needs about {math.ceil(needed / 1e6)} MB{free_text})",
                        hint=hint)


def require_space(folder: Path, needed: int, what: str, hint: str) -> None:
    """Refuse before writing rather than fill the disk with a partial file."""
    free = free_bytes(folder)
    if free is not None and free < needed:
        raise no_space(folder, needed, what, hint)


# Libraries written in Rust or C++ (safetensors, onnx) raise their own exception types and keep the OS's words only
# in the message, e.g. "SafetensorError: ... I/O error: No space left on device (os error 28)".
_NO_SPACE_TEXT = (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT), f"os error {errno.ENOSPC}", f"os error {errno.EDQUOT}")


def out_of_space(error: BaseException | None) -> bool:
    """ENOSPC or EDQUOT anywhere in the exception chain, as an errno or in the message: torch.save reports its file
    object's failed write as a RuntimeError ("[enforce fail at inline_container.cc] unexpected pos ...") raised
    while handling the OSError; safetensors only in its message."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(error) for text in _NO_SPACE_TEXT):
            return True
        error = error.__cause__ or error.__context__
    return False
