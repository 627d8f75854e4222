"""Temperature scaling, ECE, the false-alarm threshold and the prose report on numbers with known answers."""
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
