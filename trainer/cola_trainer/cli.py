"""Entry point: `python -m cola_trainer env` and `python -m cola_trainer train [options]`."""
from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from pathlib import Path

from .allocator import keep_freed_memory
from .protocol import Protocol, TrainerError, log

USAGE = """usage: python -m cola_trainer {env,train,warmup,fetch-cola,word-forms,describe-args,describe-edits,quality-set} [options]

  env            print one `environment` event (versions, devices, bf16 support) and exit
  train          fine-tune on CoLA and export the model folder; 'train --help' lists the options
  warmup         --model ID|DIR [--max-length N] [--batch-size N] [--steps K]: time K training steps, one `warmup` event
  fetch-cola     DIR: the official release's raw/ and tokenized/ files into DIR, checked by SHA-256
  word-forms     FOLDER...: add word_forms.txt.gz (inflections for suggestions) to model folders exported without it
  describe-args  [--typescript FILE]: the train options as JSON (a build step, not part of the protocol)
  describe-edits [--typescript FILE]: corrupt.py's closed word classes for the suggestions (a build step too)
  quality-set    OUT.jsonl [--split test|validation] [--limit N]: the held-out prose pairs runs are scored on

stdout carries only JSON lines (trainer/cola_trainer/protocol.schema.json); logs go to stderr.
"""


def _quiet_libraries() -> None:
    """Progress bars and advisory warnings of transformers/huggingface_hub go to stderr, and only the important ones."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    for name in ("torch.onnx", "onnxscript", "torch._dynamo", "torch.export"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["describe-args"]:
        # Before stdout is taken for the protocol: this is a build step whose output is a document, not events.
        from .describe_args import main as describe_main
        return describe_main(argv[1:])
    if argv[:1] == ["describe-edits"]:
        from .describe_edits import main as describe_edits_main
        return describe_edits_main(argv[1:])
    proto = Protocol.take_stdout()
    _quiet_libraries()
    keep_freed_memory()  # before torch allocates anything (allocator.py)
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stderr.write(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    dist = None
    try:
        from .environment import environment_event
        if command == "env":
            from .environment import hub_status
            proto.emit("environment", **environment_event(), hub=hub_status())
            return 0
        if command == "fetch-cola":
            # For `npm test` on a machine without a CoLA copy: the release's raw/ and tokenized/ into a folder.
            if len(rest) != 1:
                raise TrainerError("bad_arguments", "usage: python -m cola_trainer fetch-cola DIR")
            from .data import fetch_release
            fetch_release(Path(rest[0]))
            return 0
        if command == "word-forms":
            from .word_forms import main as word_forms_main
            return word_forms_main(rest)
        if command == "warmup":
            from .warmup import main as warmup_main
            return warmup_main(rest, proto)
        if command == "quality-set":
            from .quality_set import main as quality_set_main
            return quality_set_main(rest)
        if command != "train":
            raise TrainerError("bad_arguments", f"unknown command {command!r}",
                               hint="use 'env', 'train', 'warmup', 'fetch-cola', 'word-forms' or 'quality-set'")
        rank = int(os.environ.get("RANK", "0"))
        if rank != 0:
            proto.disable()
        proto.emit("environment", **environment_event())
        from .args import parse_train_args
        if any(a in ("-h", "--help") for a in rest):
            from .args import build_parser
            build_parser().print_help()
            return 0
        args = parse_train_args(rest)
        from transformers.utils import logging as hf_logging
        hf_logging.set_verbosity_warning()
        hf_logging.disable_progress_bar()
        from .cancel import CancelFlag
        from .train import init_distributed, train
        dist = init_distributed(args.training.device)
        cancel = CancelFlag()
        cancel.install(listen_stdin=dist.main)
        try:
            return train(args, proto, cancel, dist)
        except Exception as e:
            import torch
            if isinstance(e, torch.OutOfMemoryError):
                raise TrainerError("out_of_memory", f"out of memory: {str(e).splitlines()[0]}",
                                   hint="lower --batch-size or --max-length, or use --device cpu") from e
            raise
    except TrainerError as e:
        log(f"error ({e.code}): {e.message}" + (f" — {e.hint}" if e.hint else ""))
        proto.error(e)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        proto.error(TrainerError("internal", f"{type(e).__name__}: {e}"[:2000] or "internal error",
                                 hint="see the trainer's stderr for the traceback"))
        return 1
    finally:
        if dist is not None and dist.enabled:
            import torch.distributed
            if torch.distributed.is_initialized():
                torch.distributed.destroy_process_group()
