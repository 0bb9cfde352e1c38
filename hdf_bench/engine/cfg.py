"""Every edit hdf-bench makes to an mmengine config, in one place.

Loading (:func:`load`), the data (:func:`with_data`: data root and fold of every reader, applied
once per run), the schedule (:func:`with_epochs`), validation (:func:`without_validation`), the
training split (:func:`with_train_split`), ``--cfg-options`` style overrides
(:func:`with_options`), the work dir (:func:`with_work_dir`), the clip cache folder
(:func:`with_clip_cache`), extra hooks (:func:`with_hook`) and the test pipeline
(:func:`test_dataset_cfg`, :func:`with_transform`). Each returns a copy; the input is left alone.
"""
from __future__ import annotations

import copy
import inspect
import math
import os
from collections.abc import Mapping
from pathlib import Path

from mmengine.config import Config, ConfigDict

#: the readers of :mod:`hdf_bench.data` (registry type without scope)
READER_TYPES = ('DFEWDataset', 'FERV39kDataset', 'MAFWDataset')
#: dataset wrappers whose inner dataset is under ``dataset``
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset')
#: pipeline steps after which a corruption transform may be inserted (frames are decoded there)
DECODE_TYPES = ('RawFrameDecode', 'CachedRawFrameDecode')


def load(path: str | os.PathLike, name: str | None = None) -> Config:
    """Read a config file (``hdf_bench`` imported first, so its components are registered).

    Args:
        path: the config file.
        name: the model it belongs to (named in errors).
    """
    import hdf_bench  # noqa: F401 - registers the components the config names

    owner = f' of model {name!r}' if name else ''
    if not Path(path).is_file():
        raise FileNotFoundError(f'config{owner} not found: {path}')
    try:
        return Config.fromfile(os.fspath(path))
    except Exception as err:  # mmengine raises many kinds on a broken config file
        raise ValueError(f'cannot read config {path}{owner}: {err}') from err


def type_name(ds_cfg: Mapping) -> str:
    """Registry type of a dataset or pipeline step config, without scope prefix."""
    kind = ds_cfg.get('type', '') if isinstance(ds_cfg, Mapping) else ''
    kind = kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))
    return kind.rsplit('.', 1)[-1]


def reader_cfg(cfg: Config, loader: str = 'train_dataloader') -> ConfigDict:
    """The reader's dataset config of ``cfg[loader]`` (inside wrappers), editable in place."""
    if loader not in cfg or not cfg[loader] or 'dataset' not in cfg[loader]:
        raise ValueError(f'config {cfg.filename} has no {loader}.dataset')
    ds_cfg = cfg[loader]['dataset']
    while type_name(ds_cfg) in WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    kind = type_name(ds_cfg)
    if kind not in READER_TYPES:
        raise ValueError(f'config {cfg.filename}: {loader}.dataset type is {kind!r}; '
                         f'expected one of {sorted(READER_TYPES)}')
    return ds_cfg


def inner_dataset(cfg: Config, loader: str) -> ConfigDict:
    """The dataset config of ``cfg[loader]`` inside any wrappers (any type), editable in place."""
    ds_cfg = cfg[loader]['dataset']
    while type_name(ds_cfg) in WRAPPERS:
        ds_cfg = ds_cfg['dataset']
    return ds_cfg


def _fold_value(ds_cfg: Mapping, fold, source: str) -> int | str:
    """``fold`` converted for the dataset class (int where its default is an int)."""
    from mmaction.registry import DATASETS

    kind = type_name(ds_cfg)
    if kind == 'FERV39kDataset':
        raise ValueError(f'--fold {fold}: FERV39k has no folds (config {source})')
    cls = DATASETS.get(str(ds_cfg.get('type')))
    params = inspect.signature(cls).parameters if cls is not None else {}
    if 'fold' not in ds_cfg and 'fold' not in params:
        raise ValueError(f'config {source}: the test dataset ({ds_cfg.get("type")}) takes no '
                         f'`fold`, so --fold {fold} cannot be applied')
    default = ds_cfg.get('fold', params['fold'].default if 'fold' in params else None)
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(fold)
        except ValueError:
            raise ValueError(f'--fold {fold!r}: {ds_cfg.get("type")} expects an integer '
                             'fold') from None
    return fold


def with_data(cfg: Config, data_root: str | os.PathLike | None = None,
              fold: int | str | None = None) -> Config:
    """A copy of ``cfg`` with ``data_root`` / ``fold`` replaced in train, val and test readers.

    Every reader's ``data_root`` is made absolute (mmengine would join a relative data root to
    a relative split path twice).

    Args:
        cfg: a model config.
        data_root: new data root (must be a folder), or None to keep the config's.
        fold: new fold (DFEW / MAFW readers), or None to keep the config's.
    """
    import hdf_bench  # noqa: F401 - the readers' registry entries (fold types)

    if data_root is not None and not Path(data_root).is_dir():
        raise FileNotFoundError(f'--data-root {data_root} is not a folder')
    out = copy.deepcopy(cfg)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not out.get(loader) or 'dataset' not in out[loader]:
            continue
        ds_cfg = inner_dataset(out, loader)
        if data_root is not None:
            ds_cfg['data_root'] = str(Path(data_root).resolve())
        if isinstance(ds_cfg.get('data_root'), str):
            ds_cfg['data_root'] = os.path.abspath(ds_cfg['data_root'])
        if fold is not None:
            ds_cfg['fold'] = _fold_value(ds_cfg, fold, str(cfg.filename))
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


def iters_per_epoch(cfg: Config, num_clips: int | None = None) -> int:
    """Training iterations per epoch: clips of the training set over the batch size.

    Args:
        cfg: the config.
        num_clips: clips of the training set, if known (else the training set is built).
    """
    loader = cfg.train_dataloader
    if num_clips is None:
        from mmaction.registry import DATASETS
        num_clips = len(DATASETS.build(dict(copy.deepcopy(loader['dataset']), pipeline=[])))
    return max(1, math.ceil(num_clips / int(loader.get('batch_size', 1))))


def without_validation(cfg: Config) -> Config:
    """A copy of ``cfg`` that does not validate during training (the test loader stays)."""
    out = copy.deepcopy(cfg)
    out.val_dataloader, out.val_cfg, out.val_evaluator = None, None, None
    return out


def with_options(cfg: Config, options: Mapping | None) -> Config:
    """A copy of ``cfg`` with ``merge_from_dict(options)`` (as ``--cfg-options``)."""
    out = copy.deepcopy(cfg)
    if options:
        out.merge_from_dict(dict(options))
    return out


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


def with_work_dir(cfg: Config, work_dir: str | os.PathLike) -> Config:
    """A copy of ``cfg`` writing its logs and checkpoints to ``work_dir`` (made absolute)."""
    out = copy.deepcopy(cfg)
    out.work_dir = str(Path(work_dir).resolve())
    out.launcher = out.get('launcher', 'none')
    return out


def with_clip_cache(cfg: Config, cache_dir: str | os.PathLike) -> Config:
    """A copy of ``cfg`` whose ``CachedRawFrameDecode`` steps (every loader) use ``cache_dir``.

    Args:
        cfg: a model config.
        cache_dir: folder of the decoded-clip cache (made absolute), or ``'memory'``.
    """
    folder = str(cache_dir) if str(cache_dir) == 'memory' else str(Path(cache_dir).resolve())
    out = copy.deepcopy(cfg)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not out.get(loader) or 'dataset' not in out[loader]:
            continue
        for step in inner_dataset(out, loader).get('pipeline') or []:
            if type_name(step) == 'CachedRawFrameDecode':
                step['cache_dir'] = folder
    return out


def with_hook(cfg: Config, hook: Mapping) -> Config:
    """A copy of ``cfg`` with ``hook`` appended to ``custom_hooks`` (replacing one of its type)."""
    out = copy.deepcopy(cfg)
    hooks = [h for h in (out.get('custom_hooks') or []) if type_name(h) != type_name(hook)]
    out.custom_hooks = hooks + [dict(hook)]
    return out


def test_dataset_cfg(cfg: Config, source: str) -> dict:
    """The test dataset config of a model config, as a plain dict in test mode.

    Args:
        cfg: the model config (must hold ``test_dataloader.dataset`` with a ``pipeline``).
        source: the config file (named in errors).
    """
    loader = cfg.get('test_dataloader')
    if not loader or 'dataset' not in loader:
        raise ValueError(f'config {source} has no test_dataloader.dataset')
    dataset = copy.deepcopy(loader['dataset'])
    dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else dict(dataset)
    if 'pipeline' not in dataset:
        raise ValueError(f'config {source}: test_dataloader.dataset has no pipeline')
    if isinstance(dataset.get('data_root'), str):
        dataset['data_root'] = os.path.abspath(dataset['data_root'])
    dataset['test_mode'] = True
    return dataset


def decode_index(pipeline: list, source: str) -> int:
    """Position of the decoding step of a test pipeline.

    Args:
        pipeline: the pipeline config (list of step dicts).
        source: where it comes from (named in the error).
    """
    for index, step in enumerate(pipeline):
        if type_name(step) in DECODE_TYPES:
            return index
    raise ValueError(
        f'{source}: the test pipeline has no {" / ".join(DECODE_TYPES)} step, so there is no '
        f'place to insert the corruption (it goes right after decoding); steps: '
        f'{[type_name(s) for s in pipeline]}')


def with_transform(pipeline: list, transform: dict | None, source: str) -> list:
    """A copy of ``pipeline`` with ``transform`` inserted right after the decoding step.

    Args:
        pipeline: the test pipeline config.
        transform: the step to insert (None: the pipeline unchanged, but still checked).
        source: where the pipeline comes from (named in errors).
    """
    steps = [copy.deepcopy(s) for s in pipeline]
    index = decode_index(steps, source)
    if transform is not None:
        steps.insert(index + 1, dict(transform))
    return steps
