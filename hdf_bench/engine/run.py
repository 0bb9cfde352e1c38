"""What a job is about: a model (:class:`ModelRef`) and its run (:class:`Run`).

A :class:`ModelRef` names a model: its label in the store, its config file and, once trained,
its checkpoint. A :class:`Run` adds the loaded and edited config; it is made once
(:meth:`Run.load`: data root, fold and further options applied there) and handed from training
(:func:`hdf_bench.engine.training.train`) to evaluation
(:func:`hdf_bench.engine.evaluation.evaluate`), so no setting is applied twice.
"""
from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from mmengine.config import Config

from hdf_bench.engine import cfg as cfgs


@dataclass(frozen=True)
class ModelRef:
    """One model: a store label, a config file and (once trained) a checkpoint.

    Args:
        name: label of the model in the results store and work dirs (a zoo or user name).
        config: path of the mmengine config file.
        checkpoint: path of the checkpoint (``.pth``), if any.
    """

    name: str
    config: str
    checkpoint: str | None = None

    def check(self, need_checkpoint: bool = False) -> None:
        """Raise a clear error if the name is bad or a file is missing."""
        if not self.name or any(c in self.name for c in '/\\'):
            raise ValueError(f'model name {self.name!r} must be non-empty and hold no slash')
        if not Path(self.config).is_file():
            raise FileNotFoundError(f'config of model {self.name!r} not found: {self.config}')
        if need_checkpoint and not self.checkpoint:
            raise ValueError(f'model {self.name!r} has no checkpoint')
        if self.checkpoint is not None and not Path(self.checkpoint).is_file():
            raise FileNotFoundError(
                f'checkpoint of model {self.name!r} not found: {self.checkpoint}')


def parse_model_arg(text: str) -> ModelRef:
    """Parse ``NAME=CONFIG:CHECKPOINT`` (the sweep's ``--model`` argument).

    Args:
        text: the argument; the last ``:`` separates config and checkpoint.
    """
    name, sep, rest = text.partition('=')
    config, sep2, checkpoint = rest.rpartition(':')
    if not sep or not sep2 or not name or not config or not checkpoint:
        raise ValueError(f'--model {text!r}: expected NAME=CONFIG:CHECKPOINT, '
                         'e.g. hdf=configs/hdf/hdf_x3d_s_synthdfer_cpu.py:work_dirs/hdf/best.pth')
    return ModelRef(name.strip(), config.strip(), checkpoint.strip())


def resolve_model(item: str | tuple[str, str] | ModelRef) -> ModelRef:
    """A zoo name, ``NAME=CONFIG``, a ``(name, config)`` pair or a :class:`ModelRef`."""
    if isinstance(item, ModelRef):
        ref = item
    elif isinstance(item, tuple):
        if len(item) != 2:
            raise ValueError(f'model {item!r}: expected (name, config)')
        ref = ModelRef(str(item[0]), os.fspath(item[1]))
    elif isinstance(item, str) and '=' in item:
        name, _, config = item.partition('=')
        ref = ModelRef(name.strip(), config.strip())
    elif isinstance(item, str):
        from hdf_bench import zoo
        ref = zoo.get(item).ref()
    else:
        raise ValueError(f'model {item!r}: expected a zoo name, NAME=CONFIG or (name, config)')
    ref.check()
    return ref


@dataclass(frozen=True)
class Run:
    """A model with its loaded and edited config: what training and evaluation are handed.

    Args:
        model: the model (its checkpoint, once trained).
        cfg: the config, every edit of the job applied.
    """

    model: ModelRef
    cfg: Config

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def checkpoint(self) -> str | None:
        return self.model.checkpoint

    @classmethod
    def load(cls, model: ModelRef, data_root: str | os.PathLike | None = None,
             fold: int | str | None = None, options: Mapping | None = None) -> Run:
        """Read the model's config and apply the job's data root, fold and options once.

        Args:
            model: the model.
            data_root: replaces every reader's ``data_root``.
            fold: replaces every reader's ``fold``.
            options: ``merge_from_dict`` overrides (as ``--cfg-options``), applied first.
        """
        model.check()
        cfg = cfgs.with_options(cfgs.load(model.config, model.name), options)
        return cls(model, cfgs.with_data(cfg, data_root, fold))

    def edited(self, cfg: Config) -> Run:
        """This run with another config."""
        return replace(self, cfg=cfg)

    def trained(self, checkpoint: str | os.PathLike) -> Run:
        """This run with its checkpoint."""
        return replace(self, model=replace(self.model, checkpoint=str(checkpoint)))


def dataset_identity(cfg: Config) -> tuple[str, str]:
    """(data set name, fold) of the cell keys, from the config's test reader.

    The name is the config's top-level ``dataset_name``, else ``synthdfer`` for a SynthDFER
    root (it holds the SynthDFER manifest), else the reader type without ``Dataset``
    (``DFEWDataset`` -> ``dfew``). The fold is the reader's ``fold`` (its class default when
    the config sets none), or ``all`` for a reader without folds.
    """
    from mmaction.registry import DATASETS

    from hdf_bench.data.synth import MANIFEST

    loader = cfg.get('test_dataloader')
    if not loader or 'dataset' not in loader:
        raise ValueError(f'config {cfg.filename} has no test_dataloader.dataset')
    ds_cfg = cfgs.inner_dataset(cfg, 'test_dataloader')
    name = cfg.get('dataset_name', None)
    root = ds_cfg.get('data_root')
    if not isinstance(name, str) and root and os.path.isfile(os.path.join(root, MANIFEST)):
        name = 'synthdfer'
    if not isinstance(name, str):
        kind = cfgs.type_name(ds_cfg)
        name = kind[:-len('Dataset')] if kind.endswith('Dataset') and kind != 'Dataset' else kind
    fold = ds_cfg.get('fold', None)
    if fold is None:
        reader = DATASETS.get(str(ds_cfg.get('type')))
        params = inspect.signature(reader).parameters if reader is not None else {}
        fold = params['fold'].default if 'fold' in params else None
    return name.lower(), 'all' if fold is None else str(fold)
