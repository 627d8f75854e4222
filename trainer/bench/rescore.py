"""Re-runs a model folder's calibration and prose report with the trainer's current rules, without training.

    python trainer/bench/rescore.py FOLDER [FOLDER...] [--precision bf16|fp32]

Prints, per folder, the calibration fitted on the prose calibration set (validation documents) and the
detection numbers on that same set at the chosen threshold: the number to choose recipes by (the test
documents are reported by the trainer and bench:quality, and are not for choosing). With --test it also
prints the test documents' report."""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cola_trainer import batching  # noqa: E402
from cola_trainer import calibration as cal  # noqa: E402
from cola_trainer.args import DataArguments  # noqa: E402
from cola_trainer.models import ModelChoice, load_model_and_tokenizer  # noqa: E402
from cola_trainer.quality import calibrate, load_prose  # noqa: E402
from cola_trainer.train import encode, evaluate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--precision", default="bf16", choices=("bf16", "fp32"))
    ap.add_argument("--test", action="store_true")
    ap.add_argument("--save", metavar="NPZ", help="also write the calibration set's logits and labels (one file per folder: NPZ.<i>.npz)")
    a = ap.parse_args()
    prose = load_prose(DataArguments(data_mix="cola+prose", prose_ratio=0.01), 100, 42)
    for folder in a.folders:
        head = "tokens" if (Path(folder) / "token_head.safetensors").is_file() else "sentence"
        model, tok = load_model_and_tokenizer(ModelChoice(folder, folder, folder, True), head)
        if head == "tokens":
            model.load_head(folder)
        model.eval()
        inputs = "token_type_ids" in tok("a")
        collate = batching.Collator(tok.pad_token_id or 0, inputs)
        with contextlib.redirect_stdout(sys.stderr):
            enc = encode(tok, prose.calibration.examples, 128)
            logits = evaluate(model, enc, collate, torch.device("cpu"), a.precision)["logits"]
        if a.save:
            np.savez(f"{a.save}.{a.folders.index(folder)}.npz", logits=logits,
                     labels=np.array([e.label for e in prose.calibration.examples]), types=np.array(prose.calibration.error_types),
                     sources=np.array(prose.calibration.sources))
        c = calibrate(prose, [], np.zeros((0, 2)), logits)
        p = cal.p_acceptable(logits, **cal.parameters(c))
        labels = np.array([e.label for e in prose.calibration.examples])
        rep = cal.prose_report(p, labels, prose.calibration.error_types, prose.calibration.sources, c["threshold"])
        print(f"{folder}: T {c['temperature']:.3f} b {c['bias']:+.3f} threshold {c['threshold']:.3f}; calibration set: "
              f"clean flagged {rep['clean_flagged']:.1%}, caught {rep['corrupted_flagged']:.1%}, MCC {rep['mcc']:.4f}, "
              f"ECE {rep['ece']:.4f}; " + ", ".join(f"{t} {m['mcc']:.2f}" for t, m in rep["per_type"].items()))
        if a.test:
            enc = encode(tok, prose.test.examples, 128)
            tl = evaluate(model, enc, collate, torch.device("cpu"), a.precision)["logits"]
            pt = cal.p_acceptable(tl, **cal.parameters(c))
            rt = cal.prose_report(pt, np.array([e.label for e in prose.test.examples]), prose.test.error_types,
                                  prose.test.sources, c["threshold"])
            print(f"  test: clean flagged {rt['clean_flagged']:.1%}, caught {rt['corrupted_flagged']:.1%}, "
                  f"MCC {rt['mcc']:.4f}, ECE {rt['ece']:.4f}")


if __name__ == "__main__":
    main()
