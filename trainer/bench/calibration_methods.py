"""Which calibration makes P(acceptable) honest on held-out prose: methods fitted on a saved model folder's
validation logits and measured on its test logits, without retraining.

The folder is scored once in PyTorch (fp32, the trainer's post-training path) on the sets the trainer uses:
CoLA validation (the seeded split of its hyperparameters), prose validation (the per-epoch set, --prose-val),
the prose calibration set (quality.CALIBRATION_PROSE clean sentences of the validation documents) and prose
test (fixed-seed held-out documents; sizes from cola-bert.json's "data"), CoLA holdout. The logits are cached
in --logits (an .npz, written temp then rename), so methods can be compared again in a second. Each method is
fitted on validation sentences and its flagging threshold chosen on the clean sentences of the per-epoch prose
validation (at most 3% flagged, as the trainer does), then measured on the prose test documents and the CoLA
holdout.
docs/trainer.md ("Calibration") holds a run.

    PYTHONPATH=trainer .venv/bin/python trainer/bench/calibration_methods.py --model DIR [--logits FILE.npz] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

TRAINER = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINER))

from cola_trainer import calibration as cal  # noqa: E402

SETS = ("cola_validation", "prose_validation", "prose_calibration", "prose_test", "cola_holdout")
# (method, CoLA validation in the fit?, which prose validation set): the trainer before (temperature on the
# per-epoch set, what the saved folders hold) and the variants measured against it; the last is the trainer now.
VARIANTS = (("none", False, "prose_validation"), ("temperature", True, "prose_validation"),
            ("temperature", False, "prose_validation"), ("affine", True, "prose_validation"),
            ("affine", False, "prose_validation"), ("temperature", True, "prose_calibration"),
            ("temperature", False, "prose_calibration"), ("affine", True, "prose_calibration"),
            ("affine", False, "prose_calibration"))


def score(folder: Path, data_dir: str | None) -> dict[str, np.ndarray]:
    """Logits and labels of the four sets, and the prose test's error types."""
    import torch

    from cola_trainer import batching
    from cola_trainer.args import DataArguments
    from cola_trainer.data import load_cola, resolve_data_dir
    from cola_trainer.models import ModelChoice, load_model_and_tokenizer
    from cola_trainer.quality import CALIBRATION_PROSE, load_prose
    from cola_trainer.train import EXPORTED_PRECISION, _model_inputs, encode, evaluate

    meta = json.loads((folder / "cola-bert.json").read_text(encoding="utf-8"))
    hp, data = meta["hyperparameters"], meta.get("data") or {}
    cola = load_cola(resolve_data_dir(data_dir or data.get("folder")), hp["validation_fraction"], hp["seed"], None, None)
    # data_mix cola+prose only makes load_prose draw the calibration set (training pairs are not scored here).
    prose = load_prose(DataArguments(data_mix="cola+prose", prose_ratio=1e-9, prose_val=int(data.get("prose_validation", 1000)) // 2,
                                     prose_test=int(data.get("prose_test", 2000)) // 2), len(cola.train), hp["seed"])
    print(f"calibration set: {len(prose.calibration)} rows ({CALIBRATION_PROSE} clean)", file=sys.stderr)
    path = str(folder)
    model, tokenizer = load_model_and_tokenizer(ModelChoice(path, path, path, True), meta.get("head", "sentence"))
    model.eval()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    collate = batching.Collator(pad, "token_type_ids" in _model_inputs(model, tokenizer))
    rows = {"cola_validation": cola.validation, "prose_validation": prose.validation.examples,
            "prose_calibration": prose.calibration.examples, "prose_test": prose.test.examples, "cola_holdout": cola.holdout}
    out: dict[str, np.ndarray] = {"prose_test_types": np.array(prose.test.error_types),
                                  "prose_test_sources": np.array(prose.test.sources),
                                  "prose_validation_types": np.array(prose.validation.error_types)}
    device = torch.device("cpu")
    for name in SETS:
        enc = encode(tokenizer, rows[name], hp["max_length"])
        out[f"{name}_logits"] = evaluate(model, enc, collate, device, EXPORTED_PRECISION)["logits"]
        out[f"{name}_labels"] = enc.labels
        print(f"scored {name}: {len(enc.labels)} sentences", file=sys.stderr)
    return out


def load_or_score(folder: Path, cache: Path | None, data_dir: str | None) -> dict[str, np.ndarray]:
    if cache is not None and cache.is_file():
        with np.load(cache) as z:
            return {k: z[k] for k in z.files}
    arrays = score(folder, data_dir)
    if cache is not None:
        tmp = cache.with_name(f"{cache.stem}.tmp-{os.getpid()}.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, cache)
    return arrays


def measure(arrays: dict[str, np.ndarray], method: str, with_cola: bool, prose_set: str) -> dict[str, object]:
    """Fit `method` on `prose_set` (and CoLA validation), choose the threshold as the trainer does, measure on test."""
    val = (["cola_validation"] if with_cola else []) + [prose_set]
    logits = np.concatenate([arrays[f"{s}_logits"] for s in val])
    labels = np.concatenate([arrays[f"{s}_labels"] for s in val])
    params = cal.fit(method, logits, labels)
    p_prose_val = cal.p_acceptable(arrays["prose_validation_logits"], **params)
    threshold = cal.false_alarm_threshold(p_prose_val[arrays["prose_validation_labels"] == 1])
    p_fit = cal.p_acceptable(arrays[f"{prose_set}_logits"], **params)
    fitted_on = ("CoLA val + " if with_cola else "") + f"{prose_set.replace('_', ' ')} ({len(arrays[f'{prose_set}_labels'])})"
    row: dict[str, object] = {"method": method, "fitted_on": fitted_on, **params, "threshold": threshold,
                              "ece_prose_fit": cal.ece(p_fit, arrays[f"{prose_set}_labels"])}
    for name in ("prose_test", "cola_holdout"):
        p = cal.p_acceptable(arrays[f"{name}_logits"], **params)
        y = arrays[f"{name}_labels"]
        m = cal.flag_metrics(p, y, threshold)
        row[name] = {"ece": cal.ece(p, y), "mcc": m["mcc"], "clean_flagged": float((p[y == 1] < threshold).mean()),
                     "nll": cal.nll_of_p(p, y)}
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="an exported cola-bert model folder")
    p.add_argument("--logits", help="cache of the folder's logits (.npz): read when present, else written")
    p.add_argument("--data-dir", help="CoLA's raw/ folder (default: the one in cola-bert.json, then the trainer's search)")
    p.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    a = p.parse_args()
    arrays = load_or_score(Path(a.model), Path(a.logits) if a.logits else None, a.data_dir)
    rows = [measure(arrays, *v) for v in VARIANTS]
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    print("| method | fitted on | T | bias | ECE on the prose it was fitted on | prose test ECE | prose test NLL "
          "| clean flagged | detection MCC | CoLA holdout ECE | CoLA MCC |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        pt, ch = r["prose_test"], r["cola_holdout"]
        fitted = "—" if r["method"] == "none" else r["fitted_on"]
        print(f"| {r['method']} | {fitted} | {r['temperature']:.3f} | {r['bias']:+.3f} | {r['ece_prose_fit']:.4f} | "
              f"**{pt['ece']:.4f}** | {pt['nll']:.4f} | {pt['clean_flagged']:.1%} | {pt['mcc']:.4f} | {ch['ece']:.4f} | {ch['mcc']:.4f} |")


if __name__ == "__main__":
    main()
