"""Did a model learn? Clean UAR with its bootstrap CI against chance, and predicted classes.

A model is "not learned" when the 95 % bootstrap CI of its UAR includes chance
(``1 / num_classes``: what a constant or a random classifier gets), or when it ever predicts
two classes or fewer. The CI comes from :func:`hdf_bench.report.stats.bootstrap_clips`
(clip indices resampled, fixed seed), the project's one bootstrap.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: a model predicting this many classes or fewer is "not learned"
MIN_CLASSES_PREDICTED = 3


@dataclass(frozen=True)
class LearnedVerdict:
    """The guard's reading of one model on one test split.

    Args:
        uar: unweighted average recall (mean per-class recall over the classes present).
        uar_low: lower end of the UAR's bootstrap CI.
        uar_high: upper end.
        war: weighted average recall (accuracy).
        chance: ``1 / num_classes``.
        classes_predicted: number of distinct classes the model predicted.
        learned: the verdict.
        reason: why (one line).
    """

    uar: float
    uar_low: float
    uar_high: float
    war: float
    chance: float
    classes_predicted: int
    learned: bool
    reason: str


def learned_verdict(labels: Sequence[int], preds: Sequence[int], num_classes: int,
                    confidence_level: float = 0.95, n_resamples: int = 2000,
                    seed: int = 0) -> LearnedVerdict:
    """Judge whether predictions ``preds`` of true ``labels`` show a model that learned.

    Args:
        labels: true class per clip (0-based).
        preds: predicted class per clip, aligned with ``labels``.
        num_classes: number of classes of the task (chance UAR is ``1 / num_classes``).
        confidence_level: level of the UAR interval.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.

    Raises:
        ValueError: lengths differ, fewer than 2 clips, ``num_classes < 2`` or a label /
            prediction outside ``0..num_classes-1``.
    """
    from hdf_bench.report.stats import bootstrap_clips  # lazy: the report imports this module

    labels = np.asarray(labels, dtype=np.int64).ravel()
    preds = np.asarray(preds, dtype=np.int64).ravel()
    if num_classes < 2:
        raise ValueError(f'num_classes must be >= 2, got {num_classes}')
    if labels.shape != preds.shape:
        raise ValueError(f'labels ({labels.size}) and preds ({preds.size}) differ in length')
    if labels.size < 2:
        raise ValueError(f'need at least 2 clips to judge a model, got {labels.size}')
    for name, values in (('labels', labels), ('preds', preds)):
        if values.min() < 0 or values.max() >= num_classes:
            raise ValueError(f'{name} must lie in 0..{num_classes - 1}, got '
                             f'{values.min()}..{values.max()}')
    correct = (preds == labels)[None, :]
    ci = bootstrap_clips(correct, labels, [1.0], 'uar', num_classes,
                         n_resamples=n_resamples, confidence_level=confidence_level, seed=seed)
    chance = 1.0 / num_classes
    n_pred = int(np.unique(preds).size)
    level = f'{confidence_level:.0%}'
    if n_pred < MIN_CLASSES_PREDICTED:
        learned, reason = False, (f'predicts only {n_pred} class{"es" * (n_pred != 1)} '
                                  f'(needs >= {MIN_CLASSES_PREDICTED})')
    elif ci.low <= chance <= ci.high or ci.high < chance:
        learned, reason = False, (f'{level} CI of UAR [{ci.low:.1%}, {ci.high:.1%}] does not '
                                  f'lie above chance {chance:.1%}')
    else:
        learned, reason = True, (f'{level} CI of UAR [{ci.low:.1%}, {ci.high:.1%}] above '
                                 f'chance {chance:.1%}; {n_pred} classes predicted')
    return LearnedVerdict(uar=ci.estimate, uar_low=ci.low, uar_high=ci.high,
                          war=float(correct.mean()), chance=chance, classes_predicted=n_pred,
                          learned=learned, reason=reason)
