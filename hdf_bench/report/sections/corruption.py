"""Sections: robustness summary, per-corruption and per-group tables, severity figures."""
from __future__ import annotations

import pandas as pd

from hdf_bench.evaluation import robustness as rb
from hdf_bench.report import figures
from hdf_bench.report.context import Context, num, pct, pm
from hdf_bench.report.document import Figure, Section, Table

SIGN_NOTE = ('Sign convention: higher is better for every robustness score. '
             'gamma_a = 1 - (A_clean - A_p) and gamma_r = 1 - (A_clean - A_p) / A_clean, averaged '
             'over corruptions and severities (gamma_r = rPC); 1 means no loss. mPC = mean over '
             'corruptions of the mean over severities {sev}; rPC = mPC / clean. '
             'CE_c = sum_s E_(s,c) / sum_s E_ref(s,c) with E = 1 - metric, relative CE uses '
             'E_(s,c) - E_clean; mCE = mean over corruptions; CE in % (reference = 100, lower is '
             'better). Relative CE is undefined where the reference does not degrade (its error '
             'grows by less than 1 point per severity on average); relative mCE averages the '
             'corruptions where it is defined. Several folds: mean ± sample std (ddof = 1) over '
             'folds.')


def tables(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean and corrupted tables (mean over seeds) of the context's cells."""
    return rb.clean_table(ctx.cells), rb.corruption_table(ctx.cells, ctx.spec.severities)


def _missing_notes(ctx: Context, section: Section, clean: pd.DataFrame,
                   corr: pd.DataFrame) -> None:
    clean_keys = set(map(tuple, clean[rb.FOLD_KEYS].to_numpy()))
    corr_keys = set(map(tuple, corr[rb.FOLD_KEYS].to_numpy()))
    for model, dataset, fold in sorted(corr_keys - clean_keys):
        section.note(f'no clean cell for model {model} ({dataset}, fold {fold}): clean, rPC and '
                     'gamma are omitted for it.', missing=True)
    for model in ctx.models:
        if model not in set(corr['model']):
            section.note(f'no corruption cells for model {model}.', missing=True)
    if ctx.reference is None:
        section.note(f'{ctx.no_reference()}: CE, mCE and relative CE are omitted.', missing=True)
    else:
        ref_folds = set(map(tuple, corr[corr['model'] == ctx.reference][['dataset', 'fold']]
                            .to_numpy()))
        for dataset, fold in sorted({(d, f) for _, d, f in corr_keys} - ref_folds):
            section.note(f'no corruption cells for the reference {ctx.reference} on {dataset} '
                         f'fold {fold}: CE omitted there.', missing=True)


def summary_section(ctx: Context) -> Section:
    section = Section('Robustness summary')
    clean, corr = tables(ctx)
    section.note(SIGN_NOTE.format(sev=ctx.severities))
    section.note(f'Averaged over severities {ctx.severities} and {len(ctx.corruptions)} '
                 f'corruption(s) held by every model: {", ".join(ctx.corruptions) or "none"}.')
    _missing_notes(ctx, section, clean, corr)
    if clean.empty and corr.empty:
        section.note('no clean or corruption cells in the store.', missing=True)
        return section
    folds = ctx.order(rb.fold_summary(corr, clean, ctx.reference, ctx.spec.metrics))
    values = ['clean', 'mpc', 'rpc', 'gamma_a', 'gamma_r', 'mce', 'rel_mce']
    agg = ctx.order(rb.across_folds(folds, ['model', 'dataset', 'metric'], values))
    rows = []
    for r in agg.to_dict('records'):
        n = int(r['n_folds'])
        rows.append({'model': r['model'], 'dataset': r['dataset'], 'metric': r['metric'].upper(),
                     'folds': n,
                     'clean %': pm(r['clean_mean'], r['clean_std'], n),
                     'mPC %': pm(r['mpc_mean'], r['mpc_std'], n),
                     'rPC': pm(r['rpc_mean'], r['rpc_std'], n, num),
                     'γ_a': pm(r['gamma_a_mean'], r['gamma_a_std'], n, num),
                     'γ_r': pm(r['gamma_r_mean'], r['gamma_r_std'], n, num),
                     'mCE %': pm(r['mce_mean'], r['mce_std'], n, lambda v: pct(v, 1)),
                     'rel. mCE %': pm(r['rel_mce_mean'], r['rel_mce_std'], n,
                                      lambda v: pct(v, 1))})
    if ctx.reference:
        ref_rows = folds[folds['model'] == ctx.reference]
        for r in ref_rows.to_dict('records'):
            if r['rel_mce_n'] < r['n_corruptions']:
                section.note(f"relative mCE ({r['metric'].upper()}, {r['dataset']} fold "
                             f"{r['fold']}) averages {r['rel_mce_n']} of {r['n_corruptions']} "
                             f'corruptions: {ctx.reference} does not degrade on the others.')
    ref = f' (reference {ctx.reference})' if ctx.reference else ''
    section.blocks.append(Table('summary', f'Clean, mPC, rPC, gamma and mCE{ref}', agg,
                                pd.DataFrame(rows)))
    display = folds[['model', 'dataset', 'fold', 'metric']].copy()
    display['metric'] = display['metric'].str.upper()
    for col, label in (('clean', 'clean %'), ('mpc', 'mPC %')):
        display[label] = folds[col].map(pct)
    for col, label in (('rpc', 'rPC'), ('gamma_a', 'γ_a'), ('gamma_r', 'γ_r')):
        display[label] = folds[col].map(num)
    display['mCE %'] = folds['mce'].map(lambda v: pct(v, 1))
    section.blocks.append(Table('summary_folds', 'Per-fold robustness summary', folds, display,
                                show=bool((agg['n_folds'] > 1).any())))
    return section


def _per_corruption(ctx: Context, clean: pd.DataFrame, corr: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for metric in ctx.spec.metrics:
        per = rb.per_corruption(corr, clean, metric)
        if ctx.reference is not None:
            ce = rb.corruption_errors(corr, clean, ctx.reference, metric)
            per = per.merge(ce, on=rb.FOLD_KEYS + ['corruption', 'metric'], how='left')
        else:
            per = per.assign(ce=float('nan'), rel_ce=float('nan'))
        frames.append(per)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def corruption_section(ctx: Context) -> Section:
    section = Section('Per-corruption results')
    clean, corr = tables(ctx)
    if corr.empty:
        section.note('no corruption cells in the store.', missing=True)
        return section
    per = _per_corruption(ctx, clean, corr)
    agg = rb.across_folds(per, ['model', 'dataset', 'metric', 'corruption', 'group'],
                          ['value', 'gamma_a', 'gamma_r', 'ce', 'rel_ce'])
    agg = ctx.order(agg)
    section.blocks.append(Table('per_corruption', 'Per corruption (data)', agg, agg, show=False))
    order = list(dict.fromkeys(corr['corruption']))
    for metric in ctx.spec.metrics:
        part = agg[agg['metric'] == metric]
        for col, label, fmt in (('value', f'{metric.upper()} % (mean over severities)', pct),
                                ('ce', f'CE % on {metric.upper()}', lambda v: pct(v, 1))):
            if col == 'ce' and ctx.reference is None:
                continue
            cells = part.assign(text=[pm(m, s, int(n), fmt) for m, s, n in zip(
                part[f'{col}_mean'], part[f'{col}_std'], part['n_folds'], strict=False)])
            wide = cells.pivot_table(index=['dataset', 'model'], columns='corruption',
                                     values='text', aggfunc='first', sort=False)
            wide = wide[[c for c in order if c in wide.columns]].reset_index()
            wide = ctx.order(wide).fillna('–').rename_axis(columns=None)
            data = part[['model', 'dataset', 'corruption', 'group', 'n_folds', f'{col}_mean',
                         f'{col}_std']]
            section.blocks.append(Table(f'{col}_{metric}_by_corruption', label, data, wide))
    if ctx.spec.figures:
        _severity_figures(ctx, section, clean, corr, per)
    return section


def _severity_figures(ctx: Context, section: Section, clean: pd.DataFrame, corr: pd.DataFrame,
                      per: pd.DataFrame) -> None:
    for dataset in dict.fromkeys(corr['dataset']):
        for metric in ctx.spec.metrics:
            sev = corr[corr['dataset'] == dataset].groupby(
                ['model', 'corruption', 'severity'], as_index=False, sort=False)[metric].mean()
            base = clean[clean['dataset'] == dataset].groupby('model', as_index=False)[metric]
            base = base.mean()
            zero = [dict(model=m, corruption=c, severity=0, **{metric: v})
                    for m, v in zip(base['model'], base[metric], strict=False)
                    for c in sev.loc[sev['model'] == m, 'corruption'].unique()]
            frame = pd.concat([pd.DataFrame(zero), sev], ignore_index=True)
            frame = ctx.order(frame.rename(columns={metric: 'value'}), ('corruption', 'severity'))
            section.blocks.append(Figure(
                f'severity_{metric}_{dataset}',
                f'{metric.upper()} vs severity per corruption on {dataset} (severity 0 = clean; '
                'mean over folds and seeds)', figures.severity_curves(frame, metric)))
            gam = per[(per['dataset'] == dataset) & (per['metric'] == metric)]
            pivot = gam.pivot_table(index='model', columns='corruption', values='gamma_r',
                                    aggfunc='mean', sort=False)
            pivot = pivot.reindex([m for m in ctx.models if m in pivot.index])
            if pivot.notna().any().any():
                section.blocks.append(Figure(
                    f'gamma_r_{metric}_{dataset}',
                    f'Relative robustness gamma_r on {metric.upper()} (higher is better), '
                    f'{dataset}', figures.robustness_heatmap(pivot, 'gamma_r')))
            else:
                section.note(f'gamma_r heatmap for {metric.upper()} on {dataset} skipped: no '
                             'clean cells to compare with.', missing=True)


def group_section(ctx: Context) -> Section:
    section = Section('Per-group results')
    clean, corr = tables(ctx)
    if corr.empty:
        section.note('no corruption cells in the store.', missing=True)
        return section
    per = _per_corruption(ctx, clean, corr)
    groups = rb.per_group(per)
    agg = ctx.order(rb.across_folds(groups, ['model', 'dataset', 'metric', 'group'],
                                    ['value', 'gamma_a', 'gamma_r']))
    if set(agg['group']) == {'other'}:
        section.note('no corruption groups known (cell meta has no group and '
                     'hdf_bench.corruptions exposes none): every corruption is in "other".')
    for metric in ctx.spec.metrics:
        part = agg[agg['metric'] == metric]
        part = part.assign(text=[f'{pm(v, vs, int(n))} (γ_r {num(g)})' for v, vs, g, n in zip(
            part['value_mean'], part['value_std'], part['gamma_r_mean'], part['n_folds'],
            strict=True)])
        wide = part.pivot_table(index=['dataset', 'model'], columns='group', values='text',
                                aggfunc='first', sort=False).reset_index()
        wide = ctx.order(wide).fillna('–').rename_axis(columns=None)
        section.blocks.append(Table(f'groups_{metric}',
                                    f'{metric.upper()} % per corruption group (mean over its '
                                    'corruptions and severities), with gamma_r',
                                    part.drop(columns='text'), wide))
    return section
