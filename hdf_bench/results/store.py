"""The results store: the seam between evaluation and reporting.

One JSON file per cell (model x dataset/fold x axis x condition x severity x seed) under
``<root>/cells/``, written atomically (temp file + ``os.replace``), so a killed sweep
loses at most the cell it was computing and a rerun skips every finished cell whose
provenance (:mod:`hdf_bench.results.provenance`) matches. Every cell is validated on read
(:func:`validate_record`); a bad one is skipped by the readers (listed in
:attr:`ResultsStore.unusable`) and moved to ``<root>/quarantine/`` by the sweeps.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd

from hdf_bench.data.classes import CLASSES
from hdf_bench.results import provenance as prov
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


class BadCell(ValueError):
    """A cell file that cannot be used (undecodable, not a cell, or under another key's name)."""


_TEXT = (str,)
_KEY_TYPES = dict(model=_TEXT, dataset=_TEXT, fold=(str, int), axis=_TEXT, condition=_TEXT,
                  severity=(int,), seed=(int,))
_SECTIONS = dict(key=dict, metrics=dict, predictions=dict, meta=dict)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_record(record, path: Path) -> dict:
    """Check a decoded cell against the schema; return it or raise :class:`BadCell`.

    Required: ``key`` (every :class:`CellKey` field, of its type; its digest is the file
    name), ``metrics`` (numbers ``war`` and ``uar``, a list ``per_class_recall``),
    ``predictions`` and ``meta`` (dicts); ``provenance`` is a dict when present.
    """
    def bad(why: str) -> BadCell:
        return BadCell(f'results cell {path}: {why}')

    if not isinstance(record, dict):
        raise bad(f'expected a JSON object, got {type(record).__name__}')
    for name, kind in _SECTIONS.items():
        if not isinstance(record.get(name), kind):
            raise bad(f'{name!r} missing or not a {kind.__name__}')
    key, metrics = record['key'], record['metrics']
    for name, kinds in _KEY_TYPES.items():
        if not isinstance(key.get(name), kinds) or isinstance(key.get(name), bool):
            raise bad(f'key field {name!r} missing or not {"/".join(k.__name__ for k in kinds)}')
    if set(key) != set(_KEY_TYPES):
        raise bad(f'key has fields {sorted(key)}, expected {sorted(_KEY_TYPES)}')
    try:
        digest = CellKey(**key).digest
    except ValueError as err:
        raise bad(str(err)) from None
    if digest != path.stem:
        raise bad(f'holds the cell {digest} ({key["model"]} {key["axis"]} {key["condition"]} '
                  f's{key["severity"]} seed{key["seed"]}), not the one its name says '
                  '(copied over another?)')
    for name in ('war', 'uar'):
        if not _number(metrics.get(name)):
            raise bad(f'metrics {name!r} missing or not a number')
    if not isinstance(metrics.get('per_class_recall'), list):
        raise bad("metrics 'per_class_recall' missing or not a list")
    if not isinstance(record.get('provenance', {}), dict):
        raise bad("'provenance' is not a dict")
    return record


class ResultsStore:
    """A folder of result cells.

    Args:
        root: folder of the store (created on first write).

    Attributes:
        unusable: ``"<path>: <why>"`` for each bad cell the last :meth:`records` skipped.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.cells = self.root / 'cells'
        self.quarantine_dir = self.root / 'quarantine'
        self.unusable: list[str] = []

    def path(self, key: CellKey) -> Path:
        return self.cells / f'{key.digest}.json'

    def has(self, key: CellKey) -> bool:
        return self.path(key).is_file()

    def put(self, key: CellKey, metrics: dict, predictions: dict | None = None,
            meta: dict | None = None, provenance: dict | None = None) -> None:
        """Write one cell atomically.

        Args:
            key: the cell.
            metrics: at least ``war``, ``uar``, ``per_class_recall``; may hold ``confusion``.
            predictions: per-sample ``sample_ids``, ``labels``, ``preds`` (for statistics).
            meta: anything else worth keeping (checkpoint, timings, class counts).
            provenance: digests of what the evaluation read (:mod:`~.provenance`).
        """
        for field in ('war', 'uar', 'per_class_recall'):
            if field not in metrics:
                raise ValueError(f'metrics of {key} lack {field!r}')
        record = dict(key=asdict(key), metrics=metrics, predictions=predictions or {},
                      meta=meta or {}, provenance=provenance or {})
        atomic_write_text(self.path(key), json.dumps(record))

    def get(self, key: CellKey) -> dict:
        """The validated cell of ``key`` (:class:`BadCell` if it is bad)."""
        return self.read(self.path(key))

    def read(self, path: Path) -> dict:
        """Read and validate one cell file; :class:`BadCell` names the file and the fault."""
        try:
            record = json.loads(Path(path).read_bytes().decode('utf-8'))
        except UnicodeDecodeError as err:
            raise BadCell(f'results cell {path} is not UTF-8 text ({err})') from None
        except json.JSONDecodeError as err:
            raise BadCell(f'results cell {path} is not valid JSON: {err}') from None
        return validate_record(record, Path(path))

    def state(self, key: CellKey, provenance: Mapping) -> tuple[str, list[str]]:
        """Whether a cell can be reused: ``(state, details)``.

        States: ``missing``; ``fresh`` (valid, same provenance); ``stale`` (details: the
        provenance fields that changed); ``bad`` (details: why; see :meth:`quarantine`).
        """
        path = self.path(key)
        if not path.is_file():
            return 'missing', []
        try:
            record = self.read(path)
        except (BadCell, OSError) as err:
            return 'bad', [str(err)]
        changed = prov.changes(record.get('provenance'), provenance)
        return ('stale', changed) if changed else ('fresh', [])

    def quarantine(self, key: CellKey, reason: str) -> Path | None:
        """Move the cell file of ``key`` to ``<root>/quarantine/`` (with a ``.why`` note);
        returns its new path (None if another process moved it first)."""
        src = self.path(key)
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        stamp = f'{time.strftime("%Y%m%dT%H%M%S")}-{os.getpid()}'
        dst = self.quarantine_dir / f'{src.stem}.{stamp}.json'
        try:
            os.replace(src, dst)
        except FileNotFoundError:
            return None
        atomic_write_text(dst.with_suffix('.why'), reason + '\n')
        return dst

    def records(self) -> Iterator[dict]:
        """The valid cells in file-name order; bad ones are skipped with a warning and listed
        in :attr:`unusable`."""
        self.unusable = []
        if not self.cells.is_dir():
            return
        for path in sorted(self.cells.glob('*.json')):
            try:
                yield self.read(path)
            except (BadCell, OSError) as err:
                self.unusable.append(str(err))
                warnings.warn(f'skipped {err}', stacklevel=2)

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
    cells), ``rho`` (imbalance cells), ``classes`` and the raw ``record``. Bad cells are
    skipped with a warning; ``frame.attrs['unusable']`` lists them (path and why).

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
    frame = frame[FRAME_COLUMNS[:-4] + recall + FRAME_COLUMNS[-4:]]
    frame.attrs['unusable'] = list(store.unusable)
    return frame
