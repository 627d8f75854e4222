import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, matthews_corrcoef

from cola_trainer.metrics import accuracy, caught_at_false_alarms, confusion, mcc


@pytest.mark.parametrize("seed", range(20))
def test_mcc_matches_sklearn_on_random_labels(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    labels = rng.integers(0, 2, n)
    # Predictions correlated with labels to different degrees.
    flip = rng.random(n) < rng.random()
    preds = np.where(flip, 1 - labels, labels)
    assert mcc(labels, preds) == pytest.approx(matthews_corrcoef(labels, preds), abs=1e-12)
    assert accuracy(labels, preds) == pytest.approx(accuracy_score(labels, preds))
    tn, fp, fn, tp = confusion_matrix(labels, preds, labels=[0, 1]).ravel()
    assert confusion(labels, preds) == {"tp": tp, "tn": tn, "fp": fp, "fn": fn}


@pytest.mark.parametrize("labels,preds", [
    ([1, 1, 1, 1], [1, 1, 1, 1]),       # one class only
    ([0, 1, 0, 1], [1, 1, 1, 1]),       # constant prediction
    ([0, 1, 0, 1], [0, 1, 0, 1]),       # perfect
    ([0, 1, 0, 1], [1, 0, 1, 0]),       # perfectly wrong
])
def test_mcc_degenerate_cases_match_sklearn(labels, preds):
    assert mcc(np.array(labels), np.array(preds)) == pytest.approx(matthews_corrcoef(labels, preds), abs=1e-12)


def test_caught_at_false_alarms_reads_the_errors_above_the_clean_quantile():
    # 100 clean sentences scored 0..99, 100 corrupted ones scored 50..149: flagging 2 % of the clean ones
    # (the threshold sits at the 98th percentile, between 97 and 98) catches the corrupted ones above 97.02.
    clean = np.arange(100, dtype=float)
    corrupted = np.arange(50, 150, dtype=float)
    out = caught_at_false_alarms(np.concatenate([clean, corrupted]), np.r_[np.ones(100), np.zeros(100)], 0.02)
    assert out["clean_flagged"] == 0.02
    assert out["caught"] == 0.52
    tp, fn, fp, tn = 0.52, 0.48, 0.02, 0.98
    assert out["mcc"] == pytest.approx((tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))


def test_caught_at_false_alarms_of_a_model_that_cannot_rank_is_near_the_rate():
    scores = np.random.default_rng(0).normal(size=20000)
    out = caught_at_false_alarms(scores, np.arange(20000) % 2, 0.02)
    assert out["caught"] == pytest.approx(0.02, abs=0.005)
    assert abs(out["mcc"]) < 0.02


def test_caught_at_false_alarms_refuses_one_class_and_rates_outside_0_1():
    with pytest.raises(ValueError):
        caught_at_false_alarms(np.zeros(4), np.ones(4), 0.02)
    with pytest.raises(ValueError):
        caught_at_false_alarms(np.zeros(4), np.array([0, 1, 0, 1]), 0.0)
