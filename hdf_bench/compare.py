"""The zoo comparison: every zoo model trained with one budget, tested, and profiled; one table.

For each model and training seed, :func:`run_compare` trains the model's config of one recipe
(``demo``, the default: the CPU demo's 4 x 48 x 48 on the demo's SynthDFER with the demo's
optimizer steps; or ``cpu``: 8 x 64 x 64) through the mmengine runner, every training in a pool
of worker processes (:func:`hdf_bench.engine.training.train_many`, resumable), evaluates the
last checkpoint on the clean test split into a results store per seed (the sweep's clean cell,
so a rerun skips it), and profiles the untrained model once (:func:`profile_model`: parameters,
multiply-accumulates, CPU latency). :func:`comparison_table` joins the two into one row per
model: WAR / UAR (mean and sample std over seeds), the learned guard (each seed's clean UAR
95 % bootstrap CI against chance, :mod:`hdf_bench.evaluation.learned`), params, GFLOPs, latency.
Under ``strict``, :func:`hdf_bench.report.seeds.write_seed_pairs` adds paired tests between the
models (each against X3D-S, HDF against X3D-S + SAM and HDF without SAM) per seed and across
seeds, with which differences hold in every seed.

Protocols (:mod:`hdf_bench.evaluation.protocols`): ``strict`` (default) reports the last
checkpoint's WAR and UAR; ``peers`` trains with validation on the test split every epoch and
reports WAR and UAR maximised separately over epochs, as published DFER numbers do (work dirs
``seed<k>-peers``). The learned guard always judges the last checkpoint's predictions.

Layout of ``run_dir``::

    data/synthdfer/            generated when no data root is given
    clips/                     decoded-clip cache (uint8) of the demo recipe
    logs/                      console log of each training
    train/<model>/seed<k>/     mmengine work dirs (logs, checkpoints); seed<k>-peers for peers
    results/seed<k>/cells/     clean test cells (hdf_bench.results); seed<k>-peers for peers
    profile/<recipe>/<model>.json  params, GFLOPs, latency (written atomically)
    zoo_table.md, zoo_table.csv
    zoo_paired.md, zoo_paired.csv, zoo_paired_seeds.csv   paired tests (strict only)
"""
from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from hdf_bench import zoo
from hdf_bench.engine.latency import (
    PAPER_INPUT,
    clip_batch,
    count_params,
    input_shape_of,
    recognizer_forward,
    timed,
)
from hdf_bench.results import atomic_write_text

#: batch sizes of the latency columns
LATENCY_BATCHES = (1, 8)


def count_gmacs(model: nn.Module, shape: tuple[int, int, int]) -> float:
    """Multiply-accumulates (in 1e9) of one forward of a clip of ``shape`` (T, H, W).

    Counted by ``torch.utils.flop_counter`` (convolutions, linear layers, matmuls, including
    grouped and depthwise convolutions) and halved: one multiply-add is one FLOP, the
    convention of video-model papers' "GFLOPs".
    """
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        recognizer_forward(model)(clip_batch(1, shape))
    return counter.get_total_flops() / 2e9


def latency_ms(model: nn.Module, shape: tuple[int, int, int], batch: int,
               repeats: int = 3) -> float:
    """Median CPU wall time (ms) of a forward to logits, after one warm-up call."""
    forward, x = recognizer_forward(model), clip_batch(batch, shape)
    forward(x)
    return statistics.median(timed(lambda: forward(x), 'cpu') for _ in range(repeats)) * 1e3


def _paper_gmacs(name: str) -> float | None:
    """MACs at the paper input of the paper-recipe model (C3D's fc6 and TSM's segments follow
    the input, so the CPU model cannot stand in); None if the entry has no such config."""
    if not zoo.get(name).paper_config:
        return None
    return count_gmacs(zoo.build_model(name, paper_recipe=True, init_weights=False).eval(),
                       PAPER_INPUT)


def profile_model(name: str, threads: int = 1, latency: bool = True,
                  recipe: str = 'cpu') -> dict:
    """Params, GFLOPs (recipe and paper input) and CPU latency of zoo model ``name`` (untrained).

    Params and latency are those of the recipe config's model at its test input; the
    paper-input GFLOPs are those of the paper-recipe config's model (None if the entry has
    none).

    Args:
        name: zoo name.
        threads: torch CPU threads while timing (restored afterwards).
        latency: time the forward at :data:`LATENCY_BATCHES` (else those fields are None).
        recipe: ``cpu`` (8 x 64 x 64) or ``demo`` (4 x 48 x 48).
    """
    shape = input_shape_of(zoo.load_config(name, recipe=recipe))
    model = zoo.build_model(name, init_weights=False, recipe=recipe).eval()
    row = dict(model=name, params_m=count_params(model) / 1e6,
               input='x'.join(map(str, shape)), gflops=count_gmacs(model, shape),
               gflops_paper=_paper_gmacs(name), threads=threads)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for batch in LATENCY_BATCHES:
            row[f'latency_b{batch}_ms'] = latency_ms(model, shape, batch) if latency else None
    finally:
        torch.set_num_threads(previous)
    return row


def _profile(run: Path, name: str, threads: int, latency: bool, recipe: str) -> dict:
    """:func:`profile_model`, cached in ``run/profile/<recipe>/<name>.json``."""
    path = run / 'profile' / recipe / f'{name}.json'
    if path.is_file():
        row = json.loads(path.read_text())
        if row.get('threads') == threads and (row.get('latency_b1_ms') is not None or not latency):
            return row
    row = profile_model(name, threads, latency, recipe)
    atomic_write_text(path, json.dumps(row, indent=2))
    return row


def _guard(row: pd.Series) -> dict:
    """The learned verdict of one clean cell (NaN / None fields without predictions)."""
    from hdf_bench.evaluation.learned import learned_verdict
    from hdf_bench.report.record import predictions

    pred = predictions(row['record'])
    if pred is None or len(pred) < 2:
        return dict(learned=None, uar_low=float('nan'), uar_high=float('nan'),
                    classes_predicted=None)
    v = learned_verdict(pred['label'], pred['pred'], len(row['classes']))
    return dict(learned=v.learned, uar_low=v.uar_low, uar_high=v.uar_high,
                classes_predicted=v.classes_predicted)


def _default_data(run: Path, recipe: str) -> Path:
    """The SynthDFER a recipe's table trains on, generated under ``run/data`` (reused if
    complete): the demo's for ``demo``, the default at 64 x 64 (1000 clips) for ``cpu``."""
    from hdf_bench.data.synth.ensure import ensure_synthdfer
    from hdf_bench.data.synth.writer import SynthConfig

    if recipe == 'demo':
        from hdf_bench.demo import PRESETS, generate_data
        return generate_data(run, PRESETS['default'])
    return ensure_synthdfer(run / 'data' / 'synthdfer', SynthConfig(size=64))


def _tag(seed: int, protocol: str) -> str:
    return f'seed{seed}' + ('' if protocol == 'strict' else f'-{protocol}')


def plan_trainings(run: Path, names: Sequence[str], seeds: Sequence[int], data_root: Path,
                   recipe: str, epochs: int | None, protocol: str) -> list[tuple]:
    """One ``(name, seed, Run, work_dir)`` per model and seed: the recipe's config on
    ``data_root`` with the seed, ``epochs`` (None: the config's own), no validation under the
    strict protocol, and decoded clips cached under ``run/clips``."""
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.engine.run import Run

    jobs = []
    for name in names:
        for seed in seeds:
            job = Run.load(zoo.get(name).ref(recipe=recipe), data_root,
                           options={'randomness.seed': seed})
            cfg = cfgs.with_clip_cache(job.cfg, run / 'clips')
            if protocol == 'strict':
                cfg = cfgs.without_validation(cfg)
            if epochs is not None:
                cfg = cfgs.with_epochs(cfg, epochs, cfgs.iters_per_epoch(cfg))
            jobs.append((name, seed, job.edited(cfg),
                         run / 'train' / name / _tag(seed, protocol)))
    return jobs


def _test(run: Path, trained, seed: int, work_dir: Path, device: str,
          protocol: str) -> pd.DataFrame:
    """The clean test row of one trained run (the sweep's clean cell, reused on a rerun)."""
    from hdf_bench.evaluation.protocols import peers_scores
    from hdf_bench.robustness.sweep import run_sweep

    frame = run_sweep([trained], [], run / 'results' / _tag(seed, protocol), device=device,
                      quiet=True)
    frame = frame[frame['axis'] == 'clean'].assign(train_seed=seed, protocol=protocol)
    frame = frame.assign(**pd.DataFrame([_guard(r) for _, r in frame.iterrows()],
                                        index=frame.index))
    if protocol == 'peers':
        best = peers_scores(work_dir)
        frame = frame.assign(war=best['war'], uar=best['uar'], war_epoch=best['war_epoch'],
                             uar_epoch=best['uar_epoch'])
    return frame


def run_compare(run_dir: str | os.PathLike, models: Sequence[str] | None = None,
                seeds: Sequence[int] = (0,), epochs: int | None = None,
                data_root: str | os.PathLike | None = None, threads: int = 1,
                latency: bool = True, device: str = 'cpu',
                protocol: str = 'strict', recipe: str = 'demo',
                workers: int = 1) -> pd.DataFrame:
    """Train, test and profile zoo models; write ``zoo_table.md`` / ``.csv`` into ``run_dir``.

    Args:
        run_dir: folder of every artefact (a rerun resumes: trained models, tested cells and
            profiles are reused).
        models: zoo names (default: the whole zoo).
        seeds: training seeds (``randomness.seed``); WAR / UAR are averaged over them.
        epochs: training epochs (default: the demo's for the ``demo`` recipe, so the table has
            the demo's optimizer steps; each config's own otherwise).
        data_root: SynthDFER (or DFEW-layout) root; default: generated into ``run_dir/data``
            (the demo's SynthDFER for ``demo``, the default one at 64 x 64 for ``cpu``).
        threads: torch CPU threads for the latency columns.
        latency: measure latency (else those columns are empty).
        device: 'cpu' or 'cuda' for training and testing.
        protocol: ``strict`` or ``peers`` (see the module docstring).
        recipe: the zoo configs to train: ``demo`` (4 x 48 x 48) or ``cpu`` (8 x 64 x 64).
        workers: trainings run at once (worker processes; one torch thread each on CPU).

    Returns:
        The table (one row per model), as written to ``zoo_table.csv``.
    """
    from hdf_bench.engine.training import train_many
    from hdf_bench.evaluation.protocols import check_protocol

    check_protocol(protocol)
    if recipe not in ('demo', 'cpu'):
        raise ValueError(f"recipe must be 'demo' or 'cpu', got {recipe!r}")
    names = list(models) if models else zoo.list_models()
    for name in names:
        zoo.get(name)  # ValueError naming the valid models
    if not seeds:
        raise ValueError('at least one training seed is needed')
    run = Path(run_dir).resolve()
    run.mkdir(parents=True, exist_ok=True)
    data_root = Path(data_root).resolve() if data_root else _default_data(run, recipe)
    if epochs is None and recipe == 'demo':
        from hdf_bench.demo import PRESETS
        epochs = PRESETS['default'].epochs
    jobs = plan_trainings(run, names, seeds, data_root, recipe, epochs, protocol)
    print(f'-- {len(jobs)} trainings ({len(names)} models x {len(seeds)} seed(s), {recipe} '
          f'recipe) in {workers} worker process(es); console logs in {run / "logs"}',
          flush=True)
    trained = train_many([(job, work_dir) for _, _, job, work_dir in jobs], workers=workers,
                         threads=1 if device == 'cpu' else None, log_dir=run / 'logs')
    scores = []
    for (name, seed, _, work_dir), result in zip(jobs, trained, strict=True):
        print(f'   {name} seed {seed}: {result.status} ({result.seconds:.0f} s) '
              f'{result.run.checkpoint}', flush=True)
        scores.append(_test(run, result.run, seed, work_dir, device, protocol))
    profiles = [_profile(run, name, threads, latency, recipe) for name in names]
    table = comparison_table(pd.concat(scores, ignore_index=True), pd.DataFrame(profiles))
    atomic_write_text(run / 'zoo_table.csv', table.to_csv(index=False))
    atomic_write_text(run / 'zoo_table.md', format_markdown(table))
    if protocol == 'strict':  # peers' numbers come from other epochs than the stored cells
        from hdf_bench.report.seeds import format_summary, write_seed_pairs
        pairs = write_seed_pairs({s: run / 'results' / _tag(s, protocol) for s in seeds},
                                 names, run)
        if len(pairs):
            print('\npaired tests (clean UAR, a minus b; per seed in zoo_paired.md)\n'
                  + format_summary(pairs), flush=True)
    return table


def comparison_table(scores: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """One row per model: WAR / UAR in % (mean, sample std, seeds), the learned guard, joined
    with the profiles.

    Args:
        scores: clean test rows with ``model``, ``train_seed``, ``war``, ``uar`` (fractions);
            optionally ``protocol`` and the guard's ``learned``, ``uar_low``, ``uar_high``.
        profiles: rows of :func:`profile_model`.
    """
    scores = scores.copy()
    for col, default in (('protocol', 'strict'), ('learned', None), ('uar_low', float('nan')),
                         ('uar_high', float('nan'))):
        if col not in scores:
            scores[col] = default
    grouped = scores.groupby('model', sort=False)
    acc = pd.DataFrame({
        'war': grouped['war'].mean() * 100, 'war_std': grouped['war'].std(ddof=1) * 100,
        'uar': grouped['uar'].mean() * 100, 'uar_std': grouped['uar'].std(ddof=1) * 100,
        'seeds': grouped['train_seed'].nunique(), 'test_clips': grouped['num_samples'].first(),
        'protocol': grouped['protocol'].agg(lambda v: '+'.join(sorted(set(v)))),
        'learned': grouped['learned'].agg(_all_learned),
        'uar_ci': pd.Series({model: _cis(part) for model, part in grouped}),
    }).reset_index(names='model')
    order = list(dict.fromkeys([*scores['model'], *profiles['model']]))  # first seen first
    table = acc.merge(profiles, on='model', how='outer').set_index('model').loc[order]
    table = table.reset_index()
    family = {e.name: e.family for e in zoo.ZOO}
    table.insert(1, 'family', table['model'].map(family))
    return table


def _cis(rows: pd.DataFrame) -> str | None:
    """Each seed's UAR interval in %, ``'[lo, hi]; ...'`` (None when none was computed)."""
    text = '; '.join(f'[{100 * lo:.1f}, {100 * hi:.1f}]'
                     for lo, hi in zip(rows['uar_low'], rows['uar_high'], strict=True)
                     if pd.notna(lo))
    return text or None


def _all_learned(values: pd.Series) -> bool | None:
    """True when every seed learned, False when one did not, None when none was judged."""
    judged = [bool(v) for v in values if v is not None and not pd.isna(v)]
    return all(judged) if judged else None


def _learned_text(learned, ci) -> str:
    if learned is None or pd.isna(learned):
        return '-'
    return ('yes ' if learned else 'NOT LEARNED ') + (ci if isinstance(ci, str) else '')


def _mean_std(mean: float, std: float) -> str:
    if pd.isna(mean):
        return '-'
    return f'{mean:.1f}' if pd.isna(std) else f'{mean:.1f} ± {std:.1f}'


def _num(value, digits: int) -> str:
    return '-' if value is None or pd.isna(value) else f'{value:.{digits}f}'


def format_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, with the counting conventions in a header line."""
    seeds = int(table['seeds'].max()) if table['seeds'].notna().any() else 0
    threads = table['threads'].dropna()
    protocols = sorted(set(table['protocol'].dropna())) if 'protocol' in table else []
    protocol = '+'.join(protocols) or 'strict'
    lines = [
        f'Protocol: {protocol} (strict: last checkpoint, WAR and UAR from the same predictions; '
        'peers: best epoch on the test split, WAR and UAR maximised separately). '
        f'WAR / UAR in % on the clean test split ({seeds} seed(s): mean ± sample std). '
        'learned: every seed\'s clean UAR 95 % bootstrap CI (%) lies above chance and the model '
        'predicts >= 3 classes (hdf_bench.evaluation.learned). '
        'GFLOPs: multiply-accumulates of one clip, at the trained input (column input) and at '
        '16x112x112. '
        f'Latency: CPU, {int(threads.iloc[0]) if len(threads) else "-"} thread(s), eval, '
        'untrained weights, median of 3 after a warm-up.',
        '',
        f'| model | family | WAR % ({protocol}) | UAR % ({protocol}) | learned (UAR CI %) '
        '| params (M) | input | GFLOPs | GFLOPs 16x112² | latency b1 (ms) | latency b8 (ms) |',
        '| --- | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ]
    for row in table.itertuples():
        lines.append(
            f'| {row.model} | {row.family} | {_mean_std(row.war, row.war_std)} '
            f'| {_mean_std(row.uar, row.uar_std)} | {_learned_text(row.learned, row.uar_ci)} '
            f'| {_num(row.params_m, 2)} | {row.input} '
            f'| {_num(row.gflops, 2)} | {_num(row.gflops_paper, 2)} '
            f'| {_num(row.latency_b1_ms, 0)} | {_num(row.latency_b8_ms, 0)} |')
    return '\n'.join(lines) + '\n'
