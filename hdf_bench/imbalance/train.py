"""Where a long-tailed training split comes from and how the config reads it.

The training split is a config option, not a copy of each config: the readers of
:mod:`hdf_bench.data` (``DFEWDataset``, ``FERV39kDataset``, ``MAFWDataset``) take an
``ann_file`` that replaces the official split file, in the data set's own format (the format
:func:`hdf_bench.imbalance.make_longtail_split` writes).
:func:`hdf_bench.engine.cfg.with_train_split` sets it; the
same run with ``mim train`` / ``tools/train.py`` is::

    mim train mmaction configs/hdf/hdf_x3d_s_synthdfer_cpu.py \\
        --work-dir RUN/imbalance/exp_rho10/hdf \\
        --cfg-options train_dataloader.dataset.ann_file=/abs/path/to/split.csv

Only the training dataloader changes; validation and test data stay the official test split.
Training and testing go through :func:`hdf_bench.engine.training.train` and
:func:`hdf_bench.engine.evaluation.evaluate`.
"""
from __future__ import annotations

import os
from pathlib import Path

from mmengine.config import Config

from hdf_bench.engine.cfg import reader_cfg, type_name


def _reader_class(ds_cfg) -> type:
    """The reader class of a dataset config (its ``split_format`` and ``split_file``)."""
    from hdf_bench.data import DFEWDataset, FERV39kDataset, MAFWDataset

    readers = {cls.__name__: cls for cls in (DFEWDataset, FERV39kDataset, MAFWDataset)}
    return readers[type_name(ds_cfg)]


def split_format(cfg: Config) -> str:
    """Split format (``dfew``, ``ferv39k``, ``mafw``) of the config's training reader."""
    ds_cfg = reader_cfg(cfg)
    fmt = _reader_class(ds_cfg).split_format
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
    from hdf_bench.data.dfew import resolve_ann_file

    ds_cfg = reader_cfg(cfg)
    split_format(cfg)  # MAFW with map_to_basic is refused
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
    else:
        path = _reader_class(ds_cfg).split_file(data_root, fold, split)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'training split {path} of config {cfg.filename} not found')
    return Path(path).resolve()
