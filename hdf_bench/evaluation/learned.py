"""The "learned" guard: did a model learn anything, judged from its clean test predictions.

A model has NOT learned when the bootstrap interval of its UAR (clip indices resampled with
:func:`hdf_bench.report.stats.bootstrap_clips`) includes chance, 1 / number of classes, or lies
below it, or when it predicts at most two distinct classes over the whole test split.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: a model predicting fewer distinct classes than this has not learned
MIN_CLASSES_PREDICTED = 3


@dataclass(frozen=True)
class LearnedVerdict:
    """Clean UAR with its interval against chance, and whether the model learned."""

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
    """Judge one model from its clean test labels and predictions.

    Args:
        labels: true class indices, one per clip.
        preds: predicted class indices, aligned with ``labels``.
        num_classes: number of classes (chance = 1 / num_classes).
        confidence_level: level of the UAR interval.
        n_resamples: bootstrap resamples.
        seed: seed of the bootstrap.
    """
    from hdf_bench.report.stats import bootstrap_clips

    labels, preds = np.asarray(labels, np.int64), np.asarray(preds, np.int64)
    if labels.shape != preds.shape or labels.ndim != 1:
        raise ValueError(f'labels and preds must be 1-d and aligned, got shapes {labels.shape} '
                         f'and {preds.shape}')
    if num_classes < 2:
        raise ValueError(f'num_classes must be >= 2, got {num_classes}')
    correct = (labels == preds)[None]
    interval = bootstrap_clips(correct, labels, [1.0], 'uar', num_classes, n_resamples,
                               confidence_level, 'percentile', seed)
    chance = 1.0 / num_classes
    distinct = int(np.unique(preds).size)
    reasons = []
    if interval.low <= chance:
        reasons.append(f'the {100 * confidence_level:.0f}% CI of UAR '
                       f'[{100 * interval.low:.1f}, {100 * interval.high:.1f}] % does not lie '
                       f'above chance {100 * chance:.1f} %')
    if distinct < MIN_CLASSES_PREDICTED:
        reasons.append(f'it predicts only {distinct} distinct class(es)')
    return LearnedVerdict(uar=interval.estimate, uar_low=interval.low, uar_high=interval.high,
                          war=float(correct.mean()), chance=chance, classes_predicted=distinct,
                          learned=not reasons, reason='; '.join(reasons))
