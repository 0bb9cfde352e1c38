"""The robustness sweep: models x (clean + corruption x severity x seed) -> the results store.

Clean is evaluated once per model and reused; each corruption cell runs the model's own test
pipeline with a ``Corrupt`` step right after frame decoding. Pipeline outputs can be cached
(:mod:`hdf_bench.robustness.cache`) so that every model with the same test pipeline sees the
same inputs and the corruption is computed once. Finished cells are skipped when their
provenance (checkpoint, resolved config, data, corruption code, condition) matches, so a killed
sweep resumes where it stopped, while a retrained model or another data root is recomputed (or
refused: ``on_stale='error'``); bad cells are quarantined and recomputed. Under ``torchrun``
the conditions are shared out over the ranks.
"""
from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from hdf_bench.engine.cfg import with_transform
from hdf_bench.engine.evaluation import (
    Target,
    predict_inputs,
    predict_pipeline,
    prepare_target,
    sample_id,
    score,
)
from hdf_bench.engine.run import ModelRef, Run
from hdf_bench.results import Axis, CellKey, ResultsStore
from hdf_bench.results import provenance as prov
from hdf_bench.robustness.cache import ClipCache, cache_key, data_digest
from hdf_bench.robustness.progress import Progress


@dataclass(frozen=True)
class Condition:
    """One input condition of a sweep: clean, or a corruption at a severity with a seed.

    Args:
        name: ``clean`` or a corruption name (see ``hdf_bench.corruptions``).
        severity: 1-5 (0 for clean).
        seed: seed of the corruption draw.
        group: corruption group (noise, blur, style, temporal, ...), kept in the cell's meta.
        per_frame: draw the corruption afresh for every frame (``Corrupt(per_frame=...)``).
        whole_clip: corrupt all frames of the clip, then sample (``CorruptWholeClip``), as an
            exported set (``hdf-bench export-c``) holds them; default: the sampled frames only.
        source: data root of an exported set of this condition: read it, corrupt nothing.
    """

    name: str
    severity: int = 0
    seed: int = 0
    group: str | None = None
    per_frame: bool = False
    whole_clip: bool = False
    source: str | None = None

    @property
    def is_clean(self) -> bool:
        return self.name == 'clean'

    def key(self, model: str, dataset: str, fold: str) -> CellKey:
        axis = Axis.CLEAN if self.is_clean else Axis.CORRUPTION
        return CellKey(model, dataset, fold, axis, self.name, int(self.severity), int(self.seed))

    def transform(self) -> dict | None:
        """The pipeline step that applies this condition (None for clean)."""
        if self.is_clean or self.source is not None:
            return None
        return dict(type='CorruptWholeClip' if self.whole_clip else 'Corrupt', name=self.name,
                    severity=int(self.severity), seed=int(self.seed),
                    per_frame=bool(self.per_frame))

    @property
    def label(self) -> str:
        return 'clean' if self.is_clean else f'{self.name}/s{self.severity}/seed{self.seed}'


CLEAN = Condition('clean')


def suite_conditions(suite) -> list[Condition]:
    """The corruption conditions of a suite, in the suite's order.

    Args:
        suite: a suite name or file (``hdf_bench.corruptions.load_suite``), a
            ``hdf_bench.corruptions.Suite``, or an iterable of :class:`Condition` or dicts
            (``name``, ``severity``, ``seed``, optional ``group`` and ``per_frame``).
    """
    from hdf_bench.corruptions import Suite, group_of, load_suite

    if isinstance(suite, (str, os.PathLike)):
        suite = load_suite(suite)
    if isinstance(suite, Suite):
        conditions = [Condition(name, severity, seed, group_of(name), suite.per_frame)
                      for name, severity, seed in suite.cells()]
    else:
        conditions = [c if isinstance(c, Condition) else _condition_of(c) for c in suite]
    if any(c.is_clean for c in conditions):
        raise ValueError('a suite lists corruptions only; clean is always evaluated')
    if len(set(conditions)) != len(conditions):
        raise ValueError('the suite lists a (corruption, severity, seed) more than once')
    return conditions


def _condition_of(item: dict) -> Condition:
    if not isinstance(item, dict) or not item.get('name'):
        raise ValueError(f'suite entry {item!r} has no corruption name; expected a dict with '
                         'name, severity, seed')
    from hdf_bench.corruptions import group_of

    name = str(item['name'])
    return Condition(name, int(item.get('severity', 0)), int(item.get('seed', 0)),
                     item.get('group') or group_of(name), bool(item.get('per_frame', False)))


@dataclass
class SweepStats:
    """What a sweep did in this process (for logs and tests)."""

    computed: list[CellKey] = field(default_factory=list)
    skipped: int = 0
    stale: int = 0
    quarantined: list[str] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0
    cache_damaged: int = 0


def on_source(target: Target, source: str) -> Target:
    """``target`` with its test dataset read from ``source`` (an exported set's unit folder).

    The clips and labels must be the target's, in the same order.
    """
    from mmaction.registry import DATASETS

    try:
        dataset = DATASETS.build(dict(target.dataset_cfg, data_root=str(source)))
    except (ValueError, FileNotFoundError) as err:
        raise ValueError(f'exported set {source} does not fit the test dataset of '
                         f'{target.run.model.config}: {err}') from err
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    clip_ids = [sample_id(info, n) for n, info in enumerate(infos)]
    if clip_ids != target.clip_ids or [int(i['label']) for i in infos] != target.labels:
        raise ValueError(f'exported set {source} holds other clips or labels than the test '
                         f'dataset of {target.run.model.config} (another fold or data set?)')
    return dataclasses.replace(target, dataset=dataset, infos=infos)


def _versions() -> dict:
    import cv2
    import mmaction
    import mmcv

    import hdf_bench
    return dict(hdf_bench=hdf_bench.__version__, mmaction=mmaction.__version__,
                mmcv=mmcv.__version__, cv2=cv2.__version__)


def evaluate_condition(target: Target, condition: Condition, cache: ClipCache | None,
                       batch_size: int, num_workers: int, progress: Progress,
                       stats: SweepStats) -> tuple[list[int], str]:
    """Predictions of one model under one condition; returns (preds, cache state).

    The cache state is ``hit`` (inputs read from the cache), ``miss`` (computed and written)
    or ``off``.
    """
    pipeline = with_transform(target.pipeline, condition.transform(), target.run.model.config)
    if condition.source is not None:
        target = on_source(target, condition.source)
    on_clips = progress.advance_clips
    if cache is None:
        return predict_pipeline(target, pipeline, batch_size, num_workers,
                                on_clips=on_clips), 'off'
    key = cache_key(data_digest(target.infos), pipeline, _versions())
    cached = cache.load(key)
    if cached is None and cache.dropped:
        stats.cache_damaged += 1
        warnings.warn(cache.dropped.pop(), stacklevel=2)
    if cached is not None:
        if cached.clip_ids != target.clip_ids or cached.labels != target.labels:
            raise ValueError(f'cache entry {cached.path} holds other clips than the data set')
        stats.cache_hits += 1
        return predict_inputs(target, cached.inputs, batch_size, on_clips), 'hit'
    writer = cache.writer(key, len(target.clip_ids), dict(
        dataset=target.dataset_name, fold=target.fold, condition=condition.label,
        pipeline=[str(s.get('type')) for s in pipeline]))
    try:
        preds = predict_pipeline(target, pipeline, batch_size, num_workers, writer.add, on_clips)
        writer.commit(target.clip_ids, target.labels)
    except BaseException:
        writer.abort()
        raise
    stats.cache_misses += 1
    return preds, 'miss'


def cell_provenance(target: Target, condition: Condition, data_hash: str) -> dict:
    """What a cell of ``target`` under ``condition`` is computed from (digests; see
    :mod:`hdf_bench.results.provenance`)."""
    source = target.run.checkpoint
    weights = (prov.checkpoint(source) if source and os.path.isfile(source)
               else prov.weights(getattr(target.predictor, 'model', target.predictor)))
    return dict(checkpoint=weights,
                config=prov.config(target.run.cfg), data=data_hash,
                corruption_code=None if condition.is_clean else prov.corruption_code(),
                condition=prov.digest_text(prov.stable_json(dataclasses.asdict(condition))),
                versions=prov.digest_text(prov.stable_json(_versions())))


def _stale_message(store: ResultsStore, stale: list[tuple[CellKey, list[str]]]) -> str:
    shown = '; '.join(f'{k.model} {k.condition} s{k.severity} seed{k.seed}: '
                      f'{", ".join(changed)} changed' for k, changed in stale[:5])
    more = f' (and {len(stale) - 5} more)' if len(stale) > 5 else ''
    return (f'store {store.root} holds {len(stale)} cells computed from other inputs than this '
            f'run\'s: {shown}{more}. Rerun with --on-stale recompute to replace them, or use '
            'another --store')


def _evaluate_cell(target: Target, condition: Condition, provenance: dict,
                   store: ResultsStore, cache: ClipCache | None, batch_size: int,
                   num_workers: int, device: str, progress: Progress,
                   stats: SweepStats) -> None:
    key = condition.key(target.run.name, target.dataset_name, target.fold)
    progress.start_cell(f'{target.run.name}:{condition.label}', len(target.clip_ids))
    start = time.perf_counter()
    preds, cache_state = evaluate_condition(target, condition, cache, batch_size, num_workers,
                                            progress, stats)
    seconds = time.perf_counter() - start
    result = score(target, preds, seconds)
    metrics = result.metrics
    meta = dict(classes=list(target.classes), checkpoint=str(target.run.checkpoint),
                config=str(target.run.model.config), seconds=seconds,
                clips_per_s=len(preds) / seconds if seconds > 0 else None, cache=cache_state,
                device=device, batch_size=batch_size, infer_cfg=target.infer_cfg)
    if not condition.is_clean:
        meta.update(group=condition.group, per_frame=condition.per_frame,
                    whole_clip=condition.whole_clip or condition.source is not None)
        if condition.source is not None:
            meta['exported'] = condition.source
    store.put(key, metrics, dict(sample_ids=result.sample_ids, labels=result.labels,
                                 preds=result.preds), meta, provenance)
    stats.computed.append(key)
    progress.end_cell()
    progress.log(f'computed {target.run.name} {condition.label}: war={metrics["war"]:.4f} '
                 f'uar={metrics["uar"]:.4f} ({len(preds) / seconds:.1f} clips/s, '
                 f'cache {cache_state})')


def _barrier(world: int) -> None:
    if world > 1:
        from mmengine.dist import barrier
        barrier()


def run_sweep(models: Sequence[ModelRef | Run], suite, store: str | os.PathLike | ResultsStore,
              cache_dir: str | os.PathLike | None = None, device: str = 'cpu',
              batch_size: int = 8, num_workers: int = 0, data_root: str | None = None,
              fold: str | None = None, cache_clean: bool = True,
              quiet: bool = False, infer_cfg: dict | None = None, whole_clip: bool = False,
              exported: str | os.PathLike | None = None,
              on_stale: str = 'recompute') -> pd.DataFrame:
    """Evaluate models on clean and corrupted test data; write one store cell per evaluation.

    Args:
        models: trained models: :class:`ModelRef` with a checkpoint (its config is read here,
            ``data_root`` and ``fold`` applied), :class:`Run` (its config used as is) or a
            prepared :class:`Target` (an outside model: :func:`hdf_bench.any_model.outside_target`).
        suite: corruption suite: a name, a file, or conditions (see :func:`suite_conditions`).
        store: results store (folder or :class:`ResultsStore`); finished cells are skipped.
        cache_dir: folder of the pipeline-output cache (None: no cache).
        device: ``cpu`` or ``cuda``.
        batch_size: clips per forward pass.
        num_workers: data loader workers (for pipeline runs; cached inputs need none).
        data_root: overrides the data root of every model given as a :class:`ModelRef`.
        fold: overrides the fold of every model given as a :class:`ModelRef`.
        cache_clean: cache clean inputs as well (they are shared by models with one pipeline).
        quiet: no progress bars and no log lines.
        infer_cfg: fast inference options for every model (channels_last, bf16, compile,
            cuda_graphs); None takes each config's ``infer_cfg``. Recorded in each cell's meta;
            not part of the cell key, so use another store to compare settings.
        whole_clip: corrupt every frame of a clip, then sample (``CorruptWholeClip``): the
            inputs an exported set gives. Recorded in each cell's meta; not part of the cell
            key, so keep such cells in their own store.
        exported: an export of ``hdf-bench export-c``: every corruption cell reads its
            condition's unit folder instead of corrupting (cells equal ``whole_clip=True``).
        on_stale: what to do with a stored cell whose provenance differs from this run's
            (another checkpoint, config, data, corruption code or condition): ``recompute``
            it, or ``error`` (:class:`~hdf_bench.results.provenance.StaleCellError` naming what
            changed, before anything is computed). Bad cells are always quarantined and
            recomputed.

    Returns:
        The store's rows (``ResultsStore.frame``) of these models' clean and corruption cells;
        ``frame.attrs['stats']`` is the :class:`SweepStats` of this process.
    """
    from mmengine.dist import get_dist_info

    models = list(models)
    if not models:
        raise ValueError('no model to evaluate')
    if on_stale not in prov.ON_STALE:
        raise ValueError(f'on_stale must be one of {prov.ON_STALE}, got {on_stale!r}')
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ValueError(f'model names must be unique, got {names}')
    if batch_size < 1 or num_workers < 0:
        raise ValueError(f'batch size must be >= 1 and workers >= 0 '
                         f'(got {batch_size}, {num_workers})')
    for model in models:
        if not isinstance(model, Target):  # a Target is prepared (e.g. an outside model)
            (model.model if isinstance(model, Run) else model).check(need_checkpoint=True)
    conditions = suite_conditions(suite)
    if whole_clip or exported is not None:
        conditions = [dataclasses.replace(c, whole_clip=True) for c in conditions]
    if exported is not None:
        from hdf_bench.corrupted_sets import ExportedSet

        export = ExportedSet(exported)
        conditions = [dataclasses.replace(c, source=str(export.unit_dir(
            c.name, c.severity, c.seed, c.per_frame))) for c in conditions]
    store = store if isinstance(store, ResultsStore) else ResultsStore(store)
    cache = ClipCache(cache_dir) if cache_dir is not None else None
    rank, world = get_dist_info()
    if cache is not None and rank == 0:
        cache.remove_stale()
    targets = [m if isinstance(m, Target) else prepare_target(
        m if isinstance(m, Run) else Run.load(m, data_root, fold), device, infer_cfg)
        for m in models]

    stats = SweepStats()
    # Every rank takes every world-th item of the full (not the pending) list: the split does not
    # depend on what other ranks have already written.
    clean_mine = [t for i, t in enumerate(targets) if i % world == rank]
    corrupt_mine = [c for i, c in enumerate(conditions) if i % world == rank]
    todo = [(t, CLEAN) for t in clean_mine] + [(t, c) for c in corrupt_mine for t in targets]
    data_hashes = {id(t): data_digest(t.infos) for t in targets}
    pending, stale, bad = [], [], []
    for target, condition in todo:
        key = condition.key(target.run.name, target.dataset_name, target.fold)
        provenance = cell_provenance(target, condition, data_hashes[id(target)])
        state, details = store.state(key, provenance)
        if state == 'fresh':
            stats.skipped += 1
            continue
        if state == 'stale':
            stale.append((key, details))
        elif state == 'bad':
            bad.append((key, details[0]))
        pending.append((target, condition, provenance))
    if stale and on_stale == 'error':
        raise prov.StaleCellError(_stale_message(store, stale))
    stats.stale = len(stale)
    for key, reason in bad:
        moved = store.quarantine(key, reason)
        stats.quarantined.append(f'{reason} (moved to {moved})')
        warnings.warn(f'{reason}; moved to {moved}, recomputing', stacklevel=2)
    progress = Progress(len(pending), quiet, rank, world)
    progress.log(f'{len(pending)} cells to compute ({len(stale)} stale, {len(bad)} bad), '
                 f'{stats.skipped} already in {store.root}')
    clean_cache = cache if cache_clean else None
    try:
        for phase in (True, False):  # clean cells first, then a barrier, then corruptions
            for target, condition, provenance in pending:
                if condition.is_clean == phase:
                    _evaluate_cell(target, condition, provenance, store,
                                   clean_cache if phase else cache,
                                   batch_size, num_workers, device, progress, stats)
            _barrier(world)
    finally:
        progress.close()
    frame = collect(store, targets)
    frame.attrs['stats'] = stats
    return frame


def collect(store: ResultsStore, targets: Iterable) -> pd.DataFrame:
    """The clean and corruption rows of the store for the given models (targets, runs, refs)."""
    frame = store.frame()
    if frame.empty:
        return frame
    names = {getattr(t, 'run', t).name for t in targets}
    keep = frame['model'].isin(names) & frame['axis'].isin(['clean', 'corruption'])
    return frame[keep].reset_index(drop=True)


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model and data set: clean WAR/UAR, mPC and rPC (the report's definitions:
    :func:`hdf_bench.evaluation.robustness.fold_summary`, mPC = mean over corruptions of the
    per-severity means, seeds averaged).

    Args:
        frame: rows of the store (:func:`hdf_bench.results.read_frame` or :func:`run_sweep`).
    """
    from hdf_bench.evaluation.robustness import (
        FOLD_KEYS,
        clean_table,
        corruption_table,
        fold_summary,
    )

    columns = FOLD_KEYS + ['cells'] + [f'{kind}_{metric}' for metric in ('war', 'uar')
                                       for kind in ('clean', 'mpc', 'rpc')]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    severities = sorted(set(frame['severity']))
    summary = fold_summary(corruption_table(frame, severities), clean_table(frame), None,
                           ('war', 'uar'))
    wide = summary.pivot_table(index=FOLD_KEYS, columns='metric',
                               values=['clean', 'mpc', 'rpc'], dropna=False)
    wide.columns = [f'{kind}_{metric}' for kind, metric in wide.columns]
    cells = frame[frame['axis'] == Axis.CORRUPTION.value].groupby(FOLD_KEYS).size()
    wide['cells'] = cells.reindex(wide.index).fillna(0).astype(int)
    return wide.reset_index().sort_values(FOLD_KEYS)[columns].reset_index(drop=True)


def format_summary(summary: pd.DataFrame) -> str:
    """A short text table of :func:`summarize` (values in %, rPC as a ratio)."""
    if summary.empty:
        return 'no results'
    lines = [f'{"model":<20} {"data":<14} {"clean WAR/UAR":>14} {"mPC WAR/UAR":>13} '
             f'{"rPC WAR/UAR":>12} {"cells":>6}']
    for row in summary.itertuples():
        lines.append(
            f'{row.model:<20} {f"{row.dataset}/{row.fold}":<14} '
            f'{100 * row.clean_war:6.1f}/{100 * row.clean_uar:5.1f}  '
            f'{100 * row.mpc_war:6.1f}/{100 * row.mpc_uar:5.1f} '
            f'{row.rpc_war:6.3f}/{row.rpc_uar:5.3f} {row.cells:>6}')
    return '\n'.join(lines)


__all__ = ['CLEAN', 'Condition', 'SweepStats', 'Target', 'cell_provenance', 'collect',
           'evaluate_condition', 'format_summary', 'prepare_target', 'run_sweep',
           'suite_conditions', 'summarize']
