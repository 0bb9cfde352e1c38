"""Sections: class imbalance, label-prior shift, accuracy vs latency."""
from __future__ import annotations

import pandas as pd

from hdf_bench.report import figures
from hdf_bench.report.context import Context, num, pct
from hdf_bench.report.document import Figure, Section, Table
from hdf_bench.report.latency import read_latency
from hdf_bench.report.sections import imbalance_tables as imb


def imbalance_section(ctx: Context) -> Section:
    section = Section('Class imbalance')
    table = ctx.order(imb.imbalance_table(ctx.cells), ('rho', 'condition'))
    if table.empty:
        section.note('no imbalance results in the store (axis = imbalance).', missing=True)
        return section
    display = table[['model', 'dataset', 'fold', 'condition']].copy()
    display['rho'] = table['rho'].map(lambda v: num(v, 0) if v == v else '–')
    display['WAR %'] = table['war'].map(pct)
    display['UAR %'] = table['uar'].map(pct)
    display['seeds'] = table['n_seeds']
    section.blocks.append(Table('imbalance', 'WAR and UAR of models trained on long-tailed '
                                'splits (mean over seeds; test set unchanged)', table, display))
    groups = imb.frequency_group_table(ctx.cells)
    if groups.empty:
        section.note('no train_class_counts in the imbalance cells: head/medium/tail recall '
                     'omitted.', missing=True)
    else:
        groups = ctx.order(groups, ('rho', 'condition'))
        shown = groups[['model', 'dataset', 'fold', 'condition']].copy()
        for g in imb.FREQUENCY_GROUPS:
            shown[f'{g} %'] = groups[g].map(pct)
        shown['tail classes'] = groups['tail_classes']
        section.blocks.append(Table('imbalance_frequency_groups', 'Mean recall of head / medium '
                                    '/ tail classes, ranked by training frequency (2 / 3 / 2 of '
                                    '7 classes, most frequent first)', groups, shown))
    recall = imb.recall_table(ctx.cells)
    wide = recall.assign(recall=recall['recall'].map(pct)).pivot_table(
        index=['model', 'dataset', 'fold', 'condition'], columns='class', values='recall',
        aggfunc='first', sort=False)
    wide = wide[list(dict.fromkeys(recall['class']))].reset_index()
    section.blocks.append(Table('imbalance_recall', 'Per-class recall % (mean over seeds)',
                                recall, ctx.order(wide).rename_axis(columns=None)))
    if ctx.spec.figures:
        _imbalance_figures(ctx, section, table, recall)
    return section


def _imbalance_figures(ctx: Context, section: Section, table: pd.DataFrame,
                       recall: pd.DataFrame) -> None:
    table = table[table['rho'].notna()]
    if table.empty:
        section.note('imbalance ratios unknown (no meta rho, no rho in the condition name): '
                     'imbalance figures skipped.', missing=True)
        return
    for dataset in dict.fromkeys(table['dataset']):
        part = table[table['dataset'] == dataset]
        long = part.melt(id_vars=['model', 'rho'], value_vars=list(ctx.spec.metrics),
                         var_name='metric', value_name='value')
        long['metric'] = long['metric'].str.upper()
        section.blocks.append(Figure(f'imbalance_{dataset}', f'WAR / UAR vs imbalance ratio on '
                                     f'{dataset} (mean over folds and seeds)',
                                     figures.imbalance_curves(ctx.order(long, ('rho',)))))
        rec = recall[(recall['dataset'] == dataset) & recall['rho'].notna()]
        rec = rec.groupby(['model', 'class', 'rho'], as_index=False, sort=False)['recall'].mean()
        if not rec.empty:
            section.blocks.append(Figure(f'recall_by_class_{dataset}', 'Per-class recall by '
                                         f'imbalance ratio on {dataset}',
                                         figures.recall_by_class(ctx.order(rec, ('rho',)))))


def prior_section(ctx: Context) -> Section:
    section = Section('Label-prior shift')
    table = ctx.order(imb.imbalance_table(ctx.cells, axis='prior'), ('condition',))
    if table.empty:
        section.note('no prior-shift results in the store (axis = prior).', missing=True)
        return section
    section.note('WAR under a test prior is the prior-weighted mean of per-class recalls; UAR is '
                 'the uniform-prior case.')
    display = table[['model', 'dataset', 'fold', 'condition']].copy()
    display['WAR %'] = table['war'].map(pct)
    display['UAR %'] = table['uar'].map(pct)
    section.blocks.append(Table('prior', 'WAR and UAR under test-time label priors',
                                table.drop(columns='rho'), display))
    return section


def latency_section(ctx: Context) -> Section:
    section = Section('Accuracy vs latency')
    if not ctx.spec.latency:
        section.note('no latency results given (--latency bench.json): section skipped.',
                     missing=True)
        return section
    names = ctx.names or {m: m for m in set(ctx.cells['model'])}
    lat = read_latency(ctx.spec.latency, sorted(names))
    lat = lat.assign(model=lat['model'].map(names)) if not lat.empty else lat
    if lat.empty:
        section.note(f'no benchmark in {ctx.spec.latency} names a model of the store.',
                     missing=True)
        return section
    clean = ctx.cells[ctx.cells['axis'] == 'clean']
    acc = clean.groupby(['model', 'dataset'], as_index=False)[list(ctx.spec.metrics)].mean()
    data = ctx.order(lat.merge(acc, on='model', how='left'), ('benchmark',))
    display = data[['model', 'benchmark', 'dataset']].fillna('–').copy()
    display['median ms'] = data['median_ms'].map(lambda v: num(v, 2))
    display['mean ms'] = data['mean_ms'].map(lambda v: num(v, 2))
    for metric in ctx.spec.metrics:
        display[f'clean {metric.upper()} %'] = data[metric].map(pct)
    section.blocks.append(Table('latency', 'Latency (pytest-benchmark) beside clean accuracy '
                                '(mean over folds)', data, display))
    if ctx.spec.figures:
        for dataset in data['dataset'].dropna().unique():
            part = data[data['dataset'] == dataset]
            for metric in ctx.spec.metrics:
                frame = part.rename(columns={metric: 'value'})
                section.blocks.append(Figure(f'latency_{metric}_{dataset}',
                                             f'Clean {metric.upper()} on {dataset} vs median '
                                             'latency', figures.accuracy_latency(frame, metric)))
        if data['dataset'].isna().all():
            section.note('no clean cells for the benchmarked models: latency figure skipped.',
                         missing=True)
    return section
