"""Benchmark any video classifier, not only the zoo: :func:`benchmark`.

An outside model (any callable returning logits over the 7 classes, in its own class order if
``classes`` says so) is evaluated by the sweep's own loop (:func:`hdf_bench.robustness.sweep.
run_sweep`): its test pipeline is the data set's reader with the project's test sampler,
frame decoding (the corruption point), a resize to ``InputSpec.size`` and ``FormatShape``
(NCTHW, so clips and the clip cache are shared with zoo models of the same sampling);
:class:`~hdf_bench.engine.adapter.ModelAdapter` scales, normalises and lays out the clips as
:class:`~hdf_bench.engine.adapter.InputSpec` says. Its cells have the keys, metrics and
predictions of a zoo model's, so the report shows it next to them. :func:`write_prior_cells`
adds the imbalance prior-shift cells from its clean predictions.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from hdf_bench.data.classes import CLASSES
from hdf_bench.engine.adapter import (
    EXPORT_SUFFIXES,
    InputSpec,
    ModelAdapter,
    class_order,
    load_outside_model,
)
from hdf_bench.engine.evaluation import Target
from hdf_bench.engine.run import ModelRef, Run

#: data sets an outside model can be benchmarked on (their config under configs/_base_/datasets)
DATASETS = ('dfew', 'ferv39k', 'mafw', 'synthdfer')


def outside_run(name: str, dataset: str, data_root: str | os.PathLike, fold: int | str | None,
                spec: InputSpec, source: str) -> Run:
    """The :class:`Run` of an outside model: the data set's shipped config, its test sampler at
    ``spec.frames``, its resize at ``spec.size``; ``source`` is recorded as the checkpoint."""
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.resources import shipped_file

    if dataset not in DATASETS:
        raise ValueError(f'dataset {dataset!r}: expected one of {DATASETS}')
    ref = ModelRef(name, str(shipped_file(f'configs/_base_/datasets/{dataset}.py')), source)
    if not ref.name or any(c in ref.name for c in '/\\'):
        raise ValueError(f'model name {name!r} must be non-empty and hold no slash')
    cfg = cfgs.load(ref.config, name)
    pipeline = []
    for step in cfg.test_dataloader.dataset.pipeline:
        step = dict(step)
        if cfgs.type_name(step) == 'SegmentCentreSample':
            step['clip_len'] = int(spec.frames)
        elif cfgs.type_name(step) == 'Resize':
            step.update(scale=(int(spec.size), int(spec.size)), keep_ratio=False)
        pipeline.append(step)
    cfg.test_dataloader.dataset.pipeline = pipeline
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.dataset_name = dataset
    if dataset == 'ferv39k':
        fold = None
    return Run(ref, cfgs.with_data(cfg, data_root, fold))


def outside_target(model: Callable, name: str, dataset: str, data_root: str | os.PathLike,
                   fold: int | str | None = 1, spec: InputSpec | None = None,
                   classes: Sequence | Mapping | None = None, device: str = 'cpu',
                   source: str = 'python') -> Target:
    """A sweep :class:`Target` for an outside model (see :func:`benchmark` for the args)."""
    from mmengine.registry import init_default_scope

    from hdf_bench.engine.evaluation import target_of

    spec = spec or InputSpec()
    run = outside_run(name, dataset, data_root, fold, spec, source)
    init_default_scope(run.cfg.get('default_scope', 'mmaction'))  # the pipeline's registry
    target = target_of(run, None, dict(input=_spec_meta(spec)))
    target.predictor = ModelAdapter(name, model, spec, classes, device, target.classes)
    target.infer_cfg['class_order'] = target.predictor.order
    return target


def _spec_meta(spec: InputSpec) -> dict:
    return dict(layout=spec.layout, frames=int(spec.frames), size=int(spec.size),
                mean=[float(v) for v in spec.mean], std=[float(v) for v in spec.std],
                value_range=[float(v) for v in spec.value_range])


def benchmark(model: Callable | str, data_root: str | os.PathLike, dataset: str = 'dfew',
              fold: int | str | None = 1, suite='default', input: InputSpec | None = None,
              classes: Sequence | Mapping | None = None,
              store: str | os.PathLike = 'results', device: str = 'cpu',
              name: str | None = None, batch_size: int = 8,
              cache_dir: str | os.PathLike | None = None, quiet: bool = True,
              priors: bool = False) -> pd.DataFrame:
    """Clean and corrupted evaluation of any video classifier into the results store.

    Args:
        model: a callable taking a float tensor laid out as ``input.layout`` and returning
            logits ``[N, 7]``; or ``module.path:factory``; or a TorchScript / torch.export file.
        data_root: the data set copy.
        dataset: ``dfew``, ``ferv39k``, ``mafw`` or ``synthdfer``.
        fold: test fold (None for FERV39k).
        suite: corruption suite (a name, a file, or conditions; ``[]`` for clean only).
        input: what the model takes (layout, frames, size, mean, std, value range).
        classes: the model's class order: per output, a canonical class name or index (or a
            mapping output index -> name/index); None: the canonical order
            (:data:`hdf_bench.data.classes.CLASSES`).
        store: the results store folder (finished cells are skipped).
        device: where the model runs.
        name: the model's label in the store (default: the file's stem, the factory's name,
            or the lower-case class name of ``model``).
        batch_size: clips per forward pass.
        cache_dir: pipeline-output cache shared with other models (None: none).
        quiet: no progress bars or log lines.
        priors: also write the imbalance prior-shift cells (:func:`write_prior_cells`).

    Returns:
        The store rows of the model's clean and corruption cells.
    """
    from hdf_bench.robustness.sweep import run_sweep

    if isinstance(model, (str, os.PathLike)):
        text = os.fspath(model)
        model, source = load_outside_model(text)
        is_file = Path(text).suffix in EXPORT_SUFFIXES or Path(text).is_file()
        name = name or (Path(text).stem if is_file else text.rpartition(':')[2])
    else:
        source = f'python:{type(model).__module__}.{type(model).__qualname__}'
    name = name or type(model).__name__.lower()
    target = outside_target(model, name, dataset, data_root, fold, input, classes, device,
                            source)
    frame = run_sweep([target], suite, store, cache_dir=cache_dir, device=device,
                      batch_size=batch_size, quiet=quiet)
    if priors:
        write_prior_cells(store, target)
    return frame


def train_class_counts(run: Run) -> list[int]:
    """Training clips per class of the run's data set (its train reader)."""
    from mmaction.registry import DATASETS

    from hdf_bench.engine import cfg as cfgs

    ds_cfg = dict(cfgs.reader_cfg(run.cfg, 'train_dataloader'), pipeline=[])
    reader = DATASETS.build(ds_cfg)
    counts = [0] * len(run.cfg.get("test_evaluator", {}).get("classes", None) or CLASSES)
    for i in range(len(reader)):
        counts[int(reader.get_data_info(i)['label'])] += 1
    return counts


def write_prior_cells(store: str | os.PathLike, target: Target,
                      counts: Sequence[int] | None = None) -> list:
    """The ``prior`` cells (uniform, train, reversed test priors) of a model from its clean
    cell; ``counts``: training clips per class (default: the data set's train split).

    Returns the keys written.
    """
    from hdf_bench.imbalance.cells import put_prior_cells
    from hdf_bench.results import Axis, CellKey, ResultsStore

    store = ResultsStore(store) if not isinstance(store, ResultsStore) else store
    key = CellKey(target.name, target.dataset_name, target.fold, Axis.CLEAN, 'clean', 0, 0)
    if not store.has(key):
        raise ValueError(f'no clean cell of {target.name!r} in {store.root}: run the sweep first')
    record = store.get(key)
    cols = record['predictions']
    predictions = [dict(sample_id=s, label=y, pred=p) for s, y, p in
                   zip(cols['sample_ids'], cols['labels'], cols['preds'], strict=True)]
    counts = list(counts) if counts is not None else train_class_counts(target.run)
    return put_prior_cells(store, target.name, target.dataset_name, target.fold, predictions,
                           counts, classes=target.classes,
                           meta=dict(checkpoint=str(target.run.checkpoint)))

__all__ = ['DATASETS', 'InputSpec', 'ModelAdapter', 'benchmark', 'class_order',
           'load_outside_model', 'outside_run', 'outside_target', 'train_class_counts',
           'write_prior_cells']
