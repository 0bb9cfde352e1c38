"""Read the results store into one frame of cells (with predictions and meta kept)."""
from __future__ import annotations

import importlib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hdf_bench.data.classes import CLASSES
from hdf_bench.robustness.store import CellKey, ResultsStore

KEY_COLUMNS = list(CellKey.__dataclass_fields__)
_RHO = re.compile(r'rho[_=]?(\d+(?:\.\d+)?)')


def _corruption_groups() -> Mapping[str, str]:
    """Corruption name -> group from :mod:`hdf_bench.corruptions`, or ``{}`` if unavailable."""
    try:
        module = importlib.import_module('hdf_bench.corruptions')
    except Exception:  # noqa: BLE001 - another package; any failure means "no groups"
        return {}
    for attr in ('CORRUPTION_GROUPS', 'GROUPS', 'GROUP_OF', 'CORRUPTION_GROUP'):
        mapping = getattr(module, attr, None)
        if isinstance(mapping, Mapping) and mapping:
            first = next(iter(mapping.values()))
            if isinstance(first, str):
                return dict(mapping)
            # group -> list of names: invert
            return {name: str(group) for group, names in mapping.items() for name in names}
    for attr in ('group_of', 'corruption_group'):
        func = getattr(module, attr, None)
        if callable(func):
            return _CallableGroups(func)
    return {}


class _CallableGroups(dict):
    """Adapts a ``group_of(name)`` function to the mapping interface used below."""

    def __init__(self, func) -> None:
        super().__init__()
        self.func = func

    def get(self, name, default=None):  # type: ignore[override]
        try:
            return str(self.func(name))
        except Exception:  # noqa: BLE001
            return default


def parse_rho(condition: str, meta: Mapping) -> float:
    """Imbalance ratio from ``meta['rho']`` or from a condition such as ``exp_rho10``."""
    if meta.get('rho') is not None:
        return float(meta['rho'])
    match = _RHO.search(condition)
    return float(match.group(1)) if match else float('nan')


def load_cells(store: ResultsStore, classes: tuple[str, ...] = CLASSES) -> pd.DataFrame:
    """One row per cell: key columns, metrics, ``group``, ``rho`` and the raw ``record``.

    Args:
        store: the results store.
        classes: class names used when a cell's meta does not name them.
    """
    groups = None
    rows = []
    for record in store.records():
        key, metrics, meta = record['key'], record['metrics'], record.get('meta', {})
        row = {name: key[name] for name in KEY_COLUMNS}
        row['fold'] = str(row['fold'])
        row['severity'] = int(row['severity'])
        row['war'] = float(metrics['war'])
        row['uar'] = float(metrics['uar'])
        row['num_samples'] = metrics.get('num_samples')
        group = meta.get('group')
        if group is None and key['axis'] == 'corruption':
            groups = _corruption_groups() if groups is None else groups
            group = groups.get(key['condition'], 'other')
        row['group'] = group
        row['rho'] = parse_rho(key['condition'], meta) if key['axis'] == 'imbalance' else np.nan
        row['classes'] = tuple(meta.get('classes', classes))
        row['record'] = record
        rows.append(row)
    columns = KEY_COLUMNS + ['war', 'uar', 'num_samples', 'group', 'rho', 'classes', 'record']
    return pd.DataFrame(rows, columns=columns)


def predictions(record: Mapping) -> pd.DataFrame | None:
    """Per-sample ``label`` and ``pred`` indexed by ``sample_id``; ``None`` if absent."""
    pred = record.get('predictions') or {}
    if not all(pred.get(k) for k in ('sample_ids', 'labels', 'preds')):
        return None
    frame = pd.DataFrame({'label': np.asarray(pred['labels'], dtype=np.int64),
                          'pred': np.asarray(pred['preds'], dtype=np.int64)},
                         index=pd.Index([str(s) for s in pred['sample_ids']], name='sample_id'))
    return frame[~frame.index.duplicated()]


def confusion_of(record: Mapping, num_classes: int) -> np.ndarray | None:
    """The cell's confusion matrix, from its metrics or rebuilt from its predictions."""
    cm = record['metrics'].get('confusion')
    if cm is not None:
        return np.asarray(cm, dtype=float)
    pred = predictions(record)
    if pred is None:
        return None
    from hdf_bench.evaluation.dfer_metric import confusion

    return confusion(pred['label'], pred['pred'], num_classes).astype(float)
