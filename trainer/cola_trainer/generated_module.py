"""The command line shared by the `describe-*` subcommands: print a description as JSON, or write it as a
generated TypeScript module (`--typescript FILE`) next to the target and rename it into place, so an
interrupted run never leaves a half-written module."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def describe_main(argv: list[str], command: str, describe: Callable[[], Any], render: Callable[[Any], str]) -> int:
    if not argv:
        sys.stdout.write(json.dumps(describe(), indent=2, ensure_ascii=False) + "\n")
        return 0
    if len(argv) != 2 or argv[0] != "--typescript":
        sys.stderr.write(f"usage: python -m cola_trainer {command} [--typescript FILE]\n")
        return 2
    target = Path(argv[1])
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(render(describe()))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return 0
