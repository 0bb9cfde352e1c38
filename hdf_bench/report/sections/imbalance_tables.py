"""Class-imbalance and label-prior tables (axis ``imbalance`` and ``prior`` cells)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

KEYS = ['model', 'dataset', 'fold', 'condition', 'rho']
FREQUENCY_GROUPS = ('head', 'medium', 'tail')


def imbalance_table(cells: pd.DataFrame, axis: str = 'imbalance') -> pd.DataFrame:
    """WAR/UAR per model x dataset x fold x condition (mean and count over seeds)."""
    part = cells[cells['axis'] == axis]
    out = part.groupby(KEYS, as_index=False, sort=False, dropna=False).agg(
        war=('war', 'mean'), uar=('uar', 'mean'), n_seeds=('seed', 'nunique'))
    return out.sort_values(['model', 'dataset', 'fold', 'rho', 'condition'], kind='stable')


def recall_table(cells: pd.DataFrame, axis: str = 'imbalance') -> pd.DataFrame:
    """Per-class recall, long format: KEYS + ``class``, ``recall`` (mean over seeds)."""
    rows = []
    for row in cells[cells['axis'] == axis].itertuples(index=False):
        recalls = row.record['metrics']['per_class_recall']
        for name, value in zip(row.classes, recalls, strict=False):
            rows.append(dict(model=row.model, dataset=row.dataset, fold=row.fold,
                             condition=row.condition, rho=row.rho, **{'class': name},
                             recall=np.nan if value is None else float(value)))
    frame = pd.DataFrame(rows, columns=KEYS + ['class', 'recall'])
    return frame.groupby(KEYS + ['class'], as_index=False, sort=False, dropna=False)[
        'recall'].mean()


def frequency_rank_groups(counts: Sequence[float] | Mapping[str, float],
                          classes: Sequence[str]) -> dict[str, list[str]]:
    """Head / medium / tail class names by training-frequency rank.

    Delegates to :func:`hdf_bench.evaluation.groups.frequency_groups` (2 / 3 / 2 of 7 classes, most
    frequent first, ties by class order), so that reports and imbalance cells agree.

    Args:
        counts: training count per class, in class order or by class name.
        classes: class names.
    """
    from hdf_bench.evaluation.groups import frequency_groups
    if isinstance(counts, Mapping):
        counts = [float(counts.get(name, 0)) for name in classes]
    return {group: [classes[i] for i in members]
            for group, members in frequency_groups(list(counts)).items()}


def frequency_group_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean recall of head / medium / tail classes for imbalance cells with class counts.

    The numbers are the cell's own ``metrics['group_recall']`` and ``meta['groups']`` (written
    by :func:`hdf_bench.imbalance.put_imbalance_cells`); a cell without them gets them from
    :func:`hdf_bench.evaluation.groups.group_recall` on its recalls and training counts.
    """
    from hdf_bench.evaluation.groups import group_recall

    rows = []
    for row in cells[cells['axis'] == 'imbalance'].itertuples(index=False):
        metrics, meta = row.record['metrics'], row.record.get('meta', {})
        counts = meta.get('train_class_counts')
        if counts is None:
            continue
        classes = list(row.classes)
        names = meta.get('groups') or frequency_rank_groups(counts, classes)
        recall = metrics.get('group_recall') or group_recall(
            [np.nan if v is None else v for v in metrics['per_class_recall']],
            {g: [classes.index(n) for n in members] for g, members in names.items()})
        out = dict(model=row.model, dataset=row.dataset, fold=row.fold,
                   condition=row.condition, rho=row.rho)
        for group in FREQUENCY_GROUPS:
            value = recall.get(group)
            out[group] = np.nan if value is None else float(value)
            out[f'{group}_classes'] = ' '.join(names[group])
        rows.append(out)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    text = [f'{g}_classes' for g in FREQUENCY_GROUPS]
    agg = {g: 'mean' for g in FREQUENCY_GROUPS} | {t: 'first' for t in text}
    return frame.groupby(KEYS, as_index=False, sort=False, dropna=False).agg(agg)
