"""Cooperative cancellation: a `{"command":"cancel"}` line on stdin, SIGTERM or Ctrl-C set a flag that the
training loop checks before every step. Closing stdin does not cancel (the trainer also runs from a terminal)."""
from __future__ import annotations

import json
import os
import signal
import sys
import threading

from .protocol import log


class CancelFlag:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            log(f"cancel requested ({reason}); stopping after the current step")
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def install(self, listen_stdin: bool) -> None:
        def on_signal(signum, _frame):
            if signum == signal.SIGINT and self.is_set():
                raise KeyboardInterrupt  # a second Ctrl-C stops at once
            self.set(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if listen_stdin:
            threading.Thread(target=self._read_stdin, name="cola-stdin", daemon=True).start()

    @staticmethod
    def _stdin_lines():
        """Lines of stdin as bytes, read from the file descriptor: no io object's lock is held while this daemon
        thread waits (a BufferedReader's lock aborts interpreter shutdown), and no decoder can raise."""
        try:
            fd = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            yield from (line.encode("utf-8", errors="replace") for line in sys.stdin)
            return
        pending = b""
        while chunk := os.read(fd, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            yield from lines
        if pending:
            yield pending

    def _read_stdin(self) -> None:
        try:
            for raw in self._stdin_lines():
                # Decoded leniently: with a strict UTF-8 locale one stray byte used to end this thread, and
                # every later cancel went unheard.
                line = raw.decode("utf-8", errors="replace").strip()
                if not line:
                    continue
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    log(f"ignored stdin line that is not JSON: {line[:80]!r}")
                    continue
                if isinstance(message, dict) and message.get("command") == "cancel":
                    self.set("cancel command")
                else:
                    log(f"ignored unknown stdin command: {line[:80]!r}")
        except (OSError, ValueError):
            pass  # stdin closed or not readable: nothing to listen to
