"""Label-prior shift at test time, without retraining.

A model's accuracy on a test distribution with class prior ``pi`` (and the same
class-conditional inputs) is ``WAR_pi = sum_c pi_c * recall_c``. The uniform prior gives UAR;
the test set's own class frequencies give plain WAR.

Classes without a test sample (NaN recall) are left out and the prior renormalised over the
rest, which keeps ``WAR_uniform == UAR`` as :func:`hdf_bench.evaluation.dfer_metric.dfer_scores`
defines it (mean over the classes present, as sklearn's ``balanced_accuracy_score``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from hdf_bench.evaluation.groups import rank_order

NAMED_PRIORS = ('uniform', 'train', 'reversed')


def validate_prior(prior: Sequence[float] | Mapping[str, float], num_classes: int,
                   classes: Sequence[str] | None = None, name: str = 'prior') -> np.ndarray:
    """Return ``prior`` as a float array summing to 1.

    Args:
        prior: one weight per class (class order), or a mapping class name -> weight (missing
            classes get 0; needs ``classes``). Weights are normalised by their sum.
        num_classes: expected length.
        classes: class names in label order (for a mapping).
        name: what to call it in error messages.
    """
    if isinstance(prior, Mapping):
        if classes is None:
            raise ValueError(f'{name}: a mapping prior needs the class names')
        lower = [c.lower() for c in classes]
        unknown = [k for k in prior if str(k).lower() not in lower]
        if unknown:
            raise ValueError(f'{name}: unknown classes {unknown}; expected names from '
                             f'{list(classes)}')
        vector = [0.0] * len(classes)
        for key, value in prior.items():
            vector[lower.index(str(key).lower())] = value
        prior = vector
    try:
        arr = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{name} must be a list of {num_classes} numbers, got {prior!r}') from None
    if arr.shape != (num_classes,):
        raise ValueError(f'{name} must have one weight per class ({num_classes}), '
                         f'got shape {arr.shape}')
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f'{name} weights must be finite and non-negative, got {arr.tolist()}')
    total = arr.sum()
    if total <= 0:
        raise ValueError(f'{name} weights sum to 0; at least one class needs a positive weight')
    return arr / total


def uniform_prior(num_classes: int) -> np.ndarray:
    return np.full(num_classes, 1.0 / num_classes)


def train_prior(train_counts: Sequence[int]) -> np.ndarray:
    """Class frequencies of the training set."""
    return validate_prior(train_counts, len(train_counts), name='train_counts')


def reversed_prior(train_counts: Sequence[int]) -> np.ndarray:
    """The training prior mirrored across class ranks: the class at frequency rank ``r`` gets
    the frequency of the class at rank ``C - 1 - r`` (ranks by count, ties by class index)."""
    pi = train_prior(train_counts)
    ranked = list(rank_order(train_counts))
    out = np.empty_like(pi)
    out[ranked] = pi[ranked[::-1]]
    return out


def named_prior(name: str, train_counts: Sequence[int]) -> np.ndarray:
    """``uniform``, ``train`` or ``reversed`` for a model trained with ``train_counts``."""
    if name == 'uniform':
        return uniform_prior(len(train_counts))
    if name == 'train':
        return train_prior(train_counts)
    if name == 'reversed':
        return reversed_prior(train_counts)
    raise ValueError(f'prior name must be one of {NAMED_PRIORS}, got {name!r}')


def _effective_prior(per_class_recall: Sequence[float],
                     prior: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    recall = np.asarray(per_class_recall, dtype=np.float64)
    pi = validate_prior(prior, recall.size)
    present = np.isfinite(recall)
    if pi[present].sum() <= 0:
        raise ValueError('the prior puts no weight on any class with test samples '
                         f'(recall {recall.tolist()}, prior {pi.tolist()})')
    pi = np.where(present, pi, 0.0)
    return np.where(present, recall, 0.0), pi / pi.sum()


def prior_war(per_class_recall: Sequence[float], prior: Sequence[float]) -> float:
    """Accuracy under class prior ``prior``: ``sum_c pi_c * recall_c``.

    Args:
        per_class_recall: recall per class (NaN = no test sample; its weight is dropped and
            the prior renormalised).
        prior: non-negative weights per class (normalised here).
    """
    recall, pi = _effective_prior(per_class_recall, prior)
    return float(np.dot(pi, recall))


def resampled_accuracy(labels: Sequence[int], preds: Sequence[int], prior: Sequence[float],
                       num_draws: int, seed: int) -> tuple[float, float]:
    """Accuracy on a test set resampled to ``prior``; returns ``(accuracy, standard error)``.

    Each draw picks a class from the (renormalised) prior, then a test sample of that class
    uniformly with replacement; the draws are i.i.d. Bernoulli(``prior_war``), so the
    standard error is ``sqrt(a (1 - a) / num_draws)``.

    Args:
        labels: true class per test sample.
        preds: predicted class per test sample.
        prior: class prior to resample to.
        num_draws: size of the resampled test set.
        seed: seed of ``numpy.random.default_rng``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    preds = np.asarray(preds, dtype=np.int64)
    if labels.shape != preds.shape or labels.ndim != 1:
        raise ValueError(f'labels {labels.shape} and preds {preds.shape} must be equal 1-D')
    if isinstance(num_draws, bool) or int(num_draws) != num_draws or num_draws < 1:
        raise ValueError(f'num_draws must be a positive integer, got {num_draws!r}')
    num_classes = len(prior)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes}) to match the prior')
    support = np.bincount(labels, minlength=num_classes)
    recall_mask = np.where(support > 0, 0.0, np.nan)  # only presence matters here
    _, pi = _effective_prior(recall_mask, prior)
    rng = np.random.default_rng(seed)
    per_class = rng.multinomial(int(num_draws), pi)
    correct = 0
    for cls in np.flatnonzero(per_class):
        hits = (preds[labels == cls] == cls)
        correct += int(hits[rng.integers(0, hits.size, size=per_class[cls])].sum())
    acc = correct / num_draws
    return acc, math.sqrt(max(acc * (1 - acc), 0.0) / num_draws)
