"""The base checkpoint's masked-LM head as a second ONNX file (issue 12, section 2): suggestions add the MLM's
top words at a suspect position to the candidate edits, and the acceptability model scores them with the rest.

Fine-tuning loads AutoModelForSequenceClassification, which drops the MLM head, so the head is taken from the
base checkpoint itself, with its own (pretrained, not fine-tuned) encoder. Only a head the checkpoint really
holds is exported: a checkpoint without one (sentence-transformers' all-MiniLM-L6-v2 saves the bare encoder)
would load with a freshly initialised, random head, whose "top words" would be noise, so nothing is exported
and the feature is absent for that model folder.

The ONNX graph ends in TopK: for each position the MLM_TOP_K best token ids and their logits, [batch,
sequence, k], so a run returns a few kB instead of [batch, sequence, vocabulary] floats. It is quantized to
int8 like model.int8.onnx (the candidates it proposes are re-scored by the acceptability model anyway), and
the fp32 file is not kept: for bert-base it would add 440 MB to the folder."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .protocol import log

MLM_FILE = "mlm.int8.onnx"
MLM_TOP_K = 20
# Words the check below masks: the exported graph must rank the same top word as PyTorch at each.
CHECK_MASKED = ["The cat sat on the {mask}.", "She {mask} to the store yesterday."]


class _TopK(torch.nn.Module):
    def __init__(self, model: torch.nn.Module, with_token_types: bool, k: int):
        super().__init__()
        self.model = model
        self.with_token_types = with_token_types
        self.k = k

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.with_token_types:
            kwargs["token_type_ids"] = token_type_ids
        values, ids = torch.topk(self.model(**kwargs).logits, self.k, dim=-1)
        return values, ids


def load_masked_lm(base: str) -> torch.nn.Module | None:
    """The base checkpoint as AutoModelForMaskedLM when every weight of the head comes from the checkpoint; None
    (with the reason in the log) when it has no MLM head or cannot be loaded from local files."""
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialized" warning is what we check ourselves
    try:
        model, info = AutoModelForMaskedLM.from_pretrained(base, output_loading_info=True, local_files_only=True)
    except Exception as e:  # noqa: BLE001 - no MLM class for this architecture, no local files: no MLM candidates
        log(f"no masked-LM head exported: {base} does not load as a masked LM ({type(e).__name__}: {str(e)[:200]})")
        return None
    finally:
        hf_logging.set_verbosity(verbosity)
    fresh = list(info.get("missing_keys") or [])
    if fresh:
        log(f"no masked-LM head exported: {base} has no trained MLM head ({len(fresh)} weights would be random, e.g. {fresh[0]})")
        return None
    return model.float().eval().cpu()


def export_masked_lm(base: str, tokenizer, folder: Path, inputs: list[str], max_length: int) -> dict[str, Any] | None:
    """Writes MLM_FILE into `folder` and returns the `mlm` block of cola-bert.json, or None when the base
    checkpoint has no MLM head or the tokenizer no mask token (the folder then simply has no MLM)."""
    import onnxruntime as ort

    from .export import quantize_int8

    mask = tokenizer.mask_token
    if not mask:
        log("no masked-LM head exported: the tokenizer has no mask token")
        return None
    model = load_masked_lm(base)
    if model is None:
        return None
    k = min(MLM_TOP_K, int(model.config.vocab_size))
    wrapper = _TopK(model, "token_type_ids" in inputs, k).eval()
    check = tokenizer([s.format(mask=mask) for s in CHECK_MASKED], padding=True, truncation=True, max_length=max_length,
                      return_tensors="pt")
    feed = {name: (check[name] if name in check else torch.zeros_like(check["input_ids"])) for name in inputs}
    fp32 = folder / "mlm.onnx"
    axes = {name: {0: "batch", 1: "sequence"} for name in [*inputs, "top_logits", "top_ids"]}
    import warnings
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, tuple(feed.values()), str(fp32), input_names=inputs, output_names=["top_logits", "top_ids"],
                          opset_version=18, dynamo=False, dynamic_axes=axes)
        reference = wrapper(*feed.values())[1].numpy()
    try:
        quantize_int8(fp32, folder / MLM_FILE)
    finally:
        fp32.unlink(missing_ok=True)
    session = ort.InferenceSession(str(folder / MLM_FILE), providers=["CPUExecutionProvider"])
    got = session.run(["top_ids"], {name: v.numpy().astype(np.int64) for name, v in feed.items()})[0]
    at_mask = check["input_ids"].numpy() == tokenizer.mask_token_id
    agree = float(np.mean(got[at_mask][:, 0] == reference[at_mask][:, 0]))
    log(f"{MLM_FILE}: the masked LM of {base}, top {k} words per position; int8 and PyTorch agree on the top word at "
        f"{agree:.0%} of the check's masks")
    return {"onnx": MLM_FILE, "top_k": k, "inputs": inputs, "outputs": ["top_logits", "top_ids"], "mask_token": mask,
            "source": base, "quantization": "int8 (onnxruntime dynamic, like model.int8.onnx)", "check_top1_agreement": agree}
