"""Sections: bootstrap intervals, paired tests against the reference, confusion matrices."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hdf_bench.report import figures
from hdf_bench.report import stats as st
from hdf_bench.report.context import Context, pct, pval
from hdf_bench.report.document import Figure, Section, Table
from hdf_bench.report.record import confusion_of, predictions


def _rows(ctx: Context, model: str, dataset: str, fold: str, axis: str) -> pd.DataFrame:
    cells = ctx.cells
    sel = ((cells['model'] == model) & (cells['dataset'] == dataset) & (cells['fold'] == fold)
           & (cells['axis'] == axis))
    if axis == 'corruption':
        sel &= cells['severity'].isin(ctx.spec.severities)
    return cells[sel].sort_values(['condition', 'severity', 'seed'])


def weights(rows: pd.DataFrame) -> np.ndarray:
    """Cell weights whose weighted sum of metrics is the clean mean (one condition) or mPC.

    Each corruption weighs 1/#corruptions, split equally over its severities, then seeds.
    """
    n_cond = rows['condition'].nunique()
    n_sev = rows.groupby('condition')['severity'].transform('nunique')
    n_seed = rows.groupby(['condition', 'severity'])['seed'].transform('nunique')
    return (1.0 / (n_cond * n_sev * n_seed)).to_numpy()


def _aligned(rows: Sequence[pd.DataFrame]):
    """Align the predictions of every cell in ``rows``; ``None`` if any cell has none."""
    preds = [predictions(r) for part in rows for r in part['record']]
    if not preds or any(p is None for p in preds):
        return None
    return st.align(preds)


def _num_classes(rows: pd.DataFrame) -> int:
    return len(rows['classes'].iloc[0])


def _folds(ctx: Context) -> list[tuple[str, str]]:
    keys = ctx.cells[['dataset', 'fold']].drop_duplicates()
    return list(map(tuple, keys.to_numpy()))


def _interval(ctx: Context, rows: pd.DataFrame, metric: str) -> st.Interval | None:
    aligned = _aligned([rows])
    if aligned is None or len(aligned[0]) < 2:
        return None
    _, labels, correct = aligned
    spec = ctx.spec
    return st.bootstrap_clips(correct, labels, weights(rows), metric, _num_classes(rows),
                              spec.n_resamples, spec.confidence_level, spec.ci_method, spec.seed)


def uncertainty_section(ctx: Context) -> Section:
    spec = ctx.spec
    section = Section('Uncertainty (bootstrap over clips)')
    section.note(f'{100 * spec.confidence_level:.0f}% intervals by scipy.stats.bootstrap '
                 f'({spec.ci_method}, {spec.n_resamples} resamples, seed {spec.seed}) over clip '
                 'indices; the corruption cells of a model are resampled jointly on the clips they '
                 'share, so the mPC interval reflects the test-set sample only.')
    rows = []
    for model in ctx.models:
        for dataset, fold in _folds(ctx):
            for axis, kind in (('clean', 'clean'), ('corruption', 'mPC')):
                cells = _rows(ctx, model, dataset, fold, axis)
                if cells.empty:
                    continue
                for metric in spec.metrics:
                    interval = _interval(ctx, cells, metric)
                    if interval is None:
                        section.note(f'no per-sample predictions in the {axis} cells of {model} '
                                     f'({dataset}, fold {fold}): no interval.', missing=True)
                        break
                    rows.append(dict(model=model, dataset=dataset, fold=fold, metric=metric,
                                     kind=kind, estimate=interval.estimate, low=interval.low,
                                     high=interval.high))
    if not rows:
        section.note('no cells with per-sample predictions: no intervals.', missing=True)
        return section
    data = ctx.order(pd.DataFrame(rows), ('metric', 'kind'))
    display = data[['model', 'dataset', 'fold', 'metric', 'kind']].copy()
    display['metric'] = display['metric'].str.upper()
    display['estimate %'] = data['estimate'].map(pct)
    display['CI %'] = [f'[{pct(lo)}, {pct(hi)}]'
                       for lo, hi in zip(data['low'], data['high'], strict=True)]
    section.blocks.append(Table('intervals', 'Bootstrap intervals of clean accuracy and mPC',
                                data, display))
    if spec.figures:
        _interval_figures(ctx, section, data)
    return section


def _interval_figures(ctx: Context, section: Section, data: pd.DataFrame) -> None:
    for dataset in dict.fromkeys(data['dataset']):
        for metric in ctx.spec.metrics:
            part = data[(data['dataset'] == dataset) & (data['metric'] == metric)]
            if part.empty:
                continue
            several = part.groupby(['model', 'kind'])['fold'].nunique().max() > 1
            if several:
                g = part.groupby(['model', 'kind'], sort=False)['estimate']
                frame = g.agg(['mean', 'std']).reset_index()
                frame = frame.assign(value=frame['mean'], low=frame['mean'] - frame['std'],
                                     high=frame['mean'] + frame['std'])
                bars = 'mean ± std over folds'
            else:
                frame = part.rename(columns={'estimate': 'value'})
                bars = f'{100 * ctx.spec.confidence_level:.0f}% bootstrap intervals'
            section.blocks.append(Figure(f'clean_vs_mpc_{metric}_{dataset}',
                                         f'Clean {metric.upper()} and mPC on {dataset} ({bars})',
                                         figures.clean_vs_mpc(frame, metric)))


def _paired(ctx: Context, model_rows: pd.DataFrame, ref_rows: pd.DataFrame, metric: str):
    aligned = _aligned([model_rows, ref_rows])
    if aligned is None or len(aligned[0]) < 2:
        return None, 0
    _, labels, correct = aligned
    w = np.concatenate([weights(model_rows), -weights(ref_rows)])
    spec = ctx.spec
    interval = st.bootstrap_clips(correct, labels, w, metric, _num_classes(model_rows),
                                  spec.n_resamples, spec.confidence_level, spec.ci_method,
                                  spec.seed)
    return interval, len(labels)


def pair_rows(ctx: Context, section: Section, model: str, reference: str) -> list[dict]:
    """Paired tests of ``model`` minus ``reference`` on every data set and fold: McNemar on
    clean WAR, paired bootstraps of clean UAR and of mPC (over the conditions both have)."""
    rows = []
    for dataset, fold in _folds(ctx):
        clean_m = _rows(ctx, model, dataset, fold, 'clean')
        clean_r = _rows(ctx, reference, dataset, fold, 'clean')
        base = dict(model=model, dataset=dataset, fold=fold)
        if not clean_m.empty and not clean_r.empty:
            aligned = _aligned([clean_m.iloc[:1], clean_r.iloc[:1]])
            if aligned is None:
                section.note(f'no per-sample predictions for the clean cells of {model} or '
                             f'{reference} ({dataset}, fold {fold}).', missing=True)
            elif len(aligned[0]) >= 2:
                _, _, correct = aligned
                test = st.mcnemar(correct[0], correct[1])
                rows.append(dict(base, comparison='clean WAR', test='McNemar (exact)',
                                 clips=correct.shape[1],
                                 diff=float(correct[0].mean() - correct[1].mean()),
                                 low=np.nan, high=np.nan, p=test['p_exact'],
                                 detail=f"b={test['b']} c={test['c']} chi2={test['chi2']:.2f}"
                                        f" p_chi2={pval(test['p_chi2'])}"))
            for metric in [m for m in ctx.spec.metrics if m == 'uar']:
                interval, n = _paired(ctx, clean_m, clean_r, metric)
                if interval is not None:
                    rows.append(dict(base, comparison=f'clean {metric.upper()}',
                                     test='paired bootstrap', clips=n, diff=interval.estimate,
                                     low=interval.low, high=interval.high,
                                     p=st.bootstrap_pvalue(interval.distribution),
                                     detail=''))
        corr_m = _rows(ctx, model, dataset, fold, 'corruption')
        corr_r = _rows(ctx, reference, dataset, fold, 'corruption')
        if corr_m.empty or corr_r.empty:
            continue
        common = set(corr_m['condition']) & set(corr_r['condition'])
        corr_m = corr_m[corr_m['condition'].isin(common)]
        corr_r = corr_r[corr_r['condition'].isin(common)]
        for metric in ctx.spec.metrics:
            interval, n = _paired(ctx, corr_m, corr_r, metric)
            if interval is None:
                continue
            rows.append(dict(base, comparison=f'mPC {metric.upper()}',
                             test='paired bootstrap', clips=n, diff=interval.estimate,
                             low=interval.low, high=interval.high,
                             p=st.bootstrap_pvalue(interval.distribution), detail=''))
    return rows


def significance_section(ctx: Context) -> Section:
    section = Section(f'Paired comparison with the reference ({ctx.spec.reference})')
    if ctx.reference is None:
        section.note(f'{ctx.no_reference()}: no paired tests.', missing=True)
        return section
    section.note('Clips aligned by sample id. WAR: McNemar test, exact two-sided binomial test on '
                 'the discordant pairs (scipy.stats.binomtest; chi-square with continuity '
                 'correction beside it). UAR and mPC: paired bootstrap of the difference '
                 '(clip indices resampled jointly for both models), two-sided p = 2 min(P(d <= 0), '
                 'P(d >= 0)). No correction for multiple comparisons.')
    rows = []
    for model in ctx.models:
        if model == ctx.reference:
            continue
        if not ctx.learned(model):
            section.note(f'{model}: left out of the paired tests (did not learn).')
            continue
        rows += pair_rows(ctx, section, model, ctx.reference)
    if not rows:
        section.note('no pairs of cells with per-sample predictions to compare.', missing=True)
        return section
    data = ctx.order(pd.DataFrame(rows), ())
    section.blocks.append(Table('paired_tests', f'Model minus {ctx.reference} (percentage '
                                'points); b = model right and reference wrong', data,
                                paired_display(data)))
    return section


def paired_display(data: pd.DataFrame) -> pd.DataFrame:
    """Formatted rows of :func:`pair_rows`."""
    display = data[['model', 'dataset', 'fold', 'comparison', 'test', 'clips']].copy()
    display['Δ (pp)'] = data['diff'].map(pct)
    display['CI (pp)'] = [f'[{pct(lo)}, {pct(hi)}]' if np.isfinite(lo) else '–'
                          for lo, hi in zip(data['low'], data['high'], strict=False)]
    display['p'] = data['p'].map(pval)
    display['detail'] = data['detail']
    return display


def _summed_confusion(rows: pd.DataFrame, num_classes: int) -> np.ndarray | None:
    total = None
    for record in rows['record']:
        cm = confusion_of(record, num_classes)
        if cm is None:
            return None
        total = cm if total is None else total + cm
    return total


def confusion_section(ctx: Context) -> Section:
    section = Section('Confusion matrices')
    if not ctx.spec.figures:
        section.note('figures are switched off in the spec.')
        return section
    cells = ctx.cells
    for dataset in dict.fromkeys(cells['dataset']):
        items = []
        part = cells[cells['dataset'] == dataset]
        classes = list(part['classes'].iloc[0])
        for model in ctx.models[:ctx.spec.max_confusion_models]:
            mine = part[part['model'] == model]
            clean = _summed_confusion(mine[mine['axis'] == 'clean'], len(classes))
            if clean is None:
                section.note(f'no clean confusion for {model} on {dataset}.', missing=True)
            else:
                items.append((model, 'clean', clean))
            corr = mine[(mine['axis'] == 'corruption')
                        & mine['severity'].isin(ctx.spec.severities)]
            if corr.empty:
                continue
            worst = corr.groupby(['condition', 'severity'])['war'].mean().idxmin()
            rows = corr[(corr['condition'] == worst[0]) & (corr['severity'] == worst[1])]
            cm = _summed_confusion(rows, len(classes))
            if cm is not None:
                items.append((model, f'worst: {worst[0]} s{worst[1]}', cm))
        if items:
            section.blocks.append(Figure(
                f'confusion_{dataset}', f'Row-normalised confusion on {dataset}: clean and the '
                'corruption/severity with the lowest WAR (summed over folds and seeds)',
                figures.confusion_grid(items, classes)))
        else:
            section.note(f'no confusion matrices for {dataset}.', missing=True)
    if len(ctx.models) > ctx.spec.max_confusion_models:
        section.note(f'confusion matrices shown for the first {ctx.spec.max_confusion_models} '
                     'models only (max_confusion_models).')
    return section
