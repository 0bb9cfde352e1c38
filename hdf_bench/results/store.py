"""The results store: the seam between evaluation and reporting.

One JSON file per cell (model x dataset/fold x axis x condition x severity x seed) under
``<root>/cells/``, written atomically (temp file + ``os.replace``), so a killed sweep
loses at most the cell it was computing and a rerun skips every finished cell.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd

from hdf_bench.data.classes import CLASSES
from hdf_bench.results.io import atomic_write_text


class Axis(str, Enum):
    """What a cell varies: clean test data, a corruption, an imbalanced training split, or a
    test-label prior (see docs/CONTRACTS.md for the condition names of each)."""

    CLEAN = 'clean'
    CORRUPTION = 'corruption'
    IMBALANCE = 'imbalance'
    PRIOR = 'prior'


#: the axis names, in :class:`Axis` order
AXES = tuple(axis.value for axis in Axis)
_RHO = re.compile(r'rho[_=]?(\d+(?:\.\d+)?)')


@dataclass(frozen=True)
class CellKey:
    """Identity of one evaluation.

    Args:
        model: zoo name or user label of the model.
        dataset: data set name (``synthdfer``, ``dfew``, ``ferv39k``, ``mafw``).
        fold: fold or split name (``1``..``5`` for DFEW, ``all`` for FERV39k).
        axis: an :class:`Axis` (or its value); stored as the plain string.
        condition: corruption name, split profile or prior name (``clean`` for clean).
        severity: 1-5 for corruptions, 0 otherwise.
        seed: seed of the corruption draw or of the split.
    """

    model: str
    dataset: str
    fold: str
    axis: str
    condition: str
    severity: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, 'axis', Axis(self.axis).value)
        except ValueError:
            raise ValueError(f'axis must be one of {AXES}, got {self.axis!r}') from None

    @property
    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]


class ResultsStore:
    """A folder of result cells.

    Args:
        root: folder of the store (created on first write).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.cells = self.root / 'cells'

    def path(self, key: CellKey) -> Path:
        return self.cells / f'{key.digest}.json'

    def has(self, key: CellKey) -> bool:
        return self.path(key).is_file()

    def put(self, key: CellKey, metrics: dict, predictions: dict | None = None,
            meta: dict | None = None) -> None:
        """Write one cell atomically.

        Args:
            key: the cell.
            metrics: at least ``war``, ``uar``, ``per_class_recall``; may hold ``confusion``.
            predictions: per-sample ``sample_ids``, ``labels``, ``preds`` (for statistics).
            meta: anything else worth keeping (checkpoint, timings, class counts).
        """
        for field in ('war', 'uar', 'per_class_recall'):
            if field not in metrics:
                raise ValueError(f'metrics of {key} lack {field!r}')
        record = dict(key=asdict(key), metrics=metrics, predictions=predictions or {},
                      meta=meta or {})
        atomic_write_text(self.path(key), json.dumps(record))

    def get(self, key: CellKey) -> dict:
        return self._read(self.path(key))

    def _read(self, path: Path) -> dict:
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f'results cell {path} is not valid JSON: {err}') from err

    def records(self) -> Iterator[dict]:
        if not self.cells.is_dir():
            return
        for path in sorted(self.cells.glob('*.json')):
            yield self._read(path)

    def frame(self, classes: tuple[str, ...] = CLASSES) -> pd.DataFrame:
        """The store as one frame: :func:`read_frame`."""
        return read_frame(self, classes)


#: columns of :func:`read_frame` besides the ``recall_<class>`` ones
KEY_COLUMNS = list(CellKey.__dataclass_fields__)
FRAME_COLUMNS = KEY_COLUMNS + ['war', 'uar', 'num_samples', 'group', 'rho', 'classes', 'record']


def parse_rho(condition: str, meta: Mapping) -> float:
    """Imbalance ratio from ``meta['rho']`` or from a condition such as ``exp_rho10``."""
    if meta.get('rho') is not None:
        return float(meta['rho'])
    match = _RHO.search(condition)
    return float(match.group(1)) if match else float('nan')


def _group_of(condition: str) -> str:
    """Group of a corruption cell written without one in its meta (``other`` if unknown)."""
    from hdf_bench.corruptions import CORRUPTIONS, group_of

    return group_of(condition) if condition in CORRUPTIONS else 'other'


def read_frame(store: ResultsStore, classes: tuple[str, ...] = CLASSES) -> pd.DataFrame:
    """The one reader of the store: one row per cell, in file-name order.

    Columns: the key (:data:`KEY_COLUMNS`; ``fold`` as a string, ``severity`` as an int),
    ``war``, ``uar``, ``num_samples``, ``recall_<class>`` for each class, ``group`` (corruption
    cells), ``rho`` (imbalance cells), ``classes`` and the raw ``record``.

    Args:
        store: the results store.
        classes: class names used when a cell's meta does not name them.
    """
    rows = []
    for record in store.records():
        key, metrics, meta = record['key'], record['metrics'], record.get('meta', {})
        row = {name: key[name] for name in KEY_COLUMNS}
        row['fold'] = str(row['fold'])
        row['severity'] = int(row['severity'])
        row['war'] = float(metrics['war'])
        row['uar'] = float(metrics['uar'])
        row['num_samples'] = metrics.get('num_samples')
        names = tuple(meta.get('classes', classes))
        for name, value in zip(names, metrics['per_class_recall'], strict=False):
            row[f'recall_{name}'] = value
        group = meta.get('group')
        if group is None and key['axis'] == Axis.CORRUPTION.value:
            group = _group_of(key['condition'])
        row['group'] = group
        row['rho'] = (parse_rho(key['condition'], meta) if key['axis'] == Axis.IMBALANCE.value
                      else np.nan)
        row['classes'] = names
        row['record'] = record
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else FRAME_COLUMNS)
    recall = [c for c in frame.columns if c.startswith('recall_')]
    return frame[FRAME_COLUMNS[:-4] + recall + FRAME_COLUMNS[-4:]]
