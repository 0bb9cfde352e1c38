"""Train one model on a long-tailed split through its usual config, and evaluate it.

The training split is a config option, not a copy of each config: the readers of
:mod:`hdf_bench.data` (``DFEWDataset``, ``FERV39kDataset``, ``MAFWDataset``) take an
``ann_file`` that replaces the official split file, in the data set's own format (the format
:func:`hdf_bench.imbalance.make_longtail_split` writes). :func:`with_train_split` sets it; the
same run with ``mim train`` / ``tools/train.py`` is::

    mim train mmaction configs/hdf/hdf_x3d_s_synthdfer_cpu.py \\
        --work-dir RUN/imbalance/exp_rho10/hdf \\
        --cfg-options train_dataloader.dataset.ann_file=/abs/path/to/split.csv

Only the training dataloader changes; validation and test data stay the official test split.
Training goes through :meth:`mmengine.runner.Runner.from_cfg` (what ``mim train`` runs).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from mmengine.config import Config

from hdf_bench.engine.training import (  # noqa: F401  (re-exported for callers)
    READER_FORMATS,
    _type_name,
    final_checkpoint,
    reader_cfg,
    with_data,
    with_epochs,
    without_validation,
)

#: file written in each training work dir: what split and schedule it was trained with
TRAIN_RECORD = 'imbalance_train.json'


def split_format(cfg: Config) -> str:
    """Split format (``dfew``, ``ferv39k``, ``mafw``) of the config's training reader."""
    ds_cfg = reader_cfg(cfg)
    fmt = READER_FORMATS[_type_name(ds_cfg)]
    if fmt == 'mafw' and ds_cfg.get('map_to_basic', False):
        raise ValueError(f'config {cfg.filename}: MAFW with map_to_basic=True is not supported '
                         'for long-tailed splits (the split file keeps 11 classes)')
    return fmt


def source_split_path(cfg: Config) -> Path:
    """The full training split file the config's training reader reads.

    ``ann_file`` if the config sets one (absolute, or relative to ``data_root`` as the readers
    resolve it), else the official split of ``data_root`` (and ``fold`` for DFEW / MAFW).

    Args:
        cfg: a model config (after any ``data_root`` / ``fold`` override).
    """
    from hdf_bench.data.dfew import dfew_split_file, resolve_ann_file

    ds_cfg = reader_cfg(cfg)
    fmt = split_format(cfg)
    data_root = ds_cfg.get('data_root')
    if not data_root:
        raise ValueError(f'config {cfg.filename}: train_dataloader.dataset has no data_root')
    if not os.path.isdir(data_root):
        raise FileNotFoundError(f'data_root {data_root} of the training set (config '
                                f'{cfg.filename}) is not a folder; pass --data-root')
    fold = int(ds_cfg.get('fold', 1))
    split = ds_cfg.get('split', 'train')
    if ds_cfg.get('ann_file'):
        path = resolve_ann_file(ds_cfg['ann_file'], data_root)
    elif fmt == 'dfew':
        path = dfew_split_file(data_root, fold, split)
    elif fmt == 'ferv39k':
        path = os.path.join(data_root, '4_setups', 'All_scenes', f'{split}_All.csv')
    else:
        path = os.path.join(data_root, 'split', 'single', 'no_caption', f'set_{fold}',
                            f'{split}.txt')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'training split {path} of config {cfg.filename} not found')
    return Path(path).resolve()


def with_train_split(cfg: Config, split_path: str | os.PathLike) -> Config:
    """A copy of ``cfg`` whose training reader reads ``split_path`` instead of its split.

    Equivalent to ``--cfg-options train_dataloader.dataset.ann_file=<split_path>`` for an
    unwrapped dataset (this also reaches inside ``RepeatDataset`` / ``ClassBalancedDataset``).
    Validation and test loaders are left unchanged.

    Args:
        cfg: a model config whose training dataset is a DFEW / FERV39k / MAFW reader.
        split_path: a split file in that reader's format (made absolute here).
    """
    path = Path(split_path)
    if not path.is_file():
        raise FileNotFoundError(f'training split {path} does not exist')
    out = copy.deepcopy(cfg)
    reader_cfg(out)['ann_file'] = str(path.resolve())
    return out


def file_sha256(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class TrainResult:
    """What :func:`train_and_test` did.

    Args:
        status: ``trained``, ``resumed`` or ``skipped`` (final checkpoint already there).
        checkpoint: the final checkpoint.
        train_seconds: seconds spent training in this call (0 if skipped).
        test_seconds: seconds spent on the test set.
        predictions: ``DFERMetric.last_predictions`` of the test run.
        test_metrics: the metrics ``runner.test()`` returned.
    """

    status: str
    checkpoint: Path
    train_seconds: float
    test_seconds: float
    predictions: list[dict]
    test_metrics: dict


def _check_record(work_dir: Path, record: dict) -> None:
    """Refuse a work dir trained with another split or schedule; write the record."""
    path = work_dir / TRAIN_RECORD
    if path.is_file():
        old = json.loads(path.read_text())
        diff = [k for k in ('split_sha256', 'max_epochs', 'config')
                if old.get(k) != record.get(k)]
        if diff:
            raise ValueError(
                f'work dir {work_dir} holds a training with a different {", ".join(diff)} '
                f'({ {k: old.get(k) for k in diff} } vs { {k: record.get(k) for k in diff} }); '
                'remove that folder or use another --run-dir')
    work_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + '\n')


def _dfer_predictions(runner, source: str) -> list[dict]:
    for metric in getattr(runner.test_evaluator, 'metrics', []):
        if hasattr(metric, 'last_predictions'):
            return list(metric.last_predictions)
    raise ValueError(f'{source}: the test evaluator has no DFERMetric (per-sample '
                     "predictions); set test_evaluator = dict(type='DFERMetric')")


def train_and_test(cfg: Config, work_dir: str | os.PathLike, name: str) -> TrainResult:
    """Train ``cfg`` in ``work_dir`` (resume / skip as possible), then run its test loop.

    Resumes from the newest checkpoint in ``work_dir`` if any; trains nothing if the final
    checkpoint exists. The test runs the final weights (no best-checkpoint selection).

    Args:
        cfg: the config to train (training split, epochs etc. already set).
        work_dir: mmengine work dir of this model and split.
        name: label for the experiment name and messages.
    """
    from mmengine.runner import Runner

    work_dir = Path(work_dir).resolve()
    final = final_checkpoint(cfg, work_dir)
    split = reader_cfg(cfg).get('ann_file')
    _check_record(work_dir, dict(
        config=str(cfg.filename), split=split, max_epochs=cfg.train_cfg.get('max_epochs'),
        split_sha256=file_sha256(split) if split else None))
    stamp = time.strftime('%Y%m%d_%H%M%S')
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = str(work_dir)
    cfg.launcher = cfg.get('launcher', 'none')
    train_seconds, status = 0.0, 'skipped'
    if not final.is_file():
        status = 'resumed' if (work_dir / 'last_checkpoint').is_file() else 'trained'
        cfg.resume, cfg.load_from = status == 'resumed', None
        cfg.experiment_name = f'{name}_train_{stamp}_{os.getpid()}_{time.monotonic_ns()}'
        runner = Runner.from_cfg(cfg)
        start = time.perf_counter()
        runner.train()
        train_seconds = time.perf_counter() - start
        if not final.is_file():
            raise RuntimeError(f'training {name} finished without writing {final}')
    else:
        cfg.resume, cfg.load_from = False, str(final)
        cfg.experiment_name = f'{name}_test_{stamp}_{os.getpid()}_{time.monotonic_ns()}'
        runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    metrics = runner.test()
    test_seconds = time.perf_counter() - start
    predictions = _dfer_predictions(runner, str(cfg.filename))
    return TrainResult(status, final, train_seconds, test_seconds, predictions, dict(metrics))
