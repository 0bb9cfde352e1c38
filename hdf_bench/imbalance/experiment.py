"""The class-imbalance experiment: long-tailed splits x models -> trained models -> store cells.

For each ``rho``: write (or reuse) the long-tailed subset of the data set's training split under
``<run_dir>/imbalance/splits/``, train each model on it in
``<run_dir>/imbalance/<condition>/<model>/`` (see :mod:`hdf_bench.imbalance.train`), test it on
the unchanged test split and write its ``imbalance`` and ``prior`` cells into
``<run_dir>/results``. ``rho = 1`` is the balanced subset (every class ``n_max`` clips).
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hdf_bench.engine import cfg as cfgs
from hdf_bench.engine.evaluation import evaluate
from hdf_bench.engine.run import ModelRef, Run, dataset_identity, resolve_model
from hdf_bench.engine.training import file_sha256, final_checkpoint, train
from hdf_bench.evaluation.prior import (
    NAMED_PRIORS,
    prior_war,
    resampled_accuracy,
    reversed_prior,
    validate_prior,
)
from hdf_bench.imbalance.cells import prior_condition, put_imbalance_cells
from hdf_bench.imbalance.formats import format_classes
from hdf_bench.imbalance.profiles import PROFILES, check_rho, condition_name, format_rho
from hdf_bench.imbalance.splits import Manifest, make_longtail_split, manifest_path, read_manifest
from hdf_bench.imbalance.train import source_split_path, split_format
from hdf_bench.results import Axis, CellKey, ResultsStore
from hdf_bench.results import provenance as prov

SPLIT_SUFFIX = {'dfew': '.csv', 'ferv39k': '.csv', 'mafw': '.txt'}
SUMMARY_COLUMNS = ['model', 'rho', 'condition', 'train_clips', 'war', 'uar', 'head', 'medium',
                   'tail', 'war_reversed', 'status', 'train_s']


def _manifest_matches(manifest: Manifest, source: Path, fmt: str, profile: str, rho: float,
                      seed: int, out_path: Path) -> bool:
    from hdf_bench.imbalance.formats import read_split
    if (manifest.format, manifest.source_split, manifest.profile, manifest.seed,
            manifest.split_path) != (fmt, str(source), profile, seed, str(out_path)):
        return False
    if float(manifest.rho) != float(rho) or manifest.source_sha256 != file_sha256(source):
        return False
    try:
        counts = read_split(out_path, fmt).class_counts().tolist()
    except ValueError:
        return False
    return counts == list(manifest.chosen)


def ensure_split(source: str | os.PathLike, fmt: str, out_path: str | os.PathLike,
                 profile: str, rho: float, seed: int) -> tuple[Manifest, bool]:
    """The long-tailed split at ``out_path``: reused if its manifest matches, else written.

    Returns ``(manifest, reused)``.

    Args:
        source: full training split file.
        fmt: its format.
        out_path: where the subset lives.
        profile, rho, seed: as for :func:`make_longtail_split`.
    """
    source, out_path = Path(source).resolve(), Path(out_path).resolve()
    mpath = manifest_path(out_path)
    if mpath.is_file() and out_path.is_file():
        try:
            manifest = read_manifest(mpath)
        except ValueError:
            manifest = None
        if manifest is not None and _manifest_matches(manifest, source, fmt, profile, rho,
                                                      seed, out_path):
            return manifest, True
    return make_longtail_split(source, fmt, out_path, profile, rho, seed), False


def _summary_row(name: str, manifest: Manifest, cell: dict, status: str,
                 train_s: float) -> dict:
    """One summary row from the stored imbalance cell (its WAR, UAR and group recall)."""
    metrics = cell['metrics']
    rev = prior_war(metrics['per_class_recall'], reversed_prior(manifest.chosen))
    return dict(model=name, rho=manifest.rho, condition=manifest.condition,
                train_clips=manifest.num_clips, war=metrics['war'], uar=metrics['uar'],
                **metrics['group_recall'], war_reversed=rev, status=status,
                train_s=round(train_s, 1))


def resample_check(predictions: list[dict], train_counts: Sequence[int], num_draws: int = 20000,
                   seed: int = 0) -> dict:
    """The reversed-prior WAR by formula and on a test set resampled to that prior.

    Args:
        predictions: per-sample records (``label``, ``pred``).
        train_counts: training clips per class (defines the reversed prior).
        num_draws: size of the resampled test set.
        seed: resampling seed.
    """
    from hdf_bench.evaluation.dfer_metric import dfer_scores
    labels = np.array([int(p['label']) for p in predictions])
    preds = np.array([int(p['pred']) for p in predictions])
    pi = reversed_prior(train_counts)
    scores = dfer_scores(labels, preds, len(train_counts))
    acc, se = resampled_accuracy(labels, preds, pi, num_draws, seed)
    return dict(formula=prior_war(scores['per_class_recall'], pi), resampled=acc, se=se)


def prepare_run(ref: ModelRef, data_root: str | None = None, fold: int | None = None,
                validate: bool = True, cfg_options: Mapping | None = None) -> Run:
    """The model's run with this experiment's edits (no training split yet).

    Args:
        ref: the model.
        data_root: replaces every reader's ``data_root``.
        fold: replaces every reader's ``fold``.
        validate: keep the config's per-epoch validation.
        cfg_options: ``merge_from_dict`` overrides (as ``--cfg-options``).
    """
    run = Run.load(ref, data_root, fold, cfg_options)
    return run if validate else run.edited(cfgs.without_validation(run.cfg))


@dataclass(frozen=True)
class ImbalanceJob:
    """One model to train on one long-tailed split (see :func:`plan_imbalance`).

    Args:
        run: the model's run with the split (and epochs) applied: what to train.
        work_dir: its training folder.
        manifest: the split's manifest.
        dataset: data set name of the cell keys.
        fold: fold of the cell keys.
    """

    run: Run
    work_dir: Path
    manifest: Manifest
    dataset: str
    fold: str


def plan_imbalance(models: Sequence[str | tuple[str, str] | ModelRef | Run],
                   rhos: Sequence[float], run_dir: str | os.PathLike, profile: str = 'exp',
                   seed: int = 0, epochs: int | None = None,
                   data_root: str | os.PathLike | None = None, fold: int | None = None,
                   validate: bool = True, cfg_options: Mapping | None = None,
                   log: Callable[[str], None] | None = print,
                   steps: int | None = None) -> list[ImbalanceJob]:
    """Write (or reuse) the long-tailed splits; return the trainings they need (rho x model).

    Nothing is trained here: hand the jobs to :func:`hdf_bench.engine.training.train` or
    :func:`~hdf_bench.engine.training.train_many`; :func:`run_imbalance` then finds them done.
    Arguments as for :func:`run_imbalance`; a :class:`Run` in ``models`` is used as it is
    (``data_root``, ``fold``, ``validate`` and ``cfg_options`` are not applied to it).
    """
    say = log or (lambda _msg: None)
    if profile not in PROFILES:
        raise ValueError(f'profile must be one of {PROFILES}, got {profile!r}')
    if not rhos:
        raise ValueError('give at least one rho')
    for rho in rhos:
        check_rho(rho)
    for what, value in (('epochs', epochs), ('steps', steps)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise ValueError(f'{what} must be an integer >= 1, got {value!r}')
    if epochs is not None and steps is not None:
        raise ValueError(f'give epochs or steps, not both (got epochs={epochs}, steps={steps})')
    runs = [m if isinstance(m, Run)
            else prepare_run(resolve_model(m), data_root, fold, validate, cfg_options)
            for m in models]
    if not runs:
        raise ValueError('give at least one model')
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ValueError(f'model names must be unique, got {names}')
    run_dir = Path(run_dir).resolve()
    jobs = []
    for rho in rhos:
        for job in runs:
            cfg = job.cfg
            fmt, source = split_format(cfg), source_split_path(cfg)
            dataset, fold_name = dataset_identity(cfg)
            condition = condition_name(profile, rho)
            tag = condition if seed == 0 else f'{condition}_seed{seed}'
            out = (run_dir / 'imbalance' / 'splits'
                   / f'{dataset}_fold{fold_name}_{tag}{SPLIT_SUFFIX[fmt]}')
            manifest, reused = ensure_split(source, fmt, out, profile, rho, seed)
            say(f'[{job.name} rho={format_rho(rho)}] split {out} '
                f'({"reused" if reused else "written"}): {manifest.num_clips} clips, '
                f'per class {manifest.chosen}')
            train_cfg = cfgs.with_train_split(cfg, manifest.split_path)
            per_epoch = cfgs.iters_per_epoch(train_cfg, manifest.num_clips)
            if steps is not None:  # a whole number of epochs of the split, >= steps
                train_cfg = cfgs.with_epochs(train_cfg, math.ceil(steps / per_epoch), per_epoch)
            elif epochs is not None:
                train_cfg = cfgs.with_epochs(train_cfg, epochs, per_epoch)
            jobs.append(ImbalanceJob(job.edited(train_cfg), run_dir / 'imbalance' / tag / job.name,
                                     manifest, dataset, fold_name))
    return jobs


def run_imbalance(models: Sequence[str | tuple[str, str] | ModelRef | Run],
                  rhos: Sequence[float],
                  run_dir: str | os.PathLike, profile: str = 'exp', seed: int = 0,
                  epochs: int | None = None, data_root: str | os.PathLike | None = None,
                  fold: int | None = None, priors: Sequence[str] = NAMED_PRIORS,
                  extra_priors: Mapping[str, Sequence[float]] | None = None,
                  validate: bool = True, cfg_options: Mapping | None = None,
                  resample: bool = False,
                  log: Callable[[str], None] | None = print,
                  on_stale: str = 'recompute', steps: int | None = None) -> pd.DataFrame:
    """Train every model on every long-tailed split, test, write cells; return the summary.

    The splits and trainings are planned by :func:`plan_imbalance`; trainings already finished
    (e.g. by :func:`~hdf_bench.engine.training.train_many` on the planned jobs) are skipped.

    Args:
        models: zoo names, ``NAME=CONFIG`` strings, ``(name, config)`` pairs, ModelRefs or
            prepared Runs (used as they are).
        rhos: imbalance ratios (>= 1; 1 = balanced).
        run_dir: run folder (splits, work dirs, ``results`` store).
        profile: ``exp``, ``step`` or ``reverse``.
        seed: split sampling seed (the training seed stays the config's).
        epochs: training epochs (default: the config's).
        data_root: data root replacing the configs' (the source split is read there).
        fold: fold replacing the configs'.
        priors: named priors of the prior cells.
        extra_priors: user priors, name -> one weight per class.
        validate: keep the configs' per-epoch validation (on the test split).
        cfg_options: extra config overrides for every model.
        resample: also check the reversed-prior WAR on a resampled test set (adds columns).
        log: progress messages (None: silent).
        on_stale: stored cells of another checkpoint, config or split: ``recompute`` them, or
            ``error`` naming what changed (as the robustness sweep).
        steps: optimizer steps instead of ``epochs``: the fewest whole epochs of each split
            that reach them (a long-tailed model then gets the steps of a balanced one).

    Returns:
        one row per model x rho: :data:`SUMMARY_COLUMNS` (+ ``war_reversed_resampled``,
        ``war_reversed_se`` with ``resample``).
    """
    say = log or (lambda _msg: None)
    if profile not in PROFILES:
        raise ValueError(f'profile must be one of {PROFILES}, got {profile!r}')
    for model in models:  # bad user priors fail before any split or training
        cfg = model.cfg if isinstance(model, Run) else cfgs.load(resolve_model(model).config)
        classes = format_classes(split_format(cfg))
        for name, weights in (extra_priors or {}).items():
            validate_prior(weights, len(classes), classes, name=f'prior {name!r}')
    jobs = plan_imbalance(models, rhos, run_dir, profile, seed, epochs, data_root, fold,
                          validate, cfg_options, log, steps)
    store = ResultsStore(Path(run_dir).resolve() / 'results')
    rows = []
    for job in jobs:
        name, manifest, rho = job.run.name, job.manifest, job.manifest.rho
        cached = stored_predictions(
            store, name, job.dataset, job.fold, manifest,
            final_checkpoint(job.run.cfg, job.work_dir.resolve()),
            list(priors) + list(extra_priors or {}), job.run.cfg, on_stale)
        if cached is not None:  # trained and evaluated by an earlier run: nothing to redo
            say(f'[{name} rho={format_rho(rho)}] already in {store.root}')
            rows.append(_summary_row(name, manifest, store.get(_cell_key(
                name, job.dataset, job.fold, manifest)), 'stored', 0.0))
            continue
        result = train(job.run, job.work_dir)
        tested = evaluate(result.run)
        predictions = tested.records()
        verb = {'skipped': 'skip training (final checkpoint exists)',
                'resumed': 'resumed training', 'trained': 'trained'}[result.status]
        say(f'[{name} rho={format_rho(rho)}] {verb}: {result.run.checkpoint} '
            f'({result.seconds:.0f} s train, {tested.seconds:.0f} s test)')
        meta = dict(checkpoint=str(result.run.checkpoint), config=job.run.model.config,
                    seconds=result.seconds, train_status=result.status,
                    epochs=job.run.cfg.train_cfg.get('max_epochs'))
        keys = put_imbalance_cells(store, name, job.dataset, job.fold, predictions,
                                   manifest, priors=priors, extra_priors=extra_priors,
                                   meta=meta, provenance=cell_provenance(
                                       result.run.checkpoint, job.run.cfg, manifest))
        row = _summary_row(name, manifest, store.get(keys[0]), result.status, result.seconds)
        if resample:
            check = resample_check(predictions, manifest.chosen, seed=seed)
            row.update(war_reversed_resampled=check['resampled'],
                       war_reversed_se=check['se'])
        rows.append(row)
    return pd.DataFrame(rows)


def _cell_key(model: str, dataset: str, fold: str, manifest: Manifest) -> CellKey:
    """Key of the imbalance cell of ``model`` trained on the split of ``manifest``."""
    return CellKey(model, dataset, str(fold), Axis.IMBALANCE, manifest.condition, 0,
                   manifest.seed)


def cell_provenance(checkpoint: str | os.PathLike, cfg, manifest: Manifest) -> dict:
    """What an imbalance/prior cell is computed from: checkpoint, resolved config, split."""
    return dict(checkpoint=prov.checkpoint(checkpoint), config=prov.config(cfg),
                data=prov.file_digest(manifest.split_path))


def stored_predictions(store: ResultsStore, model: str, dataset: str, fold: str,
                       manifest: Manifest, checkpoint: Path, priors: Sequence[str],
                       cfg=None, on_stale: str = 'recompute') -> list[dict] | None:
    """Predictions of a finished evaluation of ``checkpoint`` on this split, if the store has
    its imbalance cell and every prior cell with this provenance (None otherwise: evaluate
    again; bad cells are quarantined; ``on_stale='error'`` refuses stale ones)."""
    key = _cell_key(model, dataset, fold, manifest)
    if not checkpoint.is_file():
        return None
    provenance = cell_provenance(checkpoint, cfg, manifest)
    keys = [key] + [CellKey(model, dataset, str(fold), Axis.PRIOR,
                            prior_condition(name, manifest.condition), 0, manifest.seed)
                    for name in priors]
    for cell in keys:
        state, details = store.state(cell, provenance)
        if state == 'bad':
            store.quarantine(cell, details[0])
        if state == 'stale' and on_stale == 'error':
            raise prov.StaleCellError(
                f'store {store.root}: {model} {cell.axis} {cell.condition} was computed from '
                f'other inputs ({", ".join(details)} changed); pass on_stale=\'recompute\' to '
                'replace it, or use another run folder')
        if state != 'fresh':
            return None
    cols = store.get(key)['predictions']
    return [dict(sample_id=s, label=y, pred=p)
            for s, y, p in zip(cols['sample_ids'], cols['labels'], cols['preds'], strict=True)]


def format_summary(frame: pd.DataFrame) -> str:
    """The summary as a fixed-width text table (model x rho)."""
    if frame.empty:
        return '(no results)'
    cols = [c for c in SUMMARY_COLUMNS + ['war_reversed_resampled', 'war_reversed_se']
            if c in frame.columns]
    shown = frame[cols].copy()
    shown['rho'] = shown['rho'].map(format_rho)
    shown['train_s'] = shown['train_s'].map(lambda v: f'{v:.0f}')
    shown = shown.sort_values(['model', 'rho'], key=lambda s: s.map(_sort_key), kind='stable')
    return shown.to_string(index=False, float_format=lambda v: f'{v:.3f}')


def _sort_key(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
