"""Exports a model folder's ONNX files again with the current export code, into a copy of the folder: for a
tokens-head folder exported before model.onnx had its `token_logits` output (the bench of the "tokens"
attribution method needs it). The copy's logits must equal the old model.onnx's (the same weights), so its
cola-bert.json, holdout and calibration stay true; the folder is written to DST.tmp-<pid>, then renamed.

    python trainer/bench/reexport_onnx.py SRC DST
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from cola_trainer.export import CHECK_SENTENCES, export_onnx, onnx_logits, quantize_int8
from cola_trainer.models import ModelChoice, load_model_and_tokenizer


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    meta = json.loads((src / "cola-bert.json").read_text(encoding="utf-8"))
    head = meta.get("head", "sentence")
    tmp = dst.with_name(f"{dst.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    try:
        model, tokenizer = load_model_and_tokenizer(ModelChoice(str(src), str(src), str(src), True), head)
        inputs, max_length = meta["inputs"], meta["max_length"]
        export_onnx(model, tokenizer, tmp / "model.onnx", inputs, max_length)
        before = onnx_logits(src / "model.onnx", tokenizer, CHECK_SENTENCES, inputs, max_length)
        after = onnx_logits(tmp / "model.onnx", tokenizer, CHECK_SENTENCES, inputs, max_length)
        diff = float(np.max(np.abs(before - after)))
        if diff > 1e-4:
            raise SystemExit(f"the new model.onnx disagrees with {src / 'model.onnx'}: max |logit difference| {diff:.3g}")
        if meta.get("onnx_int8"):
            quantize_int8(tmp / "model.onnx", tmp / meta["onnx_int8"])
        shutil.rmtree(dst, ignore_errors=True)
        os.rename(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"{dst}: model.onnx logits equal the old file's (max |difference| {diff:.2e})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
