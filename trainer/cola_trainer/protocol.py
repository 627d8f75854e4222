"""The stdout protocol: one JSON object per line, defined by protocol.schema.json.

`Protocol.take_stdout()` moves the process's real stdout (file descriptor 1) to a private handle and
points fd 1 and `sys.stdout` at stderr, so a stray `print` or a library writing to fd 1 can never
corrupt the event stream. Only rank 0 of a distributed run writes events.
"""
from __future__ import annotations

import json
import math
import os
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

SCHEMA_PATH = Path(__file__).with_name("protocol.schema.json")
VERSION = 1

ERROR_CODES = (
    "bad_arguments", "data_missing", "data_malformed", "model_unavailable", "offline",
    "device_unavailable", "out_of_memory", "checkpoint_invalid", "export_failed",
    "dependency_missing", "disk_full", "internal",
)


class TrainerError(Exception):
    """A failure the user can act on; becomes an `error` event and exit code 1."""

    def __init__(self, code: str, message: str, *, hint: str | None = None,
                 file: str | os.PathLike | None = None, line: int | None = None):
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.file = None if file is None else str(file)
        self.line = line

    def to_event(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            fields["hint"] = self.hint
        if self.file is not None:
            fields["file"] = self.file
        if self.line is not None:
            fields["line"] = self.line
        return fields


def _clean(value: Any) -> Any:
    """Round floats a little (short lines) and refuse NaN/inf, which JSON cannot carry."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite number in a protocol event")
        return float(f"{value:.6g}") if abs(value) < 1e6 else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class Protocol:
    def __init__(self, out: TextIO | None, enabled: bool = True):
        self._out = out
        self._enabled = enabled and out is not None
        self._lock = threading.Lock()

    @classmethod
    def take_stdout(cls, enabled: bool = True) -> Protocol:
        sys.stdout.flush()
        private_fd = os.dup(1)
        os.dup2(2, 1)  # anything written to fd 1 from now on (C code included) lands on stderr
        sys.stdout = sys.stderr
        out = os.fdopen(private_fd, "w", encoding="utf-8", buffering=1, newline="\n")
        return cls(out, enabled)

    def disable(self) -> None:
        """Non-zero ranks of a distributed run stay silent."""
        self._enabled = False

    def emit(self, event: str, **fields: Any) -> None:
        if not self._enabled:
            return
        payload = {"event": event, "v": VERSION, **_clean(fields)}
        line = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()

    def error(self, err: TrainerError) -> None:
        self.emit("error", **err.to_event())


# print() writes the text and the newline separately, so the stdin thread's lines could land inside the main
# thread's. One write per line, under a reentrant lock (a signal handler that logs runs on the main thread).
_log_lock = threading.RLock()


def log(message: str) -> None:
    """Human-readable log line on stderr (not part of the protocol)."""
    with _log_lock:
        sys.stderr.write(f"[cola-trainer] {message}\n")
        sys.stderr.flush()
