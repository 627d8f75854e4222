import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, matthews_corrcoef

from cola_trainer.metrics import accuracy, confusion, mcc


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
