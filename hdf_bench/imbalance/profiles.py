"""Per-class target counts of long-tailed training subsets (CIFAR-LT style).

Classes are placed on ranks ``i = 0 .. C-1`` (rank 0 = the head) by a fixed permutation
``order`` (``order[i]`` is the class index at rank ``i``). Profiles:

- ``exp``: ``n_i = n_max * rho ** (-i / (C - 1))``.
- ``step``: the ``C // 2`` classes ranked lowest get ``n_max / rho``, the others ``n_max``.
- ``reverse``: ``exp`` on the mirrored order, so the usual head classes become rare
  (with the default order: ascending by available count).

Default order: descending by available count, ties by class index (the natural head -> tail
order). ``rho = 1`` gives a balanced subset: every class gets ``n_max`` clips, i.e. the smallest
available count unless a smaller ``n_max`` is requested.

Cap rule: ``n_max`` is the largest integer whose UNROUNDED targets all fit into what is
available, ``floor(min_i avail[order[i]] / f_i)`` with ``f_i = target_i / n_max`` (for ``exp``
``f_i = rho ** (-i / (C-1))``), or the requested ``n_max`` if that is smaller. The whole profile
is scaled down rather than clipped per class, so its shape is always exact: with the default
order the rarest class usually limits ``n_max`` (DFEW, rho=10: ``n_max = 10 * n_disgust``).

Rounding rule: ``count_i = max(1, floor(target_i))``; a class is never emptied. A class with no
available clip raises ``ValueError``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hdf_bench.evaluation.groups import rank_order

PROFILES = ('exp', 'step', 'reverse')

# Guards floor() against float error such as 2444.9999999 for an exact 2445.
_EPS = 1e-9


@dataclass(frozen=True)
class CountPlan:
    """Target counts of one long-tailed subset.

    Args:
        profile: one of :data:`PROFILES`.
        rho: imbalance ratio (>= 1).
        order: class index at each rank (rank 0 = largest target), after ``reverse`` mirroring.
        n_max: the effective head count (after the availability cap).
        available: clips available per class (class order).
        counts: chosen clips per class (class order).
    """

    profile: str
    rho: float
    order: tuple[int, ...]
    n_max: int
    available: tuple[int, ...]
    counts: tuple[int, ...]


def format_rho(rho: float) -> str:
    """``10.0 -> '10'``, ``2.5 -> '2.5'`` (for condition names and file names)."""
    rho = float(rho)
    return str(int(rho)) if rho.is_integer() else repr(rho)


def condition_name(profile: str, rho: float) -> str:
    """The store condition of a long-tailed split, e.g. ``exp_rho10``."""
    return f'{profile}_rho{format_rho(rho)}'


def check_rho(rho: float) -> float:
    """Return ``rho`` as a float; raise ``ValueError`` unless it is finite and >= 1."""
    try:
        value = float(rho)
    except (TypeError, ValueError):
        raise ValueError(f'rho must be a number >= 1, got {rho!r}') from None
    if not math.isfinite(value) or value < 1:
        raise ValueError(f'rho must be a finite number >= 1, got {rho!r}')
    return value


def check_available(available: Sequence[int]) -> np.ndarray:
    """Validate per-class available counts: >= 2 classes, integers, every class non-empty."""
    arr = np.asarray(available)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f'available counts must be a 1-D list of >= 2 classes, got {available!r}')
    if not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr))):
            raise ValueError(f'available counts must be integers, got {available!r}')
    arr = arr.astype(np.int64)
    empty = np.flatnonzero(arr <= 0).tolist()
    if empty:
        raise ValueError(f'classes {empty} have no available clip (counts {arr.tolist()}); '
                         'a long-tailed subset never empties a class')
    return arr


def check_order(order: Sequence[int], num_classes: int) -> tuple[int, ...]:
    """Validate that ``order`` is a permutation of ``range(num_classes)``."""
    try:
        out = tuple(int(i) for i in order)
    except (TypeError, ValueError):
        raise ValueError(f'order must be a list of class indices, got {order!r}') from None
    if sorted(out) != list(range(num_classes)):
        raise ValueError(f'order must be a permutation of 0..{num_classes - 1}, got {list(out)}')
    return out


def profile_factors(profile: str, rho: float, num_classes: int) -> np.ndarray:
    """Relative target ``target_i / n_max`` at each rank ``i`` (1 at rank 0)."""
    if profile not in PROFILES:
        raise ValueError(f'profile must be one of {PROFILES}, got {profile!r}')
    rho = check_rho(rho)
    ranks = np.arange(num_classes, dtype=np.float64)
    if profile == 'step':
        reduced = ranks >= num_classes - num_classes // 2
        return np.where(reduced, 1.0 / rho, 1.0)
    return rho ** (-ranks / (num_classes - 1))


def plan_counts(available: Sequence[int], profile: str, rho: float,
                order: Sequence[int] | None = None, n_max: int | None = None) -> CountPlan:
    """Target count per class for a long-tailed subset (see the module doc for the rules).

    Args:
        available: clips available per class in the source split (class order).
        profile: ``exp``, ``step`` or ``reverse``.
        rho: imbalance ratio ``n_max / n_min`` before rounding; any finite value >= 1.
        order: class index at each rank, head first; default descending by ``available``.
            ``reverse`` mirrors it.
        n_max: requested head count; capped so every class fits. Default: the largest that fits.
    """
    avail = check_available(available)
    num = avail.size
    factors = profile_factors(profile, rho, num)
    ranked = rank_order(avail) if order is None else check_order(order, num)
    if profile == 'reverse':
        ranked = ranked[::-1]
    avail_by_rank = avail[list(ranked)]
    feasible = int(math.floor(float(np.min(avail_by_rank / factors)) + _EPS))
    feasible = max(feasible, 1)
    if n_max is not None:
        if isinstance(n_max, bool) or int(n_max) != n_max or n_max < 1:
            raise ValueError(f'n_max must be an integer >= 1, got {n_max!r}')
        feasible = min(feasible, int(n_max))
    by_rank = np.maximum(1, np.floor(feasible * factors + _EPS)).astype(np.int64)
    by_rank = np.minimum(by_rank, avail_by_rank)  # no-op by construction; guards float error
    counts = np.empty(num, dtype=np.int64)
    counts[list(ranked)] = by_rank
    return CountPlan(profile=profile, rho=check_rho(rho), order=tuple(ranked), n_max=feasible,
                     available=tuple(int(a) for a in avail),
                     counts=tuple(int(c) for c in counts))
