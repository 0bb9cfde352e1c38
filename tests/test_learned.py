"""The learned guard's maths."""
import numpy as np
import pytest

from hdf_bench.evaluation.learned import MIN_CLASSES_PREDICTED, learned_verdict


def _labels(n=300, c=7, seed=0):
    return np.random.default_rng(seed).integers(0, c, n)


def test_a_model_well_above_chance_learned():
    labels = _labels()
    preds = np.where(np.random.default_rng(1).random(labels.size) < 0.7, labels, (labels + 1) % 7)
    v = learned_verdict(labels, preds, 7, n_resamples=500)
    assert v.learned and v.reason == ''
    assert v.uar_low > 1 / 7 and v.uar_low <= v.uar <= v.uar_high
    assert v.classes_predicted == 7


def test_random_predictions_did_not_learn():
    labels = _labels()
    preds = np.random.default_rng(2).integers(0, 7, labels.size)
    v = learned_verdict(labels, preds, 7, n_resamples=500)
    assert not v.learned and 'chance' in v.reason
    assert v.uar_low <= v.chance


def test_too_few_classes_predicted_did_not_learn_even_above_chance():
    labels = _labels()
    # perfect on classes 0 and 1, always class 0 elsewhere: UAR ~ 2/7 > chance, 2 classes
    preds = np.where(labels == 1, 1, 0)
    v = learned_verdict(labels, preds, 7, n_resamples=500)
    assert v.classes_predicted == 2 < MIN_CLASSES_PREDICTED
    assert v.uar_low > v.chance
    assert not v.learned and 'distinct class' in v.reason


def test_misaligned_input_is_named():
    with pytest.raises(ValueError, match='aligned'):
        learned_verdict([0, 1], [0], 7)
