"""Paired tests between models, per training seed and across seeds (``hdf-bench compare``).

For each training seed, each pair of models is compared on the same test clips: clean UAR by
a paired bootstrap of the difference (clip indices resampled jointly) and clean WAR by McNemar's
exact test (:mod:`hdf_bench.report.stats`). Across seeds, the per-seed differences give a mean,
a sample standard deviation and a t interval (n - 1 degrees of freedom), which says how far the
comparison depends on the training seed, something no single-seed test can say.

A difference is called *supported* only when it holds in every seed: each seed's paired CI
excludes 0 on the same side. A pair with a model that did not learn in a seed (the learned
guard, :mod:`hdf_bench.evaluation.learned`) is not tested in that seed.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from hdf_bench.evaluation.learned import learned_verdict
from hdf_bench.report.record import predictions
from hdf_bench.report.stats import align, bootstrap_clips, bootstrap_pvalue, mcnemar
from hdf_bench.results import ResultsStore, atomic_write_text

#: pairs tested whenever both models are there: HDF against its SAM-matched baseline and
#: against itself without SAM
EXTRA_PAIRS = (('hdf', 'x3d_s_sam'), ('hdf', 'hdf_no_sam'))

#: columns of :func:`seed_paired_tests`
COLUMNS = ('a', 'b', 'train_seed', 'clips', 'd_uar', 'uar_low', 'uar_high', 'p_uar', 'd_war',
           'a_right_b_wrong', 'a_wrong_b_right', 'p_war', 'status')


def default_pairs(models: Sequence[str], reference: str = 'x3d_s') -> list[tuple[str, str]]:
    """Every model against ``reference``, then :data:`EXTRA_PAIRS`, among ``models``."""
    pairs = [(m, reference) for m in models if m != reference and reference in models]
    pairs += [p for p in EXTRA_PAIRS if set(p) <= set(models) and p not in pairs]
    return pairs


def clean_cells(store: str | os.PathLike) -> dict[str, dict]:
    """Each model's clean cell (with predictions) in a results store, by model name.

    Raises:
        ValueError: a model has clean cells of more than one dataset or fold.
    """
    cells: dict[str, dict] = {}
    for record in ResultsStore(store).records():
        key = record['key']
        if key.get('axis') != 'clean' or predictions(record) is None:
            continue
        if key['model'] in cells and cells[key['model']]['key'] != key:
            raise ValueError(f'store {store}: model {key["model"]!r} has clean cells of more '
                             'than one dataset or fold; compare one test split at a time')
        cells[key['model']] = record
    return cells


def _num_classes(record: Mapping) -> int:
    recall = record['metrics'].get('per_class_recall')
    if recall:
        return len(recall)
    frame = predictions(record)
    return int(max(frame['label'].max(), frame['pred'].max())) + 1


def seed_paired_tests(stores: Mapping[int, str | os.PathLike],
                      pairs: Sequence[tuple[str, str]], n_resamples: int = 2000,
                      seed: int = 0) -> pd.DataFrame:
    """One row per (pair, training seed): model ``a`` minus model ``b`` on the clean test clips.

    Args:
        stores: results store of each training seed.
        pairs: (a, b) model names.
        n_resamples: bootstrap resamples.
        seed: seed of the bootstrap.

    Returns:
        Columns a, b, train_seed, clips, d_uar, uar_low, uar_high, p_uar (paired bootstrap),
        d_war, a_right_b_wrong, a_wrong_b_right, p_war (McNemar exact) and status ('tested', or
        why not). Differences are fractions (0.05 = 5 points).
    """
    rows = []
    for train_seed, store in stores.items():
        cells = clean_cells(store)
        frames = {name: predictions(record) for name, record in cells.items()}
        learned = {name: learned_verdict(frames[name]['label'], frames[name]['pred'],
                                         _num_classes(cells[name]),
                                         n_resamples=n_resamples).learned
                   for name in {m for pair in pairs for m in pair} & cells.keys()}
        for a, b in pairs:
            row = dict(a=a, b=b, train_seed=train_seed)
            missing = [m for m in (a, b) if m not in cells]
            if missing:
                rows.append(row | dict(status=f'no clean cell of {", ".join(missing)}'))
                continue
            unlearned = [m for m in (a, b) if not learned[m]]
            if unlearned:
                rows.append(row | dict(status=f'not learned: {", ".join(unlearned)}'))
                continue
            _, labels, correct = align([frames[a], frames[b]])
            diff = bootstrap_clips(correct, labels, [1.0, -1.0], 'uar',
                                   _num_classes(cells[a]), n_resamples=n_resamples, seed=seed)
            test = mcnemar(correct[0], correct[1])
            rows.append(row | dict(
                clips=int(correct.shape[1]), d_uar=diff.estimate, uar_low=diff.low,
                uar_high=diff.high, p_uar=bootstrap_pvalue(diff.distribution),
                d_war=float(correct[0].mean() - correct[1].mean()), a_right_b_wrong=test['b'],
                a_wrong_b_right=test['c'], p_war=test['p_exact'], status='tested'))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _verdict(a: str, b: str, group: pd.DataFrame) -> str:
    tested = group[group['status'] == 'tested']
    above = int((tested['uar_low'] > 0).sum())
    below = int((tested['uar_high'] < 0).sum())
    n, n_seeds = len(tested), len(group)
    if n == 0:
        return f'not tested ({"; ".join(dict.fromkeys(group["status"]))})'
    every = 'the one seed' if n == 1 else f'every seed ({n})'
    if n < n_seeds:
        every += f' tested of {n_seeds}'
    if above == n:
        return f'{a} > {b} in {every}'
    if below == n:
        return f'{a} < {b} in {every}'
    if above or below:
        side = f'{a} > {b}' if above >= below else f'{a} < {b}'
        return f'not established ({side} in {max(above, below)} of {n} seeds)'
    return 'not established'


def across_seeds(per_seed: pd.DataFrame, confidence_level: float = 0.95) -> pd.DataFrame:
    """One row per pair: seeds tested, mean and std of the UAR difference, t interval, verdict.

    The t interval is ``mean +- t(n - 1) * std / sqrt(n)`` over the tested seeds (none below 2).
    """
    rows = []
    for (a, b), group in per_seed.groupby(['a', 'b'], sort=False):
        tested = group[group['status'] == 'tested']
        d = tested['d_uar'].to_numpy(float) if len(tested) else np.array([])
        n = d.size
        mean = float(d.mean()) if n else np.nan
        std = float(d.std(ddof=1)) if n > 1 else np.nan
        half = (float(sps.t.ppf(0.5 + confidence_level / 2, n - 1) * std / np.sqrt(n))
                if n > 1 else np.nan)
        rows.append(dict(a=a, b=b, seeds=len(group), tested=n, d_uar_mean=mean, d_uar_std=std,
                         t_low=mean - half, t_high=mean + half,
                         verdict=_verdict(a, b, group)))
    return pd.DataFrame(rows)


def _pp(value: float, digits: int = 1) -> str:
    return '–' if value is None or not np.isfinite(value) else f'{100 * value:+.{digits}f}'


def _p(value: float) -> str:
    if value is None or not np.isfinite(value):
        return '–'
    return '<0.001' if value < 0.001 else f'{value:.3f}'


def format_summary(summary: pd.DataFrame) -> str:
    """The across-seed table (markdown)."""
    lines = ['| a | b | seeds tested | ΔUAR mean ± std (pp) | t interval (pp) | verdict |',
             '| --- | --- | ---: | ---: | --- | --- |']
    for _, r in summary.iterrows():
        spread = '' if not np.isfinite(r['d_uar_std']) else f' ± {100 * r["d_uar_std"]:.1f}'
        interval = ('–' if not np.isfinite(r['t_low'])
                    else f'[{_pp(r["t_low"])}, {_pp(r["t_high"])}]')
        lines.append(f'| {r["a"]} | {r["b"]} | {r["tested"]} of {r["seeds"]} | '
                     f'{_pp(r["d_uar_mean"])}{spread} | {interval} | {r["verdict"]} |')
    return '\n'.join(lines)


def format_markdown(per_seed: pd.DataFrame, summary: pd.DataFrame) -> str:
    """Both tables (across seeds first), with how to read them."""
    lines = [
        'Paired tests on the clean test clips, model a minus model b, in percentage points. '
        'Per seed: UAR by a paired bootstrap of the difference (95 % CI, clips resampled '
        'jointly), WAR by McNemar\'s exact test. Across seeds: mean +- sample std of the '
        'per-seed UAR differences and their 95 % t interval. A difference is supported only '
        'where every seed\'s CI excludes 0 on the same side; a seed where either model did not '
        'learn is not tested. No correction for multiple comparisons.', '',
        format_summary(summary)]
    lines += ['', '| a | b | seed | clips | ΔUAR (pp) [95 % CI] | p | ΔWAR (pp) | '
                  'McNemar a✓b✗ / a✗b✓ | p | status |',
              '| --- | --- | ---: | ---: | --- | ---: | ---: | --- | ---: | --- |']
    for _, r in per_seed.iterrows():
        if r['status'] != 'tested':
            lines.append(f'| {r["a"]} | {r["b"]} | {r["train_seed"]} | | | | | | | '
                         f'{r["status"]} |')
            continue
        lines.append(
            f'| {r["a"]} | {r["b"]} | {r["train_seed"]} | {int(r["clips"])} | '
            f'{_pp(r["d_uar"])} [{_pp(r["uar_low"])}, {_pp(r["uar_high"])}] | '
            f'{_p(r["p_uar"])} | {_pp(r["d_war"])} | {int(r["a_right_b_wrong"])} / '
            f'{int(r["a_wrong_b_right"])} | {_p(r["p_war"])} | tested |')
    return '\n'.join(lines) + '\n'


def write_seed_pairs(stores: Mapping[int, str | os.PathLike], models: Sequence[str],
                     out_dir: str | os.PathLike, reference: str = 'x3d_s',
                     n_resamples: int = 2000) -> pd.DataFrame:
    """Run the tests of :func:`default_pairs` and write ``zoo_paired.md`` and ``.csv``
    (per-seed rows) and ``zoo_paired_seeds.csv`` (across seeds) into ``out_dir``; return the
    across-seed table (empty when fewer than two models are there)."""
    pairs = default_pairs(models, reference)
    if not pairs:
        return pd.DataFrame()
    per_seed = seed_paired_tests(stores, pairs, n_resamples=n_resamples)
    summary = across_seeds(per_seed)
    out = Path(out_dir)
    atomic_write_text(out / 'zoo_paired.csv', per_seed.to_csv(index=False))
    atomic_write_text(out / 'zoo_paired_seeds.csv', summary.to_csv(index=False))
    atomic_write_text(out / 'zoo_paired.md', format_markdown(per_seed, summary))
    return summary
