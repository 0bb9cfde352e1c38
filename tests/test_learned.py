"""The "learned" guard: UAR CI against chance and the number of classes predicted."""
from __future__ import annotations

import numpy as np
import pytest

from hdf_bench.evaluation.learned import learned_verdict


def _labels(n_per_class: int = 30, k: int = 7) -> np.ndarray:
    return np.repeat(np.arange(k), n_per_class)


def test_good_model_is_learned():
    labels = _labels()
    rng = np.random.default_rng(0)
    preds = np.where(rng.random(labels.size) < 0.7, labels, rng.integers(0, 7, labels.size))
    v = learned_verdict(labels, preds, 7)
    assert v.learned and v.uar_low > 1 / 7 and v.uar_low <= v.uar <= v.uar_high
    assert v.classes_predicted == 7 and 'above chance' in v.reason
    assert v.war == pytest.approx(np.mean(preds == labels))


def test_constant_prediction_is_not_learned():
    labels = _labels()
    v = learned_verdict(labels, np.zeros_like(labels), 7)
    assert not v.learned and v.classes_predicted == 1 and 'only 1 class ' in v.reason + ' '
    assert v.uar == pytest.approx(1 / 7)


def test_two_classes_perfectly_right_are_still_not_learned():
    labels = np.array([0] * 50 + [1] * 50 + [2] * 5)
    preds = np.array([0] * 50 + [1] * 50 + [0] * 5)
    v = learned_verdict(labels, preds, 3)
    assert v.uar > 0.6 and not v.learned and '2 classes' in v.reason


def test_random_predictions_ci_includes_chance():
    labels = _labels()
    preds = np.random.default_rng(1).integers(0, 7, labels.size)
    v = learned_verdict(labels, preds, 7)
    assert v.classes_predicted == 7
    assert v.uar_low <= 1 / 7 <= v.uar_high and not v.learned and 'chance' in v.reason


def test_below_chance_is_not_learned():
    labels = _labels(40)
    preds = (labels + 1) % 7  # always wrong, every class predicted
    v = learned_verdict(labels, preds, 7)
    assert v.uar == 0 and not v.learned


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='differ in length'):
        learned_verdict([0, 1], [0], 7)
    with pytest.raises(ValueError, match='preds must lie'):
        learned_verdict([0, 1], [0, 7], 7)
    with pytest.raises(ValueError, match='at least 2 clips'):
        learned_verdict([0], [0], 7)
