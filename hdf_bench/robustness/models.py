"""Which models a sweep evaluates: ``(name, config, checkpoint)`` triples, and loading them.

A model is given either explicitly (``NAME=CONFIG:CHECKPOINT`` on the command line, or a
:class:`ModelSpec` in Python) or as a zoo name plus a run folder that holds its checkpoint
(:func:`spec_from_zoo`).
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from mmengine.config import Config

#: pipeline steps after which a corruption transform may be inserted (frames are decoded there)
DECODE_TYPES = ('RawFrameDecode', 'CachedRawFrameDecode')


@dataclass(frozen=True)
class ModelSpec:
    """One model of a sweep.

    Args:
        name: label of the model in the results store (a zoo name or a user label).
        config: path of the mmengine config file.
        checkpoint: path of the checkpoint (``.pth``) written by mmengine.
    """

    name: str
    config: str
    checkpoint: str

    def check(self) -> None:
        """Raise a clear error if a file is missing or the name is empty."""
        if not self.name or any(c in self.name for c in '/\\'):
            raise ValueError(f'model name {self.name!r} must be non-empty and hold no slash')
        if not Path(self.config).is_file():
            raise FileNotFoundError(f'config of model {self.name!r} not found: {self.config}')
        if not Path(self.checkpoint).is_file():
            raise FileNotFoundError(
                f'checkpoint of model {self.name!r} not found: {self.checkpoint}')


def parse_model_arg(text: str) -> ModelSpec:
    """Parse ``NAME=CONFIG:CHECKPOINT`` (the ``--model`` argument).

    Args:
        text: the argument; the last ``:`` separates config and checkpoint.
    """
    name, sep, rest = text.partition('=')
    config, sep2, checkpoint = rest.rpartition(':')
    if not sep or not sep2 or not name or not config or not checkpoint:
        raise ValueError(f'--model {text!r}: expected NAME=CONFIG:CHECKPOINT, '
                         'e.g. hdf=configs/hdf/hdf_x3d_s_synthdfer_cpu.py:work_dirs/hdf/best.pth')
    return ModelSpec(name.strip(), config.strip(), checkpoint.strip())


def _zoo_config(name: str) -> str:
    """Config path of the zoo entry ``name`` (:mod:`hdf_bench.zoo`)."""
    from hdf_bench import zoo

    entry = zoo.get(name)  # ValueError listing the zoo names if unknown
    return str(entry.config_path())


def find_checkpoint(folder: str | os.PathLike) -> Path:
    """The checkpoint of a training run folder (mmengine's ``work_dir``).

    Order: the newest ``best*.pth`` (the model selected on validation), then the file named
    in ``last_checkpoint``, then the newest ``*.pth``.

    Args:
        folder: the run folder of one model.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'run folder {folder} does not exist')
    best = sorted(folder.glob('best*.pth'), key=lambda p: p.stat().st_mtime)
    if best:
        return best[-1]
    marker = folder / 'last_checkpoint'
    if marker.is_file():
        path = Path(marker.read_text().strip())
        path = path if path.is_absolute() else folder / path.name
        if path.is_file():
            return path
    found = sorted(folder.glob('*.pth'), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f'no checkpoint (*.pth) in run folder {folder}')
    return found[-1]


def spec_from_zoo(name: str, run_dir: str | os.PathLike) -> ModelSpec:
    """A zoo model whose checkpoint lies in ``<run_dir>/<name>/`` (or is ``<run_dir>/<name>.pth``).

    Args:
        name: zoo name (see ``hdf_bench.zoo``).
        run_dir: folder holding one training folder per model.
    """
    config = _zoo_config(name)
    run_dir = Path(run_dir)
    single = run_dir / f'{name}.pth'
    if single.is_file():
        checkpoint = single
    else:
        folder = run_dir / name
        if not folder.is_dir():
            raise FileNotFoundError(
                f'checkpoint of zoo model {name!r} not found: neither {single} nor {folder}/')
        checkpoint = find_checkpoint(folder)
    return ModelSpec(name, config, str(checkpoint))


def load_config(spec: ModelSpec) -> Config:
    """Read the config of a model (importing ``hdf_bench`` first)."""
    import hdf_bench  # noqa: F401 - registers the components the config names

    spec.check()
    try:
        return Config.fromfile(spec.config)
    except Exception as err:  # mmengine raises many kinds on a broken config file
        raise ValueError(f'cannot read config {spec.config} of model {spec.name!r}: {err}') from err


def build_model(spec: ModelSpec, cfg: Config, device: str = 'cpu') -> torch.nn.Module:
    """Build the model of ``cfg``, load the checkpoint of ``spec``, move it to ``device``, eval.

    Args:
        spec: the model (its checkpoint is loaded strictly: a mismatch is an error).
        cfg: its config, as returned by :func:`load_config`.
        device: ``cpu`` or ``cuda`` (or ``cuda:N``).
    """
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    if 'model' not in cfg:
        raise ValueError(f'config {spec.config} of model {spec.name!r} has no `model`')
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    try:
        load_checkpoint(model, spec.checkpoint, map_location='cpu', strict=True,
                        logger='silent')
    except RuntimeError as err:
        raise ValueError(f'checkpoint {spec.checkpoint} does not fit the model of '
                         f'{spec.config} ({spec.name!r}): {err}') from err
    return model.to(device).eval()


def _step_type(step: dict) -> str:
    """Registry type of a pipeline step without a scope prefix (``mmaction.X`` -> ``X``)."""
    kind = step.get('type', '') if isinstance(step, dict) else ''
    return kind.rsplit('.', 1)[-1] if isinstance(kind, str) else getattr(kind, '__name__', '')


def decode_index(pipeline: list, source: str) -> int:
    """Position of the decoding step of a test pipeline.

    Args:
        pipeline: the pipeline config (list of step dicts).
        source: where it comes from (named in the error).
    """
    for index, step in enumerate(pipeline):
        if _step_type(step) in DECODE_TYPES:
            return index
    raise ValueError(
        f'{source}: the test pipeline has no {" / ".join(DECODE_TYPES)} step, so there is no '
        f'place to insert the corruption (it goes right after decoding); steps: '
        f'{[_step_type(s) for s in pipeline]}')


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


def test_dataset_cfg(cfg: Config, source: str, data_root: str | None = None,
                     fold: str | None = None) -> dict:
    """The test dataset config of a model config, with optional overrides.

    Args:
        cfg: the model config (must hold ``test_dataloader.dataset`` with a ``pipeline``).
        source: the config file (named in errors).
        data_root: replaces ``data_root`` of the dataset.
        fold: replaces ``fold`` of the dataset (the dataset class must take one).
    """
    loader = cfg.get('test_dataloader')
    if not loader or 'dataset' not in loader:
        raise ValueError(f'config {source} has no test_dataloader.dataset')
    dataset = copy.deepcopy(loader['dataset'])
    dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else dict(dataset)
    if 'pipeline' not in dataset:
        raise ValueError(f'config {source}: test_dataloader.dataset has no pipeline')
    if data_root is not None:
        if not Path(data_root).is_dir():
            raise FileNotFoundError(f'--data-root {data_root} is not a folder')
        dataset['data_root'] = str(data_root)
    if isinstance(dataset.get('data_root'), str):
        # absolute: mmengine would join a relative data_root to a relative split path twice
        dataset['data_root'] = os.path.abspath(dataset['data_root'])
    if fold is not None:
        dataset['fold'] = _fold_value(dataset, fold, source)
    dataset['test_mode'] = True
    return dataset


def _fold_value(dataset: dict, fold: str, source: str):
    """``fold`` converted for the dataset class (int where its default is an int)."""
    import inspect

    from mmaction.registry import DATASETS

    cls = DATASETS.get(str(dataset.get('type')))
    params = inspect.signature(cls).parameters if cls is not None else {}
    if 'fold' not in dataset and 'fold' not in params:
        raise ValueError(f'config {source}: the test dataset ({dataset.get("type")}) takes no '
                         f'`fold`, so --fold {fold} cannot be applied')
    default = dataset.get('fold', params['fold'].default if 'fold' in params else None)
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(fold)
        except ValueError:
            raise ValueError(f'--fold {fold!r}: {dataset.get("type")} expects an integer '
                             'fold') from None
    return fold
