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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mmengine.config import Config, ConfigDict

#: reader type (without scope) -> split format written by :mod:`hdf_bench.imbalance.formats`
READER_FORMATS = {'DFEWDataset': 'dfew', 'FERV39kDataset': 'ferv39k', 'MAFWDataset': 'mafw'}
#: dataset wrappers whose inner dataset is under ``dataset``
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')
#: file written in each training work dir: what split and schedule it was trained with
TRAIN_RECORD = 'imbalance_train.json'


def _type_name(ds_cfg: Mapping) -> str:
    kind = ds_cfg.get('type', '')
    kind = kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))
    return kind.rsplit('.', 1)[-1]


def reader_cfg(cfg: Config, loader: str = 'train_dataloader') -> ConfigDict:
    """The reader's dataset config of ``cfg[loader]`` (inside wrappers), editable in place."""
    if loader not in cfg or not cfg[loader] or 'dataset' not in cfg[loader]:
        raise ValueError(f'config {cfg.filename} has no {loader}.dataset')
    ds_cfg = cfg[loader]['dataset']
    while _type_name(ds_cfg) in WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    kind = _type_name(ds_cfg)
    if kind not in READER_FORMATS:
        raise ValueError(f'config {cfg.filename}: {loader}.dataset type is {kind!r}; a '
                         f'long-tailed split needs one of {sorted(READER_FORMATS)}')
    return ds_cfg


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


def with_data(cfg: Config, data_root: str | os.PathLike | None = None,
              fold: int | None = None) -> Config:
    """A copy of ``cfg`` with ``data_root`` / ``fold`` replaced in train, val and test readers.

    Args:
        cfg: a model config.
        data_root: new data root (must be a folder), or None to keep the config's.
        fold: new fold (DFEW / MAFW readers), or None to keep the config's.
    """
    if data_root is not None and not Path(data_root).is_dir():
        raise FileNotFoundError(f'--data-root {data_root} is not a folder')
    out = copy.deepcopy(cfg)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not out.get(loader):
            continue
        ds_cfg = reader_cfg(out, loader)
        if data_root is not None:
            ds_cfg['data_root'] = str(Path(data_root).resolve())
        if fold is not None:
            if _type_name(ds_cfg) == 'FERV39kDataset':
                raise ValueError(f'--fold {fold}: FERV39k has no folds (config {cfg.filename})')
            ds_cfg['fold'] = int(fold)
    return out


def with_epochs(cfg: Config, epochs: int, iters_per_epoch: int | None = None) -> Config:
    """A copy of ``cfg`` trained for ``epochs`` epochs, the schedule shape kept.

    By-epoch parameter schedulers (``begin``, ``end``, ``T_max``) are scaled by
    ``epochs / max_epochs``; those converted to iterations keep fractional epochs, the others
    are rounded. A scheduler that becomes empty is dropped (for a converted one this needs
    ``iters_per_epoch``: mmengine truncates ``epoch * iters_per_epoch`` to an integer).

    Args:
        cfg: a model config with an epoch-based ``train_cfg``.
        epochs: new number of epochs (>= 1).
        iters_per_epoch: training iterations per epoch, if known.
    """
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1:
        raise ValueError(f'--epochs must be an integer >= 1, got {epochs!r}')
    out = copy.deepcopy(cfg)
    train_cfg = out.get('train_cfg') or {}
    old = train_cfg.get('max_epochs')
    if old is None:
        raise ValueError(f'config {cfg.filename}: train_cfg has no max_epochs (only '
                         'epoch-based training takes --epochs)')
    factor = epochs / old
    schedulers = out.get('param_scheduler') or []
    single = isinstance(schedulers, Mapping)
    kept = []
    for sched in [schedulers] if single else schedulers:
        sched = copy.deepcopy(sched)
        if sched.get('by_epoch', True):
            fractional = bool(sched.get('convert_to_iter_based', False))
            scale = (lambda v: v * factor) if fractional else (lambda v: int(round(v * factor)))
            sched['begin'] = scale(sched.get('begin', 0))
            if 'end' in sched and sched['end'] < 10**8:
                sched['end'] = min(scale(sched['end']), epochs)
            if 'T_max' in sched:
                sched['T_max'] = scale(sched['T_max'])
                if not fractional:
                    sched['T_max'] = max(1, sched['T_max'])
            end = sched.get('end', 10**9)
            if fractional and iters_per_epoch and end < 10**8:
                empty = int(end * iters_per_epoch) <= int(sched['begin'] * iters_per_epoch)
            else:
                empty = end <= sched['begin']
            if empty:
                continue
        kept.append(sched)
    if schedulers:
        out.param_scheduler = kept[0] if single and kept else kept
    out.train_cfg.max_epochs = int(epochs)
    if 'val_begin' in out.train_cfg:
        out.train_cfg.val_begin = min(out.train_cfg.val_begin, int(epochs))
    return out


def without_validation(cfg: Config) -> Config:
    """A copy of ``cfg`` that does not validate during training (the test loader stays)."""
    out = copy.deepcopy(cfg)
    out.val_dataloader, out.val_cfg, out.val_evaluator = None, None, None
    return out


def final_checkpoint(cfg: Config, work_dir: str | os.PathLike) -> Path:
    """Path of the checkpoint the last training iteration writes (``epoch_<max>.pth``)."""
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_epochs') is not None and 'Iter' not in str(train_cfg.get('type', '')):
        return Path(work_dir) / f'epoch_{int(train_cfg["max_epochs"])}.pth'
    if train_cfg.get('max_iters') is not None:
        return Path(work_dir) / f'iter_{int(train_cfg["max_iters"])}.pth'
    raise ValueError(f'config {cfg.filename}: train_cfg needs max_epochs or max_iters')


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
