"""Train a config through the mmengine runner (the same path as ``mim train``), resumably,
and the config edits that training runs share (data root, fold, epochs, validation)."""
from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path

from mmengine.config import Config, ConfigDict

#: reader type (without scope) -> split format written by :mod:`hdf_bench.imbalance.formats`
READER_FORMATS = {'DFEWDataset': 'dfew', 'FERV39kDataset': 'ferv39k', 'MAFWDataset': 'mafw'}
#: dataset wrappers whose inner dataset is under ``dataset``
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')


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



def iters_per_epoch(cfg: Config) -> int:
    """Training iterations per epoch: clips of the training set over the batch size."""
    import math

    from mmaction.registry import DATASETS
    loader = cfg.train_dataloader
    dataset = DATASETS.build(dict(copy.deepcopy(loader['dataset']), pipeline=[]))
    return max(1, math.ceil(len(dataset) / loader['batch_size']))


def train(config: str | os.PathLike | Config, work_dir: str | os.PathLike, *,
          data_root: str | None = None, max_epochs: int | None = None,
          cfg_options: dict | None = None) -> Path:
    """Train ``config`` into ``work_dir`` and return the final checkpoint.

    A finished run (its final checkpoint exists) is not trained again; an interrupted one
    resumes from the last checkpoint in ``work_dir`` (mmengine's ``resume=True``).

    Args:
        config: config file or loaded config.
        work_dir: folder of logs and checkpoints.
        data_root: overrides the data root of every dataloader.
        max_epochs: overrides the epoch budget (the LR schedule is stretched to match).
        cfg_options: further overrides, merged like ``--cfg-options``.
    """
    from mmengine.runner import Runner

    cfg = config.copy() if isinstance(config, Config) else Config.fromfile(str(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root is not None:
        cfg = with_data(cfg, data_root)
    if max_epochs is not None:
        cfg = with_epochs(cfg, max_epochs, iters_per_epoch(cfg))
    cfg.work_dir = str(Path(work_dir).resolve())
    final = final_checkpoint(cfg, cfg.work_dir)
    if final.is_file():
        return final
    cfg.resume = (Path(cfg.work_dir) / 'last_checkpoint').is_file()
    Runner.from_cfg(cfg).train()
    if not final.is_file():
        raise RuntimeError(f'training finished but {final} was not written')
    return final
