"""The results store: the seam between evaluation and reporting.

One JSON file per cell (model x dataset/fold x axis x condition x severity x seed) under
``<root>/cells/``, written atomically (temp file + ``os.replace``), so a killed sweep
loses at most the cell it was computing and a rerun skips every finished cell.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from hdf_bench.data.classes import CLASSES
from hdf_bench.filemode import apply_umask

AXES = ('clean', 'corruption', 'imbalance', 'prior')


@dataclass(frozen=True)
class CellKey:
    """Identity of one evaluation.

    Args:
        model: zoo name or user label of the model.
        dataset: data set name (``synthdfer``, ``dfew``, ``ferv39k``, ``mafw``).
        fold: fold or split name (``1``..``5`` for DFEW, ``all`` for FERV39k).
        axis: one of :data:`AXES`.
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
        if self.axis not in AXES:
            raise ValueError(f'axis must be one of {AXES}, got {self.axis!r}')

    @property
    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        apply_umask(fd)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode('utf-8'))


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
        """One row per cell: key columns, ``war``, ``uar``, ``recall_<class>``, ``num_samples``."""
        rows = []
        for record in self.records():
            row = dict(record['key'])
            metrics = record['metrics']
            row['war'] = metrics['war']
            row['uar'] = metrics['uar']
            row['num_samples'] = metrics.get('num_samples')
            names = record['meta'].get('classes', classes)
            for name, value in zip(names, metrics['per_class_recall'], strict=False):
                row[f'recall_{name}'] = value
            rows.append(row)
        columns = list(CellKey.__dataclass_fields__) + ['war', 'uar', 'num_samples']
        return pd.DataFrame(rows, columns=None if rows else columns)
