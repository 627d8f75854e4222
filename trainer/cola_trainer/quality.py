"""The run's quality stage on real prose, next to CoLA: which prose rows a run trains and is measured on,
per-epoch prose validation, and after training the calibration (temperature, bias, threshold) and the held-out
report that go into the `quality` event and cola-bert.json."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import calibration as cal
from .args import DataArguments
from .corrupt import parse_type_weights
from .data import Example
from .prose_corpus import CORPUS_PATH, load
from .prose_data import ProseSet, held_out_pairs, training_pairs
from .protocol import log

MIXES_WITH_PROSE = ("cola+prose",)
# With prose in the mix, whichever of these has the lower cross-fitted held-out ECE on the calibration sentences
# (calibration.choose). Affine (Platt) scaling: on the tokens head the miscalibration is an offset that temperature
# scaling cannot remove (all-mpnet-base-v2, both fitted on the sentences below: prose test ECE 0.100 with a
# temperature, 0.030 affine). Isotonic: a recipe whose reliability no sigmoid follows (held-out ECE 0.093 affine,
# 0.027 isotonic; docs/trainer.md, "Calibration").
CALIBRATION_CANDIDATES = ("affine", "isotonic")
# Clean sentences of the prose validation documents (each also corrupted once) that the calibration is fitted
# on, scored once after training. More than --prose-val (500, scored every epoch), whose even split between the
# sources makes it half Open Source Guides: fitted there, the prose test ECE was 0.057 and 0.045 for the two
# measured models, fitted on these 2,000 0.027 and 0.030.
CALIBRATION_PROSE = 2000


@dataclass
class ProseData:
    train: ProseSet          # empty unless the mix has prose
    validation: ProseSet
    test: ProseSet
    sha256: str
    calibration: ProseSet    # validation documents, CALIBRATION_PROSE clean sentences; empty unless the mix has prose

    @property
    def in_mix(self) -> bool:
        return bool(self.train.examples)


def load_prose(data: DataArguments, cola_train_rows: int, seed: int) -> ProseData:
    corpus = load(CORPUS_PATH)
    sha = hashlib.sha256(CORPUS_PATH.read_bytes()).hexdigest()
    train = ProseSet([], [], [])
    if data.data_mix in MIXES_WITH_PROSE:
        weights = parse_type_weights(data.corruption_weights) if data.corruption_weights else None
        train = training_pairs(corpus, int(round(data.prose_ratio * cola_train_rows)), seed, weights)
    # --max-eval (quick runs and tests) caps the held-out prose like CoLA's validation and holdout.
    def cap(n):
        return (n if data.max_eval is None else min(n, data.max_eval))
    calibration = ProseSet([], [], [])
    if data.data_mix in MIXES_WITH_PROSE:
        calibration = held_out_pairs(corpus, "validation", cap(CALIBRATION_PROSE))
    prose = ProseData(train, held_out_pairs(corpus, "validation", cap(data.prose_val)),
                      held_out_pairs(corpus, "test", cap(data.prose_test)), sha, calibration)
    log(f"prose ({CORPUS_PATH.name}): training {len(prose.train)} rows (clean and corrupted pairs), validation {len(prose.validation)}, "
        f"calibration {len(prose.calibration)}, test {len(prose.test)}; split by document")
    return prose


def prose_epoch_fields(prose_val: ProseSet, logits: np.ndarray) -> dict[str, float]:
    """What the per-epoch `evaluation` event adds: detection MCC and false alarms at the untuned 0.5."""
    labels = np.array([e.label for e in prose_val.examples])
    p = cal.p_acceptable(logits)
    m = cal.flag_metrics(p, labels, cal.DEFAULT_THRESHOLD)
    return {"prose_val_mcc": m["mcc"], "prose_val_clean_flagged": float((p[labels == 1] < cal.DEFAULT_THRESHOLD).mean())}


def selection_score(cola_mcc: float, prose_mcc: float | None) -> float:
    """Which epoch is exported: CoLA validation MCC alone, or with prose in the mix its mean with the prose
    validation MCC, so neither domain is traded away for the other."""
    return cola_mcc if prose_mcc is None else (cola_mcc + prose_mcc) / 2


def _labels(examples: list[Example]) -> np.ndarray:
    return np.array([e.label for e in examples], dtype=np.int64)


def calibrate(prose: ProseData, cola_val: list[Example], cola_val_logits: np.ndarray, prose_cal_logits: np.ndarray,
              method: str | None = None) -> dict[str, Any]:
    """`method` (calibration.METHODS) fitted on validation logits: with prose in the mix, unless `method` is given,
    the one of CALIBRATION_CANDIDATES with the lower cross-fitted held-out ECE on the prose calibration sentences
    (validation documents; the editor judges prose, and CoLA's textbook sentences want another offset), refitted on
    all of them, with every candidate's held-out numbers in "cross_fitted"; and the threshold that flags at most
    MAX_FALSE_ALARM of their clean sentences (a strictly increasing calibration flags the same sentences as the raw
    scores at the matching cut, so the method changes P, never which sentences are flagged). With CoLA alone:
    temperature scaling on CoLA validation and 0.5, so P >= 0.5 stays the model's argmax, the chapter's rule (no
    prose was learned, so a threshold tuned to prose would only trade CoLA's errors for fewer prose flags,
    and a bias would move the argmax)."""
    chosen: dict[str, Any] = {}
    if prose.in_mix:
        logits, labels = prose_cal_logits, _labels(prose.calibration.examples)
        fitted_on = f"prose validation documents ({len(prose.calibration)} sentences, clean and corrupted)"
        if method is None:
            method, held_out = cal.choose(CALIBRATION_CANDIDATES, logits, labels)
            chosen = {"cross_fitted": held_out}
            log("calibration, cross-fitted on halves of the calibration pairs: " + "; ".join(
                f"{m} held-out ECE {h['ece']:.4f}, NLL {h['nll']:.4f}" for m, h in held_out.items()) + f"; chosen: {method}")
    else:
        method = method or "temperature"
        logits, labels = cola_val_logits, _labels(cola_val)
        fitted_on = f"CoLA validation ({len(cola_val)} sentences)"
    scaling = cal.fit(method, logits, labels)
    threshold = cal.DEFAULT_THRESHOLD
    if prose.in_mix:
        # On the calibration set's clean sentences, not the per-epoch 500: a 2% quantile of 500 is 10 sentences, and
        # a threshold chosen on so few let 4.6% of the test documents' clean sentences be flagged (docs/trainer.md).
        p_clean = cal.p_acceptable(logits, **scaling)[labels == 1]
        threshold = cal.false_alarm_threshold(p_clean, cal.MAX_FALSE_ALARM)
        fitted_on += f"; threshold: at most {cal.MAX_FALSE_ALARM:.0%} of its {len(p_clean)} clean sentences flagged"
    else:
        fitted_on += "; threshold: 0.5 (CoLA only: no prose in the training mix)"
    return {**scaling, **chosen, "threshold": threshold, "method": method, "fitted_on": fitted_on, "max_false_alarm": cal.MAX_FALSE_ALARM,
            "ece_before": cal.ece(cal.p_acceptable(logits), labels), "ece_after": cal.ece(cal.p_acceptable(logits, **scaling), labels)}


def report(prose: ProseData, calibration: dict[str, Any], prose_test_logits: np.ndarray, holdout: list[Example],
           holdout_logits: np.ndarray, data_mix: str) -> dict[str, Any]:
    """Held-out quality with the calibrated P and the chosen threshold: the prose test documents and CoLA's
    out_of_domain_dev."""
    scaling, thr = cal.parameters(calibration), calibration["threshold"]
    p_test = cal.p_acceptable(prose_test_logits, **scaling)
    test = prose.test
    prose_report = cal.prose_report(p_test, _labels(test.examples), test.error_types, test.sources, thr)
    prose_report["ece_uncalibrated"] = cal.ece(cal.p_acceptable(prose_test_logits), _labels(test.examples))
    hold_labels = _labels(holdout)
    p_hold = cal.p_acceptable(holdout_logits, **scaling)
    m = cal.flag_metrics(p_hold, hold_labels, thr)
    cola = {"n": int(len(hold_labels)), "mcc": m["mcc"], "accuracy": m["accuracy"], "confusion": m["confusion"],
            "ece": cal.ece(p_hold, hold_labels), "mcc_at_0_5": cal.flag_metrics(p_hold, hold_labels, 0.5)["mcc"],
            "reliability": cal.reliability(p_hold, hold_labels)}
    return {"data_mix": data_mix, "threshold": thr, "temperature": scaling["temperature"], "prose_corpus_sha256": prose.sha256,
            "prose_test": prose_report, "cola_holdout": cola}
