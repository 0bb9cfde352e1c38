"""Uncertainty and significance on per-sample predictions.

Every bootstrap resamples CLIP INDICES with :func:`scipy.stats.bootstrap` (fixed seed), so
several cells evaluated on the same clips (a model and the reference, or the corruption cells
of one model) are resampled jointly. McNemar uses the exact binomial test on the discordant
pairs (:func:`scipy.stats.binomtest`); the chi-square statistic with continuity correction is
reported beside it.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A point estimate with its bootstrap interval (and the bootstrap distribution)."""

    estimate: float
    low: float
    high: float
    distribution: np.ndarray


def align(frames: Sequence[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Align per-sample predictions of several cells on their common sample ids.

    Args:
        frames: outputs of :func:`hdf_bench.report.record.predictions` (index = sample id).

    Returns:
        sample ids (sorted), labels (from the first frame) and correctness (cells x clips).
    """
    common = frames[0].index
    for frame in frames[1:]:
        common = common.intersection(frame.index)
    common = common.sort_values()
    labels = frames[0].loc[common, 'label'].to_numpy()
    correct = np.stack([(f.loc[common, 'pred'].to_numpy() == f.loc[common, 'label'].to_numpy())
                        for f in frames]) if len(common) else np.zeros((len(frames), 0), bool)
    return common.to_numpy(), labels, correct


def weighted_metric(idx: np.ndarray, correct: np.ndarray, labels: np.ndarray,
                    weights: np.ndarray, metric: str, num_classes: int) -> np.ndarray:
    """``sum_m weights[m] * metric(cell m)`` on the clips ``idx`` (vectorised over batches).

    Args:
        idx: clip indices, shape (..., n).
        correct: correctness per cell and clip, shape (m, N).
        labels: true labels, shape (N,).
        weights: one weight per cell, shape (m,).
        metric: ``war`` (accuracy) or ``uar`` (mean recall over classes present in the resample).
        num_classes: number of classes.
    """
    idx = np.asarray(idx, dtype=np.int64)
    lead = idx.shape[:-1]
    idx2 = idx.reshape(-1, idx.shape[-1])
    hits = correct[:, idx2].astype(float)  # (m, B, n)
    if metric == 'war':
        per_cell = hits.mean(axis=-1)
    elif metric == 'uar':
        onehot = np.eye(num_classes)[labels[idx2]]  # (B, n, C)
        support = onehot.sum(axis=1)  # (B, C)
        hit_c = np.einsum('mbn,bnc->mbc', hits, onehot)
        with np.errstate(invalid='ignore', divide='ignore'):
            recall = np.where(support > 0, hit_c / np.maximum(support, 1), np.nan)
        per_cell = np.nanmean(recall, axis=-1)
    else:
        raise ValueError(f"metric must be 'war' or 'uar', got {metric!r}")
    return np.tensordot(np.asarray(weights, float), per_cell, axes=(0, 0)).reshape(lead)


def bootstrap_clips(correct: np.ndarray, labels: np.ndarray, weights: Sequence[float],
                    metric: str, num_classes: int, n_resamples: int = 2000,
                    confidence_level: float = 0.95, method: str = 'percentile',
                    seed: int = 0) -> Interval:
    """Bootstrap interval of a weighted sum of per-cell metrics, resampling clips jointly.

    Args:
        correct: correctness per cell and clip, shape (m, N), clips aligned across cells.
        labels: true labels (N,).
        weights: one weight per cell (e.g. ``[1]``; ``[1, -1]`` for a paired difference;
            ``1/K`` each for a mean over K cells).
        metric: ``war`` or ``uar``.
        num_classes: number of classes.
        n_resamples: resamples.
        confidence_level: level of the interval.
        method: ``scipy.stats.bootstrap`` method.
        seed: seed of the resampling.
    """
    n = correct.shape[1]
    if n < 2:
        raise ValueError(f'a bootstrap needs at least 2 aligned clips, got {n}')
    weights = np.asarray(weights, float)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        return weighted_metric(np.moveaxis(idx, axis, -1), correct, labels, weights, metric,
                               num_classes)

    res = stats.bootstrap((np.arange(n),), statistic, vectorized=True, paired=False,
                          n_resamples=n_resamples, confidence_level=confidence_level,
                          method=method, batch=max(1, min(n_resamples, 2_000_000 // (
                              n * max(1, len(weights)) * (num_classes if metric == 'uar' else 1)))),
                          **_seed_kwarg(seed))
    estimate = float(statistic(np.arange(n)))
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Interval(estimate, low, high, np.asarray(res.bootstrap_distribution))


def _seed_kwarg(seed: int) -> dict:
    """``rng=`` on scipy >= 1.15, ``random_state=`` before."""
    name = 'rng' if 'rng' in inspect.signature(stats.bootstrap).parameters else 'random_state'
    return {name: np.random.default_rng(seed)}


def bootstrap_pvalue(distribution: np.ndarray) -> float:
    """Two-sided bootstrap p-value of "difference = 0": ``2 * min(P(d <= 0), P(d >= 0))``."""
    dist = np.asarray(distribution, float)
    dist = dist[np.isfinite(dist)]
    if dist.size == 0:
        return float('nan')
    return float(min(1.0, 2 * min(np.mean(dist <= 0), np.mean(dist >= 0))))


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> dict:
    """McNemar test of equal accuracy of two classifiers on the same clips.

    Args:
        correct_a: correctness of model A per clip.
        correct_b: correctness of model B on the same clips.

    Returns:
        ``b`` (A right, B wrong), ``c`` (A wrong, B right), ``p_exact`` (two-sided exact
        binomial test of b ~ Bin(b + c, 1/2)), ``chi2`` and ``p_chi2`` (with continuity
        correction, 1 degree of freedom).
    """
    a = np.asarray(correct_a, bool)
    b_arr = np.asarray(correct_b, bool)
    b = int(np.sum(a & ~b_arr))
    c = int(np.sum(~a & b_arr))
    if b + c == 0:
        return dict(b=b, c=c, p_exact=1.0, chi2=0.0, p_chi2=1.0)
    chi2 = (abs(b - c) - 1) ** 2 / (b + c)
    return dict(b=b, c=c, p_exact=float(stats.binomtest(b, b + c, 0.5).pvalue),
                chi2=float(chi2), p_chi2=float(stats.chi2.sf(chi2, df=1)))
