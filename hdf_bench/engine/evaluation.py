"""The one way hdf-bench evaluates: a trained :class:`~hdf_bench.engine.run.Run` on its test
split (optionally with a transform after frame decoding), to per-sample predictions and scores.

:func:`evaluate` is the whole job; :func:`prepare_target`, :func:`predict_pipeline` and
:func:`predict_inputs` are its steps, which the robustness sweep reuses per corruption (with
its clip cache).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from hdf_bench.data.classes import CLASSES
from hdf_bench.engine import cfg as cfgs
from hdf_bench.engine.run import Run, dataset_identity
from hdf_bench.evaluation.dfer_metric import dfer_scores


def sample_id(info: Mapping, index: int) -> str:
    """The sample id of a clip in the store: its ``clip_id``, else its ``frame_dir``, else its
    position in the test set."""
    return str(info.get('clip_id', info.get('frame_dir', index)))


def build_model(run: Run, device: str = 'cpu') -> torch.nn.Module:
    """Build the model of ``run.cfg``, load its checkpoint strictly, move to ``device``, eval.

    Args:
        run: a trained run (its checkpoint is loaded strictly: a mismatch is an error).
        device: ``cpu`` or ``cuda`` (or ``cuda:N``).
    """
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    run.model.check(need_checkpoint=True)
    if 'model' not in run.cfg:
        raise ValueError(f'config {run.model.config} of model {run.name!r} has no `model`')
    init_default_scope(run.cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(run.cfg.model)
    try:
        load_checkpoint(model, run.checkpoint, map_location='cpu', strict=True,
                        logger='silent')
    except RuntimeError as err:
        raise ValueError(f'checkpoint {run.checkpoint} does not fit the model of '
                         f'{run.model.config} ({run.name!r}): {err}') from err
    return model.to(device).eval()


@dataclass
class Target:
    """A loaded model with its test dataset (built once; the pipeline is set per condition)."""

    run: Run
    model: torch.nn.Module
    dataset: object
    pipeline: list
    dataset_name: str
    fold: str
    classes: tuple[str, ...]
    clip_ids: list[str]
    labels: list[int]
    infos: list[dict]
    infer_cfg: dict
    dataset_cfg: dict | None = None
    predictor: Callable[[list[torch.Tensor]], list[int]] | None = None

    @property
    def name(self) -> str:
        return self.run.name

    def predict(self, inputs: list[torch.Tensor]) -> list[int]:
        """Class indices of a batch of pipeline outputs: the mmaction2 recognizer's
        ``test_step``, or the ``predictor`` of an outside model
        (:class:`hdf_bench.engine.adapter.ModelAdapter`)."""
        if self.predictor is not None:
            return self.predictor(inputs)
        return _predict(self.model, inputs)


def prepare_target(run: Run, device: str = 'cpu', infer_cfg: dict | None = None) -> Target:
    """Load a trained model (eval mode) and build its test dataset.

    Args:
        run: the trained run (data root and fold already applied to its config).
        device: where the model runs.
        infer_cfg: fast inference options (:func:`hdf_bench.engine.fast_infer.apply_infer_cfg`);
            None takes the config's ``infer_cfg`` (if any).
    """
    from hdf_bench.engine.fast_infer import apply_infer_cfg

    infer_cfg = dict(run.cfg.get('infer_cfg') or {}) if infer_cfg is None else dict(infer_cfg)
    model = apply_infer_cfg(build_model(run, device), infer_cfg)
    return target_of(run, model, infer_cfg)


def target_of(run: Run, model: torch.nn.Module | None, infer_cfg: dict | None = None,
                predictor: Callable[[list[torch.Tensor]], list[int]] | None = None) -> Target:
    """The :class:`Target` of a loaded model (or an outside model's ``predictor``) on the
    test dataset of ``run.cfg``."""
    from mmaction.registry import DATASETS

    source = str(run.model.config)
    ds_cfg = cfgs.test_dataset_cfg(run.cfg, source)
    pipeline = cfgs.with_transform(ds_cfg['pipeline'], None, f'config {source}')
    dataset = DATASETS.build(ds_cfg)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if not infos:
        raise ValueError(f'the test dataset of {source} is empty')
    if 'label' not in infos[0]:
        raise ValueError(f'test dataset of {source}: clip infos lack \'label\'')
    clip_ids = [sample_id(info, n) for n, info in enumerate(infos)]
    classes = tuple((run.cfg.get('test_evaluator') or {}).get('classes', None)
                    or (getattr(dataset, 'metainfo', None) or {}).get('classes', None) or CLASSES)
    name, fold = dataset_identity(run.cfg)
    return Target(run, model, dataset, pipeline, name, fold, classes, clip_ids,
                  [int(i['label']) for i in infos], infos, dict(infer_cfg or {}), ds_cfg,
                  predictor)


@torch.no_grad()
def _predict(model: torch.nn.Module, inputs: list[torch.Tensor]) -> list[int]:
    from mmaction.structures import ActionDataSample

    samples = [ActionDataSample() for _ in inputs]
    outputs = model.test_step(dict(inputs=inputs, data_samples=samples))
    return [int(out.pred_score.argmax().item()) for out in outputs]


def predict_pipeline(target: Target, pipeline: list, batch_size: int, num_workers: int = 0,
                     on_batch: Callable[[np.ndarray], None] | None = None,
                     on_clips: Callable[[int], None] | None = None) -> list[int]:
    """Predictions of the target's model on its test set read through ``pipeline``.

    Args:
        target: the model and test set.
        pipeline: the test pipeline (e.g. with a corruption step).
        batch_size: clips per forward pass.
        num_workers: data loader workers.
        on_batch: called with each batch of model inputs (e.g. to cache them).
        on_clips: called with the number of clips done after each batch (progress).
    """
    from mmengine.dataset import Compose, pseudo_collate

    target.dataset.pipeline = Compose(pipeline)
    loader = torch.utils.data.DataLoader(
        target.dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
        collate_fn=pseudo_collate)
    preds: list[int] = []
    for batch in loader:
        inputs = list(batch['inputs'])
        if on_batch is not None:
            on_batch(np.stack([x.numpy() for x in inputs]))
        preds.extend(target.predict(inputs))
        if on_clips is not None:
            on_clips(len(inputs))
    return preds


def predict_inputs(target: Target, inputs: np.ndarray, batch_size: int,
                   on_clips: Callable[[int], None] | None = None) -> list[int]:
    """Predictions of the target's model on model inputs already computed (a cache entry)."""
    preds: list[int] = []
    for start in range(0, len(inputs), batch_size):
        rows = torch.from_numpy(np.array(inputs[start:start + batch_size]))  # copy: writable
        preds.extend(target.predict(list(rows)))
        if on_clips is not None:
            on_clips(len(rows))
    return preds


@dataclass(frozen=True)
class Evaluation:
    """Per-sample predictions and scores of one evaluation.

    Args:
        sample_ids, labels, preds: one entry per test clip (see :func:`sample_id`).
        metrics: :func:`hdf_bench.evaluation.dfer_metric.dfer_scores` of them.
        seconds: wall time of the predictions.
        dataset, fold: the cell identity of the test set.
        classes: class names in label order.
    """

    sample_ids: list[str]
    labels: list[int]
    preds: list[int]
    metrics: dict
    seconds: float
    dataset: str
    fold: str
    classes: tuple[str, ...]

    def records(self) -> list[dict]:
        """The predictions as ``sample_id`` / ``label`` / ``pred`` dicts."""
        return [dict(sample_id=s, label=y, pred=p)
                for s, y, p in zip(self.sample_ids, self.labels, self.preds, strict=True)]


def score(target: Target, preds: list[int], seconds: float) -> Evaluation:
    """Package the predictions of ``target``'s model with their scores."""
    metrics = dfer_scores(target.labels, preds, len(target.classes))
    return Evaluation(list(target.clip_ids), list(target.labels), list(preds), metrics, seconds,
                      target.dataset_name, target.fold, target.classes)


def evaluate(run: Run, transform: dict | None = None, device: str = 'cpu',
             batch_size: int | None = None, num_workers: int = 0,
             infer_cfg: dict | None = None, target: Target | None = None) -> Evaluation:
    """Evaluate a trained run on its test split (a ``transform`` inserted after decoding).

    Args:
        run: the trained run.
        transform: a pipeline step (e.g. a ``Corrupt``) or None for clean data.
        device: where the model runs.
        batch_size: clips per forward pass (default: the test dataloader's).
        num_workers: data loader workers.
        infer_cfg: fast inference options (None: the config's).
        target: a target already prepared for ``run`` (skips loading).
    """
    target = target or prepare_target(run, device, infer_cfg)
    if batch_size is None:
        batch_size = int((run.cfg.get('test_dataloader') or {}).get('batch_size', 1))
    pipeline = cfgs.with_transform(target.pipeline, transform, str(run.model.config))
    start = time.perf_counter()
    preds = predict_pipeline(target, pipeline, batch_size, num_workers)
    return score(target, preds, time.perf_counter() - start)
