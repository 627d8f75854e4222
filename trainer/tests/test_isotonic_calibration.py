"""Isotonic calibration: pool adjacent violators, the strictly increasing map stored as knots, the cross-fitted
choice between affine and isotonic, and the block's round trip through cola-bert.json."""
import json

import jsonschema
import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from cola_trainer import calibration as cal
from cola_trainer.data import Example
from cola_trainer.prose_data import ProseSet
from cola_trainer.quality import ProseData, calibrate


def test_pav_pools_violators_and_ties_on_fixed_inputs():
    centres, values, counts = cal.pool_adjacent_violators(np.array([1, 2, 3, 4, 5.0]), np.array([1, 0, 0, 1, 1]))
    # 1, 0, 0 violate order and pool to 1/3 at x = 2; the two 1s tie and pool too, so no two blocks share a value.
    np.testing.assert_allclose(centres, [2.0, 4.5])
    np.testing.assert_allclose(values, [1 / 3, 1.0])
    np.testing.assert_array_equal(counts, [3, 2])
    # Equal scores are one point: x = 0 has labels 1 and 0 (mean 0.5) whatever their order.
    for y in ([1, 0, 1], [0, 1, 1]):
        c, v, n = cal.pool_adjacent_violators(np.array([0.0, 0.0, 1.0]), np.array(y))
        np.testing.assert_allclose(c, [0.0, 1.0])
        np.testing.assert_allclose(v, [0.5, 1.0])
        np.testing.assert_array_equal(n, [2, 1])
    # Already increasing: every point its own block.
    c, v, _ = cal.pool_adjacent_violators(np.array([3.0, 1.0, 2.0]), np.array([1, 0, 0.5]))
    np.testing.assert_allclose(c, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(v, [0.0, 0.5, 1.0])


def test_pav_matches_scikit_learn_on_random_scores():
    rng = np.random.Generator(np.random.PCG64(7))
    x = np.round(rng.normal(0, 3, 3000), 2)  # rounded: many ties
    y = (rng.random(3000) < 1 / (1 + np.exp(-x))).astype(int)
    centres, values, counts = cal.pool_adjacent_violators(x, y)
    assert counts.sum() == 3000 and np.all(np.diff(centres) > 0) and np.all(np.diff(values) > 0)
    reference = IsotonicRegression().fit(x, y)
    # Each block's value is scikit-learn's fit for every score in it (scored at the block's centre).
    np.testing.assert_allclose(reference.predict(centres), values, atol=1e-12)
    assert len(values) == len(np.unique(reference.predict(x)))


def _s_shaped(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores no sigmoid of an affine map follows: the acceptable rate is flat around 0.6 over the middle third of
    the scores and jumps at both ends, like the reliability of the lead's e2 recipe (docs/trainer.md)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    s = rng.uniform(-6, 6, n)
    rate = np.where(s < -2, 0.05, np.where(s < 2, 0.6, 0.97))
    labels = (rng.random(n) < rate).astype(int)
    return np.stack([np.zeros(n), s], axis=1), labels


def test_the_isotonic_map_is_strictly_increasing_everywhere_and_within_its_share_of_the_knots():
    logits, labels = _s_shaped(4000, 1)
    params = cal.fit("isotonic", logits, labels)
    knots = params["knots"]
    assert knots["affine_share"] == cal.ISOTONIC_AFFINE_SHARE
    assert np.all(np.diff(knots["s"]) > 0) and np.all(np.diff(knots["p"]) > 0) and len(knots["s"]) == len(knots["p"])
    # Stored rounded, and P comes from the rounded knots.
    assert all(round(v, cal.KNOT_S_DECIMALS) == v for v in knots["s"]) and all(round(v, cal.KNOT_P_DECIMALS) == v for v in knots["p"])
    # Far beyond the knots on both sides (the step alone is flat there), and between them.
    s = np.linspace(-30, 30, 20001)
    grid = np.stack([np.zeros_like(s), s], axis=1)
    p = cal.p_acceptable(grid, **params)
    assert np.all(np.diff(p) > 0) and 0 < p.min() and p.max() < 1
    iso = np.interp(s, knots["s"], knots["p"])
    assert np.abs(p - iso).max() <= cal.ISOTONIC_AFFINE_SHARE
    # The fitted map follows the flat middle that affine scaling cannot.
    middle = cal.p_acceptable(np.array([[0.0, -1.0], [0.0, 1.0]]), **params)
    assert np.all(np.abs(middle - 0.6) < 0.06)


def test_pair_halves_keep_each_clean_sentence_with_its_corruption():
    mask = cal.pair_halves(4000)
    assert mask.sum() == 2000 and np.array_equal(mask[0::2], mask[1::2])
    assert np.array_equal(mask, cal.pair_halves(4000)) and not np.array_equal(mask, cal.pair_halves(4000, seed=1))


def test_cross_fitting_chooses_isotonic_where_no_sigmoid_fits_and_reports_held_out_numbers():
    logits, labels = _s_shaped(4000, 2)
    method, held_out = cal.choose(("affine", "isotonic"), logits, labels)
    assert method == "isotonic" and set(held_out) == {"affine", "isotonic"}
    assert held_out["isotonic"]["ece"] < held_out["affine"]["ece"] and held_out["isotonic"]["nll"] < held_out["affine"]["nll"]
    # Held out, not in-sample: the map fitted on all rows scores them better than a half's map scores the other half.
    in_sample = cal.ece(cal.p_acceptable(logits, **cal.fit("isotonic", logits, labels)), labels)
    assert in_sample < held_out["isotonic"]["ece"]
    # The numbers are the two folds' average, computed by hand here.
    first = cal.pair_halves(len(labels))
    folds = [cal.ece(cal.p_acceptable(logits[~a], **cal.fit("affine", logits[a], labels[a])), labels[~a]) for a in (first, ~first)]
    assert held_out["affine"]["ece"] == pytest.approx(np.mean(folds), abs=1e-12)
    # Too few pairs to split: the first candidate, no numbers.
    assert cal.choose(("affine", "isotonic"), logits[:2], labels[:2]) == ("affine", {})


def _set(labels: np.ndarray) -> ProseSet:
    return ProseSet([Example("t", int(y), f"s{i}", i) for i, y in enumerate(labels)], ["clean"] * len(labels), ["peps"] * len(labels))


def test_calibrate_stores_the_chosen_isotonic_map_and_it_round_trips_through_cola_bert_json(validator):
    logits, labels = _s_shaped(4000, 3)
    prose = ProseData(train=_set(np.array([1, 0])), validation=_set(labels[:200]), test=_set(np.array([1, 0])), sha256="x",
                      calibration=_set(labels))
    c = calibrate(prose, [], np.zeros((0, 2)), logits)
    assert c["method"] == "isotonic" and c["knots"] and set(c["cross_fitted"]) == {"affine", "isotonic"}
    assert c["ece_after"] < 0.03 < cal.ece(cal.p_acceptable(logits, **cal.fit("affine", logits, labels)), labels)
    schema = {"definitions": validator.schema["definitions"], "$ref": "#/definitions/calibration"}
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(c))
    assert not errors, errors[0]
    stored = json.loads(json.dumps({"calibration": c}))["calibration"]
    p = cal.p_acceptable(logits, **cal.parameters(stored))
    np.testing.assert_array_equal(p, cal.p_acceptable(logits, **cal.parameters(c)))
    clean = p[labels == 1]
    assert np.mean(clean < stored["threshold"]) <= cal.MAX_FALSE_ALARM < np.mean(clean <= stored["threshold"])
    # A monotone map flags the same sentences as the raw score at the matching cut.
    s = logits[:, 1] - logits[:, 0]
    cut = s[p >= stored["threshold"]].min()
    assert np.array_equal(p < stored["threshold"], s < cut)
    # A block without knots (every folder before isotonic) is affine, unchanged.
    older = {k: v for k, v in stored.items() if k not in ("knots", "cross_fitted")}
    assert cal.parameters(older) == {"temperature": c["temperature"], "bias": c["bias"]}


def test_a_forced_method_skips_the_choice():
    logits, labels = _s_shaped(1000, 4)
    prose = ProseData(train=_set(np.array([1, 0])), validation=_set(labels[:200]), test=_set(np.array([1, 0])), sha256="x",
                      calibration=_set(labels))
    c = calibrate(prose, [], np.zeros((0, 2)), logits, method="affine")
    assert c["method"] == "affine" and "knots" not in c and "cross_fitted" not in c
