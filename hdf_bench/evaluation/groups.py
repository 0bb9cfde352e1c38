"""Head / medium / tail class groups by training-frequency rank, and group recall.

With 7 classes absolute-count thresholds (many > 100, few < 20) are meaningless, so groups are
made by rank: classes sorted by training count (descending, ties by class index), the first
``sizes[0]`` are ``head``, the next ``sizes[1]`` ``medium``, the last ``sizes[2]`` ``tail``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

GROUPS = ('head', 'medium', 'tail')


def rank_order(counts: Sequence[int], descending: bool = True) -> tuple[int, ...]:
    """Class indices sorted by count (ties by class index, ascending)."""
    keys = np.asarray(counts, dtype=np.float64)
    idx = np.arange(keys.size)
    sorted_idx = np.lexsort((idx, -keys if descending else keys))
    return tuple(int(i) for i in sorted_idx)


def default_group_sizes(num_classes: int) -> tuple[int, int, int]:
    """``(2, 3, 2)`` for 7 classes; in general ``(k, C - 2k, k)`` with ``k = 2C // 7``."""
    k = 2 * num_classes // 7
    return k, num_classes - 2 * k, k


def frequency_groups(train_counts: Sequence[int],
                     sizes: Sequence[int] | None = None) -> dict[str, list[int]]:
    """Class indices of each group, most frequent first.

    Args:
        train_counts: training clips per class (class order).
        sizes: classes in head, medium, tail; must sum to the number of classes.
            Default :func:`default_group_sizes`.
    """
    counts = np.asarray(train_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 1 or not np.all(np.isfinite(counts)) \
            or np.any(counts < 0):
        raise ValueError(f'train_counts must be a 1-D list of non-negative counts, '
                         f'got {train_counts!r}')
    num = counts.size
    sizes = default_group_sizes(num) if sizes is None else tuple(sizes)
    if len(sizes) != 3 or any(isinstance(s, bool) or int(s) != s or s < 0 for s in sizes) \
            or sum(sizes) != num:
        raise ValueError(f'group sizes must be 3 non-negative integers (head, medium, tail) '
                         f'summing to {num} classes, got {sizes!r}')
    ranked = list(rank_order(counts))
    bounds = np.cumsum([0, *sizes]).tolist()
    return {name: ranked[bounds[i]:bounds[i + 1]] for i, name in enumerate(GROUPS)}


def group_recall(per_class_recall: Sequence[float],
                 groups: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """Mean per-class recall in each group (NaN recalls skipped; NaN if none is left).

    Args:
        per_class_recall: recall of each class (class order; NaN = no test sample).
        groups: class indices per group, e.g. from :func:`frequency_groups`.
    """
    recall = np.asarray(per_class_recall, dtype=np.float64)
    out = {}
    for name, members in groups.items():
        if any(not 0 <= int(i) < recall.size for i in members):
            raise ValueError(f'group {name!r} has class indices {list(members)} outside '
                             f'0..{recall.size - 1}')
        values = recall[list(members)]
        values = values[np.isfinite(values)]
        out[name] = float(values.mean()) if values.size else float('nan')
    return out
