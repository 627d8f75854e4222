"""How recipes are chosen: errors caught at matched false alarms on the validation documents, scored the way the
editor scores them (an exported ONNX file, one sentence per run).

    python trainer/bench/catch_at_fa.py FOLDER[:FILE] [FOLDER[:FILE] ...] [--split validation] [--limit 1000]
                                         [--rates 1,2,3] [--json OUT]

FILE defaults to model.int8.onnx, the file the editor loads. For each rate N % the threshold is set so that
exactly N % of the clean sentences are flagged, and the share of injected errors caught (and the MCC) is read
there: a model's ranking at the editor's operating point (2 %), free of how well a threshold carries over from
the calibration documents. Also prints the share of clean/corrupted pairs whose clean member scores as more
acceptable, and what each error type loses at 2 %. The sentences are `python -m cola_trainer quality-set`'s:
the same documents and corruptions as the trainer's report and `npm run bench:quality`. Choose on
`--split validation`; the test documents are for reporting a choice, not for making one (docs/trainer.md)."""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cola_trainer.export import onnx_logits  # noqa: E402
from cola_trainer.metrics import caught_at_false_alarms  # noqa: E402
from cola_trainer.prose_data import CLEAN  # noqa: E402
from cola_trainer.quality_set import DEFAULT_LIMIT, rows  # noqa: E402

OPERATING_RATE = 0.02  # the threshold the trainer chooses flags 2 % of clean calibration sentences


def score_folder(spec: str, texts: list[str]) -> np.ndarray:
    """Error scores (higher = more likely unacceptable) of one model file, one sentence per run."""
    from transformers import PreTrainedTokenizerFast

    folder, _, name = spec.partition(":")
    meta = json.loads((Path(folder) / "cola-bert.json").read_text(encoding="utf-8"))
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(Path(folder) / "tokenizer.json"))
    logits = onnx_logits(Path(folder) / (name or "model.int8.onnx"), tokenizer, texts, meta["inputs"], meta["max_length"])
    return logits[:, 0] - logits[:, 1]  # column 1 is "acceptable" for both heads


def report(scores: np.ndarray, sentences: list[dict], rates: list[float]) -> dict:
    acceptable = np.array([r["label"] == 1 for r in sentences])
    types = np.array([r["error_type"] for r in sentences])
    at = {f"{rate:.0%}": caught_at_false_alarms(scores, acceptable, rate) for rate in rates}
    operating = caught_at_false_alarms(scores, acceptable, OPERATING_RATE)["threshold"]
    per_type = {t: {"n": int((types == t).sum()), "caught": float(np.mean(scores[types == t] > operating))}
                for t in sorted(set(types) - {CLEAN})}
    # quality-set writes each clean sentence, then its corruption.
    clean, corrupted = scores[0::2], scores[1::2]
    pairs = float(np.mean((corrupted > clean) + 0.5 * (corrupted == clean)))
    return {"at_false_alarms": at, "per_type_at_2%": per_type, "pairs_preferred": pairs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", metavar="FOLDER[:FILE]")
    ap.add_argument("--split", choices=("validation", "test"), default="validation")
    ap.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="clean sentences (each corrupted once)")
    ap.add_argument("--rates", default="1,2,3", help="false-alarm rates in percent, comma-separated")
    ap.add_argument("--json", type=Path, help="also write the reports here")
    a = ap.parse_args()
    rates = [float(r) / 100 for r in a.rates.split(",")]
    with contextlib.redirect_stdout(sys.stderr):
        sentences = rows(a.split, a.limit)
    texts = [r["text"] for r in sentences]
    out = {}
    for spec in a.models:
        rep = out[spec] = report(score_folder(spec, texts), sentences, rates)
        at = "; ".join(f"{k}: caught {v['caught']:.1%}, MCC {v['mcc']:.3f}" for k, v in rep["at_false_alarms"].items())
        types = ", ".join(f"{t} {v['caught']:.0%} of {v['n']}" for t, v in rep["per_type_at_2%"].items())
        print(f"{spec} ({a.split}, {len(texts) // 2} pairs): {at}; pairs preferred {rep['pairs_preferred']:.1%}\n"
              f"  caught at 2 %: {types}", flush=True)
    if a.json:
        tmp = a.json.with_name(a.json.name + ".tmp")
        tmp.write_text(json.dumps({"split": a.split, "limit": a.limit, "models": out}, indent=1), encoding="utf-8")
        tmp.replace(a.json)


if __name__ == "__main__":
    main()
