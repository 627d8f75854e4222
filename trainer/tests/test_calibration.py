"""Temperature and affine scaling, ECE, the false-alarm threshold and the prose report on numbers with known answers."""
import math

import numpy as np
import pytest

from cola_trainer import calibration as cal


def test_p_acceptable_is_softmax_of_scaled_logits():
    logits = np.array([[0.0, 2.0], [1.0, -1.0], [1000.0, -1000.0]])
    expected = np.exp(logits / 2)[:, 1] / np.exp(logits / 2).sum(1)
    np.testing.assert_allclose(cal.p_acceptable(logits[:2], 2.0), expected[:2])
    with np.errstate(over="raise", invalid="raise"):  # no overflow or NaN for huge logits
        assert cal.p_acceptable(logits, 1.0)[2] == 0.0 and cal.p_acceptable(-logits, 1.0)[2] == 1.0


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.Generator(np.random.PCG64(0))
    true_margin = rng.normal(0, 2, 20000)
    labels = (rng.random(20000) < 1 / (1 + np.exp(-true_margin))).astype(int)
    # The model is overconfident by a factor 3: its logits are the true margin times 3.
    logits = np.stack([np.zeros_like(true_margin), 3 * true_margin], axis=1)
    assert cal.fit_temperature(logits, labels) == pytest.approx(3.0, rel=0.05)
    assert cal.ece(cal.p_acceptable(logits, 3.0), labels) < cal.ece(cal.p_acceptable(logits), labels) / 3


def _offset_model(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from a true log-odds m; the model's logit difference is 2m - 3: overconfident by 2 and,
    like the tokens head on clean prose, shifted towards unacceptable."""
    rng = np.random.Generator(np.random.PCG64(seed))
    true_margin = rng.normal(1.0, 1.5, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-true_margin))).astype(int)
    return np.stack([np.zeros(n), 2 * true_margin - 3.0], axis=1), labels


def test_p_acceptable_adds_the_bias_in_log_odds():
    logits = np.array([[0.0, 2.0], [1.0, -1.0]])
    d = (logits[:, 1] - logits[:, 0]) / 2.0 + 0.7
    np.testing.assert_allclose(cal.p_acceptable(logits, 2.0, 0.7), 1 / (1 + np.exp(-d)))
    np.testing.assert_allclose(cal.p_acceptable(logits, 2.0, 0.0), cal.p_acceptable(logits, 2.0))


def test_fit_affine_recovers_scale_and_offset_that_temperature_cannot():
    logits, labels = _offset_model(40000, 1)
    t, b = cal.fit_affine(logits, labels)
    # (2m - 3) / T + b = m  <=>  T = 2, b = 1.5
    assert t == pytest.approx(2.0, rel=0.05) and b == pytest.approx(1.5, abs=0.05)
    held_out, held_labels = _offset_model(40000, 2)
    temperature_only = cal.ece(cal.p_acceptable(held_out, cal.fit_temperature(logits, labels)), held_labels)
    affine = cal.ece(cal.p_acceptable(held_out, t, b), held_labels)
    assert affine < 0.01 and temperature_only > 2 * affine
    assert cal.nll(held_out, held_labels, t, b) < cal.nll(held_out, held_labels, cal.fit_temperature(logits, labels))


def test_fit_affine_keeps_the_temperature_in_range_for_a_model_worse_than_chance():
    logits, labels = _offset_model(5000, 3)
    t, b = cal.fit_affine(-logits, labels)  # scores anti-correlated with the labels: the best slope is negative
    assert t == pytest.approx(20.0) and math.isfinite(b)
    assert cal.nll(-logits, labels, t, b) <= cal.nll(-logits, labels, t, 0.0)


def test_fit_dispatches_on_the_method_and_refuses_unknown_ones():
    logits, labels = _offset_model(2000, 4)
    assert cal.fit("temperature", logits, labels) == {"temperature": cal.fit_temperature(logits, labels), "bias": 0.0}
    assert cal.fit("affine", logits, labels)["bias"] != 0.0
    assert set(cal.fit("isotonic", logits, labels)) == {"temperature", "bias", "knots"}
    with pytest.raises(ValueError, match="unknown calibration method 'beta'"):
        cal.fit("beta", logits, labels)


def test_a_stored_block_without_bias_is_temperature_scaling():
    assert cal.parameters({"temperature": 1.4, "threshold": 0.3}) == {"temperature": 1.4, "bias": 0.0}
    assert cal.parameters({"temperature": 1.4, "bias": -0.6, "threshold": 0.3}) == {"temperature": 1.4, "bias": -0.6}
    assert cal.parameters(None) == {"temperature": 1.0, "bias": 0.0}


def test_ece_of_a_perfectly_calibrated_and_an_overconfident_predictor():
    p = np.array([0.8] * 10)
    assert cal.ece(p, np.array([1] * 8 + [0] * 2)) == pytest.approx(0.0)
    assert cal.ece(p, np.array([1] * 5 + [0] * 5)) == pytest.approx(0.3)
    assert cal.ece(np.array([0.1, 0.1]), np.array([0, 0])) == pytest.approx(0.1)


def test_threshold_flags_at_most_the_allowed_share_of_clean_sentences():
    p = np.linspace(0.01, 0.99, 100)
    t = cal.false_alarm_threshold(p, 0.03)
    assert np.mean(p < t) <= 0.03 and np.mean(p <= t) > 0.03  # the largest such threshold
    assert cal.false_alarm_threshold(np.array([0.2] * 50), 0.03) == 0.2  # ties: nothing below, nothing flagged


def test_prose_report_pairs_each_type_with_its_originals():
    # Two pairs of a_an (both caught), two of swapped_words (neither caught); clean ones all pass.
    p = np.array([0.9, 0.1, 0.8, 0.2, 0.9, 0.9, 0.7, 0.6])
    labels = np.array([1, 0] * 4)
    types = ["clean", "a_an", "clean", "a_an", "clean", "swapped_words", "clean", "swapped_words"]
    sources = ["peps"] * 4 + ["opensource-guide"] * 4
    r = cal.prose_report(p, labels, types, sources, threshold=0.5)
    assert r["clean_flagged"] == 0 and r["corrupted_flagged"] == 0.5
    assert r["per_type"]["a_an"] == {"n": 2, "detected": 1.0, "mcc": 1.0}
    assert r["per_type"]["swapped_words"]["detected"] == 0.0 and r["per_type"]["swapped_words"]["mcc"] == 0.0
    assert r["per_source"]["peps"]["mcc"] == 1.0 and r["per_source"]["opensource-guide"]["n_clean"] == 2
    assert r["mcc"] == pytest.approx(1 / math.sqrt(3))


def test_reliability_bins_count_every_sentence_and_compare_mean_p_with_the_observed_rate():
    p = np.array([0.05, 0.08, 0.15, 0.55, 0.58, 0.95, 1.0])
    labels = np.array([0, 0, 1, 1, 0, 1, 1])
    bins = cal.reliability(p, labels)
    assert [(b["lo"], b["hi"], b["n"]) for b in bins] == [(0.0, 0.1, 2), (0.1, 0.2, 1), (0.5, 0.6, 2), (0.9, 1.0, 2)]
    assert sum(b["n"] for b in bins) == len(p)
    assert bins[0]["observed"] == 0.0 and bins[1]["observed"] == 1.0 and bins[2]["observed"] == 0.5
    assert math.isclose(bins[2]["mean_p"], 0.565) and math.isclose(bins[3]["mean_p"], 0.975)
    assert cal.reliability(np.array([]), np.array([])) == []
