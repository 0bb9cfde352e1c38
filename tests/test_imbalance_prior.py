"""Label-prior shift: WAR under a prior, groups, and the resampling check."""
import math

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from hdf_bench.evaluation.dfer_metric import dfer_scores
from hdf_bench.evaluation.groups import frequency_groups, group_recall
from hdf_bench.evaluation.prior import (
    named_prior,
    prior_war,
    resampled_accuracy,
    reversed_prior,
    train_prior,
    validate_prior,
)

TRAIN = [300, 200, 400, 250, 120, 10, 60]


def fake_eval(seed=0, counts=(120, 90, 150, 100, 60, 12, 35)):
    """Labels and predictions of a classifier with class-dependent accuracy."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(7), counts)
    acc = np.array([0.9, 0.7, 0.8, 0.6, 0.75, 0.2, 0.4])
    right = rng.random(labels.size) < acc[labels]
    wrong = (labels + rng.integers(1, 7, labels.size)) % 7
    return labels, np.where(right, labels, wrong)


def test_uniform_prior_war_is_uar_is_balanced_accuracy():
    labels, preds = fake_eval()
    scores = dfer_scores(labels, preds)
    war = prior_war(scores['per_class_recall'], named_prior('uniform', TRAIN))
    assert war == pytest.approx(scores['uar'], abs=1e-12)
    assert war == pytest.approx(balanced_accuracy_score(labels, preds), abs=1e-12)
    # test-set frequencies as the prior give plain WAR
    test_prior = np.bincount(labels, minlength=7)
    assert prior_war(scores['per_class_recall'], test_prior) == pytest.approx(scores['war'])


def test_uniform_prior_with_a_missing_class():
    labels, preds = fake_eval(counts=(50, 40, 60, 30, 20, 0, 10))
    scores = dfer_scores(labels, preds)
    war = prior_war(scores['per_class_recall'], named_prior('uniform', TRAIN))
    assert war == pytest.approx(balanced_accuracy_score(labels, preds), abs=1e-12)


@pytest.mark.parametrize('name', ['uniform', 'train', 'reversed'])
def test_prior_war_matches_resampled_accuracy(name):
    labels, preds = fake_eval(seed=1)
    scores = dfer_scores(labels, preds)
    pi = named_prior(name, TRAIN)
    expected = prior_war(scores['per_class_recall'], pi)
    draws = 20000
    acc, se = resampled_accuracy(labels, preds, pi, draws, seed=5)
    se_formula = math.sqrt(expected * (1 - expected) / draws)
    assert abs(acc - expected) < 4 * se_formula
    assert se == pytest.approx(se_formula, rel=0.05)
    assert resampled_accuracy(labels, preds, pi, draws, seed=5) == (acc, se)


def test_reversed_prior_mirrors_ranks():
    pi = train_prior(TRAIN)
    rev = reversed_prior(TRAIN)
    assert rev.sum() == pytest.approx(1)
    assert rev[2] == pytest.approx(pi[5]) and rev[5] == pytest.approx(pi[2])  # head <-> tail
    assert rev[0] == pytest.approx(pi[6]) and rev[3] == pytest.approx(pi[4])
    assert rev[1] == pytest.approx(pi[1])  # the middle rank (sad) keeps its frequency
    assert sorted(rev) == pytest.approx(sorted(pi))


def test_validate_prior():
    assert validate_prior([2, 0, 2], 3).tolist() == [0.5, 0, 0.5]
    names = ('happy', 'sad', 'neutral')
    assert validate_prior({'Happy': 1, 'neutral': 3}, 3, names).tolist() == [0.25, 0, 0.75]
    for bad, match in [([1, 2], 'one weight per class'), ([1, -1, 1], 'non-negative'),
                       ([0, 0, 0], 'sum to 0'), ([1, np.nan, 1], 'finite'),
                       ({'joy': 1}, 'unknown classes'), ('abc', 'numbers')]:
        with pytest.raises(ValueError, match=match):
            validate_prior(bad, 3, names, name='user prior')
    with pytest.raises(ValueError, match='prior name'):
        named_prior('skewed', TRAIN)


def test_prior_on_absent_classes_only_is_an_error():
    recall = [0.5, np.nan, 0.7]
    with pytest.raises(ValueError, match='no weight on any class with test samples'):
        prior_war(recall, [0, 1, 0])
    assert prior_war(recall, [1, 1, 0]) == 0.5


def test_groups_and_group_recall():
    groups = frequency_groups(TRAIN)
    assert groups == {'head': [2, 0], 'medium': [3, 1, 4], 'tail': [6, 5]}
    recall = [0.9, 0.7, 0.8, 0.6, 0.75, 0.2, 0.4]
    out = group_recall(recall, groups)
    assert out == pytest.approx({'head': 0.85, 'medium': (0.6 + 0.7 + 0.75) / 3, 'tail': 0.3})
    assert frequency_groups(TRAIN, sizes=(1, 5, 1))['tail'] == [5]
    assert len(frequency_groups([5] * 11)['medium']) == 5
    assert math.isnan(group_recall([np.nan, 1.0], {'a': [0], 'b': [1]})['a'])
    with pytest.raises(ValueError, match='summing to 7'):
        frequency_groups(TRAIN, sizes=(2, 2, 2))
    with pytest.raises(ValueError, match='outside'):
        group_recall([0.5, 0.5], {'head': [3]})


def test_resample_errors():
    with pytest.raises(ValueError, match='num_draws'):
        resampled_accuracy([0, 1], [0, 1], [0.5, 0.5], 0, seed=0)
    with pytest.raises(ValueError, match='labels'):
        resampled_accuracy([0, 2], [0, 1], [0.5, 0.5], 10, seed=0)
