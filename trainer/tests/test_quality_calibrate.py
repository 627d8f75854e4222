"""quality.calibrate: which validation logits the calibration and the threshold are fitted on."""
import numpy as np
import pytest

from cola_trainer import calibration as cal
from cola_trainer.data import Example
from cola_trainer.prose_data import ProseSet
from cola_trainer.quality import ProseData, calibrate


def _set(labels: np.ndarray) -> ProseSet:
    return ProseSet([Example("t", int(y), f"s{i}", i) for i, y in enumerate(labels)], ["clean"] * len(labels), ["peps"] * len(labels))


def _shifted(n: int, offset: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose log-odds of acceptable are the truth's minus `offset`: an offset temperature cannot remove."""
    rng = np.random.Generator(np.random.PCG64(seed))
    margin = rng.normal(1.0, 2.0, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-margin))).astype(int)
    return np.stack([np.zeros(n), margin - offset], axis=1), labels


def test_with_prose_affine_and_the_threshold_are_fitted_on_the_calibration_sentences():
    cal_logits, cal_labels = _shifted(4000, 2.0, 1)
    val_logits, val_labels = _shifted(1000, 2.0, 2)
    cola_logits, cola_labels = _shifted(800, -3.0, 3)  # CoLA wants the opposite offset: it must not pull the fit
    prose = ProseData(train=_set(np.array([1, 0])), validation=_set(val_labels), test=_set(np.array([1, 0])), sha256="x",
                      calibration=_set(cal_labels))
    cola_val = _set(cola_labels).examples
    c = calibrate(prose, cola_val, cola_logits, cal_logits)
    assert c["method"] == "affine"
    assert c["bias"] == pytest.approx(2.0, abs=0.15) and c["temperature"] == pytest.approx(1.0, rel=0.1)
    assert "prose validation documents (4000 sentences" in c["fitted_on"] and "CoLA" not in c["fitted_on"]
    assert c["ece_after"] < 0.02 < c["ece_before"]
    # The threshold flags at most 2% of the calibration set's clean sentences (the larger set) under the fitted P.
    assert cal.MAX_FALSE_ALARM == 0.02 and "2% of its 2" in c["fitted_on"]
    p_cal = cal.p_acceptable(cal_logits, c["temperature"], c["bias"])
    assert np.mean(p_cal[cal_labels == 1] < c["threshold"]) <= 0.02 < np.mean(p_cal[cal_labels == 1] <= c["threshold"])
    p_val = cal.p_acceptable(val_logits, c["temperature"], c["bias"])
    # Temperature scaling of the same logits flags the same sentences: the method moves P, not the flags.
    t = calibrate(prose, cola_val, cola_logits, cal_logits, method="temperature")
    assert t["bias"] == 0.0
    p_t = cal.p_acceptable(val_logits, t["temperature"])
    assert np.array_equal(p_t < t["threshold"], p_val < c["threshold"])


def test_without_prose_in_the_mix_it_fits_a_temperature_on_cola_validation_and_keeps_the_argmax():
    cola_logits, cola_labels = _shifted(800, -1.0, 4)
    val_logits, val_labels = _shifted(200, 2.0, 5)
    empty = ProseSet([], [], [])
    prose = ProseData(train=empty, validation=_set(val_labels), test=_set(np.array([1, 0])), sha256="x", calibration=empty)
    c = calibrate(prose, _set(cola_labels).examples, cola_logits, np.zeros((0, 2)))
    assert c["threshold"] == 0.5 and c["fitted_on"].startswith("CoLA validation (800 sentences)")
    # Temperature scaling only: P >= 0.5 exactly where the model's argmax says acceptable.
    assert c["method"] == "temperature" and c["bias"] == 0.0
    p = cal.p_acceptable(cola_logits, c["temperature"], c["bias"])
    assert np.array_equal(p >= 0.5, cola_logits.argmax(1) == 1)
