"""The model folder (docs/architecture.md): save_pretrained + tokenizer, model.onnx (checked against PyTorch with
onnxruntime), model.int8.onnx, cola-bert.json. Written to <out>.tmp-<pid> and renamed into place when complete."""
from __future__ import annotations

import datetime as _dt
import glob
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .args import flag
from .diskspace import no_space, out_of_space, require_space
from .mlm_export import MLM_FILE, export_masked_lm
from .orphans import remove_orphan
from .protocol import TrainerError, log
from .word_forms import FILE as WORD_FORMS_FILE
from .word_forms import write_word_forms

CHECK_SENTENCES = [
    "The cat sat on the mat.",
    "Cat the mat on sat the.",
    "Who do you think that left?",
    "John seems to be happy, and Mary does too, although nobody expected either of them to be.",
]
ONNX_TOLERANCE = 1e-4


def output_names(model: torch.nn.Module) -> list[str]:
    """`logits` [batch, 2] always; the tokens head (token_head.py) adds `token_logits` [batch, sequence], its error
    score per token, which the editor reads to point at the words (attribution) without scoring variants."""
    from .token_head import TokenErrorClassifier
    return ["logits", "token_logits"] if isinstance(model, TokenErrorClassifier) else ["logits"]


class _LogitsOnly(torch.nn.Module):
    """ONNX wants positional tensors in and tensors out: the logits, and the per-token scores of a tokens head."""

    def __init__(self, model: torch.nn.Module, with_token_types: bool):
        super().__init__()
        self.model = model
        self.with_token_types = with_token_types
        self.with_token_logits = len(output_names(model)) > 1

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.with_token_types:
            kwargs["token_type_ids"] = token_type_ids
        out = self.model(**kwargs)
        return (out.logits, out.token_logits) if self.with_token_logits else out.logits


def _export_torchscript(wrapper, args, path: Path, inputs: list[str], outputs: list[str]) -> None:
    """The TorchScript exporter: ~10x faster than the torch.export-based one for BERT (2 s against 20 s on 2 CPU
    cores) and exact (the check below compares with PyTorch). torch marks it deprecated; the dynamo exporter
    is the fallback."""
    import warnings
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes["logits"] = {0: "batch"}
    if "token_logits" in outputs:
        axes["token_logits"] = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, args, str(path), input_names=inputs, output_names=outputs, opset_version=18,
                          dynamo=False, dynamic_axes=axes)


def _export_dynamo(wrapper, args, path: Path, inputs: list[str], outputs: list[str], max_positions: int) -> None:
    batch = torch.export.Dim("batch", min=1, max=4096)
    sequence = torch.export.Dim("sequence", min=1, max=max_positions)
    torch.onnx.export(wrapper, args, str(path), input_names=inputs, output_names=outputs, opset_version=18,
                      dynamo=True, dynamic_shapes={name: {0: batch, 1: sequence} for name in inputs},
                      external_data=False, verbose=False)


def export_onnx(model: torch.nn.Module, tokenizer, path: Path, inputs: list[str], max_length: int) -> float:
    """Exports fp32 ONNX with dynamic batch and sequence axes; returns the largest |logit difference|
    between onnxruntime and PyTorch on CHECK_SENTENCES (raises when above ONNX_TOLERANCE)."""
    import onnxruntime as ort

    model = model.float().eval().cpu()
    wrapper = _LogitsOnly(model, "token_type_ids" in inputs).eval()
    outputs = output_names(model)
    sample = tokenizer(CHECK_SENTENCES[:2], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    args = tuple(sample[name] if name in sample else torch.zeros_like(sample["input_ids"]) for name in inputs)
    with torch.no_grad():
        try:
            _export_torchscript(wrapper, args, path, inputs, outputs)
        except Exception as e:  # noqa: BLE001 - any failure of the old exporter: try the new one
            log(f"TorchScript ONNX exporter failed ({type(e).__name__}: {e}); trying the torch.export-based exporter")
            _export_dynamo(wrapper, args, path, inputs, outputs, int(getattr(model.config, "max_position_embeddings", 512) or 512))
    wrapper.eval()  # the exporter restores the wrapper's training flag; keep dropout off for the check
    check = tokenizer(CHECK_SENTENCES, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    feed = {name: (check[name] if name in check else torch.zeros_like(check["input_ids"])) for name in inputs}
    with torch.no_grad():
        reference = wrapper(*feed.values())
    reference = [t.numpy() for t in (reference if isinstance(reference, tuple) else (reference,))]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    if [o.name for o in session.get_outputs()] != outputs:
        raise TrainerError("export_failed", f"model.onnx has outputs {[o.name for o in session.get_outputs()]}, expected {outputs}")
    got = session.run(outputs, {k: v.numpy().astype(np.int64) for k, v in feed.items()})
    diff = max(float(np.max(np.abs(g - r))) for g, r in zip(got, reference, strict=True))
    if not diff <= ONNX_TOLERANCE:
        raise TrainerError("export_failed", f"model.onnx disagrees with PyTorch: max |logit difference| {diff:.3g} > {ONNX_TOLERANCE}")
    return diff


# The feed-forward output projections read GELU outputs, whose outliers make 8-bit activations coarse; on
# all-MiniLM-L6-v2 fine-tunes keeping them fp32 (and quantizing the rest per channel, in 7 bits so that AVX2's
# u8*s8 pairs cannot saturate int16) took int8/fp32 label agreement on out_of_domain_dev from 96.3% to
# 98.4-99.0% and halved |ΔP(acceptable)| (docs/benchmarks.md).
FP32_MATMUL_PATTERNS = ("/output/dense/", "/ffn/lin2/", "/mlp/fc2/")


def fp32_matmuls(source: Path) -> list[str]:
    import onnx
    graph = onnx.load(str(source), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm") and "attention" not in n.name
            and any(p in n.name for p in FP32_MATMUL_PATTERNS)]


def quantize_int8(source: Path, target: Path) -> dict[str, Any]:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    keep = fp32_matmuls(source)
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                     nodes_to_exclude=keep)
    return {"method": "onnxruntime dynamic", "weight_type": "int8", "per_channel": True, "reduce_range": True,
            "fp32_matmuls": len(keep)}


def onnx_logits(path: Path, tokenizer, sentences: list[str], inputs: list[str], max_length: int) -> np.ndarray:
    """Logits of one ONNX file, one sentence per run. Dynamic int8 quantization scales each activation tensor by
    its own range, so a batched sentence's score depends on its batch neighbours and their padding; alone, a
    sentence gets the score the editor gives it when it is checked by itself (a re-check after an edit), and
    `cola-bert eval --batch-size 1` reproduces it. One intra-op thread, like each inference worker."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    out = np.zeros((len(sentences), 2), dtype=np.float32)
    for i, sentence in enumerate(sentences):
        ids = np.asarray([tokenizer(sentence, truncation=True, max_length=max_length)["input_ids"]], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        out[i] = session.run(["logits"], {name: feed[name] for name in inputs})[0][0]
    return out


def file_holdout(logits: np.ndarray, labels: np.ndarray, temperature: float, threshold: float, bias: float = 0.0,
                 knots: dict[str, Any] | None = None) -> dict[str, Any]:
    """The holdout as the editor scores it with this file: acceptable when the calibrated P(acceptable)
    (calibration.p_acceptable) > threshold, the rule of `cola-bert eval`; "argmax" is the trainer's own rule, to
    set beside its PyTorch numbers."""
    from .calibration import p_acceptable
    from .metrics import confusion, mcc_from_confusion

    preds = (p_acceptable(logits, temperature, bias, knots) > threshold).astype(np.int64)
    c = confusion(labels, preds)
    argmax = confusion(labels, logits.argmax(-1))
    return {"n": int(len(labels)), "mcc": mcc_from_confusion(c), "accuracy": float(np.mean(preds == labels)) if len(labels) else 0.0,
            "confusion": c, "threshold": threshold, "temperature": temperature, "bias": bias, "batch_size": 1,
            "argmax": {"mcc": mcc_from_confusion(argmax), "confusion": argmax}}


def measure_holdout_by_file(folder: Path, files: list[str], tokenizer, holdout: list[tuple[str, int]], inputs: list[str],
                            max_length: int, calibration: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Each exported ONNX file scored on the holdout by itself, so what the editor shows is the MCC of the file it
    runs, not PyTorch's (bf16 training and int8 both move it)."""
    from .calibration import DEFAULT_THRESHOLD, parameters

    scaling = parameters(calibration)
    threshold = float(calibration["threshold"]) if calibration else DEFAULT_THRESHOLD
    sentences = [s for s, _ in holdout]
    labels = np.asarray([label for _, label in holdout], dtype=np.int64)
    return {name: file_holdout(onnx_logits(folder / name, tokenizer, sentences, inputs, max_length), labels,
                               scaling["temperature"], threshold, scaling["bias"], scaling.get("knots"))
            for name in files}


MODEL_MARKER = "cola-bert.json"


def check_replaceable(final: Path, marker: str, what: str) -> None:
    """Refuse to replace anything but nothing, an empty folder, or a folder this trainer wrote (it holds
    `marker`): `--output-dir .` or a typo must never delete a user's files."""
    if not final.exists():
        return
    if not final.is_dir():
        raise TrainerError("bad_arguments", f"{final} exists and is a file, not a {what}; it will not be replaced",
                           hint="choose another --output-dir")
    if (final / marker).is_file() or not any(final.iterdir()):
        return
    raise TrainerError("bad_arguments", f"{final} exists and is not a {what} (no {marker} in it); writing there would "
                       "replace the folder and everything in it", hint="choose a new --output-dir, or empty that folder first")


def check_writable(final: Path) -> None:
    """Fail before training, not after it, when the folder that will hold `final` cannot be written."""
    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{final.name}.probe-", dir=parent))
    except OSError as e:
        raise TrainerError("bad_arguments", f"cannot write the output next to {final}: {e.strerror or e}",
                           hint="choose an --output-dir in a folder you can write to") from e


def remove_stale_temporaries(final: Path) -> None:
    """`<final>.tmp-<pid>` and `<final>.checkpoint.tmp-<pid>` folders of processes that no longer run: what a
    killed export or checkpoint write left behind (a live process's folder is left alone)."""
    for path in final.parent.glob(f"{glob.escape(final.name)}*.tmp-*"):
        stem, _, pid = path.name.rpartition(".tmp-")
        if stem in (final.name, f"{final.name}.checkpoint"):
            remove_orphan(path, pid, "an interrupted run")


def replace_dir(tmp: Path, final: Path, marker: str = MODEL_MARKER, what: str = "cola-bert model folder") -> None:
    """Move a finished folder into place; an older folder of the same name (one we wrote) is swapped out first."""
    check_replaceable(final, marker, what)
    old = None
    if final.exists():
        old = final.with_name(f"{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_bytes(model: torch.nn.Module, int8: bool) -> int:
    """About what the model folder takes: the weights as safetensors and as fp32 ONNX, a quarter of that again
    for the int8 file, and a few MB of tokenizer files."""
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    return int(weights * (2.3 if int8 else 2.05)) + (8 << 20)


def export_model_folder(model: torch.nn.Module, tokenizer, out: Path, inputs: list[str], metadata: dict[str, Any],
                        int8: bool, holdout: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """`holdout` (sentence, label) pairs: each ONNX file is scored on them and the result is stored per file
    ("holdout_by_file"), at the temperature and threshold of metadata["calibration"] when there is one."""
    started = time.monotonic()
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    needed = export_bytes(model, int8)
    hint = f"free some space there, or choose an {flag('output_dir')} on another disk"
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        require_space(out.parent, needed, "export the model", hint)
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if not (tmp / "tokenizer.json").is_file():
            raise TrainerError("export_failed", "the tokenizer did not write tokenizer.json (is it a fast tokenizer?)")
        log("exporting model.onnx")
        diff = export_onnx(model, tokenizer, tmp / "model.onnx", inputs, metadata["max_length"])
        log(f"model.onnx matches PyTorch: max |logit difference| {diff:.2e}")
        onnx_int8, quantization = None, None
        if int8:
            try:
                quantization = quantize_int8(tmp / "model.onnx", tmp / "model.int8.onnx")
                onnx_int8 = "model.int8.onnx"
            except Exception as e:  # the fp32 model is still usable, unless the disk is full
                if out_of_space(e):
                    raise
                log(f"WARNING: int8 quantization failed, exporting without model.int8.onnx: {e}")
        mlm = None
        if metadata.get("model_resolved"):
            try:
                mlm = export_masked_lm(str(metadata["model_resolved"]), tokenizer, tmp, inputs, metadata["max_length"])
            except Exception as e:  # suggestions work without MLM candidates, unless the disk is full
                if out_of_space(e):
                    raise
                log(f"WARNING: exporting the masked-LM head failed, the folder has no {MLM_FILE}: {type(e).__name__}: {e}")
        word_forms = None
        try:
            word_forms = write_word_forms(tmp)
        except Exception as e:  # suggestions work without inflection candidates, unless the disk is full
            if out_of_space(e):
                raise
            log(f"WARNING: writing the word forms failed, the folder has no {WORD_FORMS_FILE}: {type(e).__name__}: {e}")
        holdout_by_file = None
        if holdout:
            started_holdout = time.monotonic()
            holdout_by_file = measure_holdout_by_file(tmp, [n for n in ("model.onnx", onnx_int8) if n], tokenizer, holdout, inputs,
                                                      metadata["max_length"], metadata.get("calibration"))
            log("holdout MCC per ONNX file, one sentence per run: " + ", ".join(
                f"{name} {m['mcc']:.4f} (argmax {m['argmax']['mcc']:.4f})" for name, m in holdout_by_file.items())
                + f" [{time.monotonic() - started_holdout:.1f} s]")
        meta = {"format": 1, **metadata, "onnx": "model.onnx", "onnx_int8": onnx_int8, "int8_quantization": quantization,
                "inputs": inputs, "holdout_by_file": holdout_by_file, "mlm": mlm, "word_forms": word_forms,
                "onnx_max_abs_diff": diff,
                "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        order = ["format", "base_model", "model_resolved", "labels", "max_length", "onnx", "onnx_int8", "int8_quantization", "inputs",
                 "hyperparameters", "best_epoch", "metrics", "holdout_by_file", "device", "device_name", "precision", "training_seconds",
                 "versions", "created"]
        meta = {**{k: meta[k] for k in order if k in meta}, **{k: v for k, v in meta.items() if k not in order}}
        (tmp / "cola-bert.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        files = sorted(p.name for p in tmp.iterdir())
        umask = os.umask(0)
        os.umask(umask)
        for name in files:  # safetensors writes 0600; the folder is meant to be shared like any other output
            os.chmod(tmp / name, 0o666 & ~umask)
        replace_dir(tmp, out)
    except TrainerError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if out_of_space(e):
            raise no_space(out.parent, needed, "export the model", hint) from e
        raise TrainerError("export_failed", f"export to {out} failed: {type(e).__name__}: {e}") from e
    return {"path": str(out), "onnx": "model.onnx", "onnx_int8": onnx_int8, "files": files,
            "holdout_by_file": holdout_by_file, "seconds": time.monotonic() - started}
