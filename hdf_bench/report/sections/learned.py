"""Sections: the learned guard and the headline comparison of HDF with its baselines."""
from __future__ import annotations

import pandas as pd

from hdf_bench.report.context import Context, pct
from hdf_bench.report.document import Section, Table
from hdf_bench.report.sections.statistics import pair_rows, paired_display

#: the headline model and its baselines: SAM-matched first, then the plain one
HEADLINE = 'hdf'
HEADLINE_BASELINES = ('x3d_s_sam', 'x3d_s')


def learned_section(ctx: Context) -> Section:
    """Each model's clean UAR with its bootstrap CI against chance, and the classes it predicts."""
    spec = ctx.spec
    section = Section('Did each model learn?')
    section.note(f'Clean UAR with its {100 * spec.confidence_level:.0f}% bootstrap interval over '
                 'test clips (clean cells pooled over data sets, folds and seeds) against chance '
                 '(1 / number of classes), and the number of distinct classes the model ever '
                 'predicts. A model whose interval includes chance or lies below it, or that '
                 'predicts two classes or fewer, did not learn.')
    rows = []
    for model in ctx.models:
        v = ctx.verdicts.get(model)
        if v is None:
            section.note(f'{model}: no clean cell with per-sample predictions; not judged.',
                         missing=True)
            continue
        rows.append(dict(model=model, protocol=ctx.protocols.get(model, 'strict'), uar=v.uar,
                         uar_low=v.uar_low, uar_high=v.uar_high, chance=v.chance, war=v.war,
                         classes_predicted=v.classes_predicted, learned=v.learned,
                         reason=v.reason))
    if not rows:
        return section
    data = pd.DataFrame(rows)
    display = pd.DataFrame({
        'model': data['model'], 'UAR %': data['uar'].map(pct),
        'CI %': [f'[{pct(lo)}, {pct(hi)}]' for lo, hi in zip(data['uar_low'], data['uar_high'],
                                                             strict=True)],
        'chance %': data['chance'].map(pct), 'WAR %': data['war'].map(pct),
        'classes predicted': data['classes_predicted'],
        'verdict': ['learned' if ok else f'not learned: {why}'
                    for ok, why in zip(data['learned'], data['reason'], strict=True)]})
    section.blocks.append(Table('learned', 'Clean UAR against chance (learned guard)', data,
                                display))
    return section


def _named(ctx: Context, name: str) -> str | None:
    """The display name of store model ``name`` when it is in the report and learned."""
    for model in ctx.models:
        if model.split(' (')[0] == name:
            return model if ctx.learned(model) else None
    return None


def headline_section(ctx: Context) -> Section:
    """HDF minus the SAM-matched X3D-S (``x3d_s_sam``) and the plain X3D-S, paired tests."""
    section = Section('Headline: HDF against X3D-S with and without SAM')
    hdf = _named(ctx, HEADLINE)
    if hdf is None:
        section.note(f'{HEADLINE} is not in the report or did not learn: no headline comparison.',
                     missing=True)
        return section
    section.note('HDF trains with SAM, so the fair baseline is X3D-S trained with SAM '
                 '(x3d_s_sam); the plain X3D-S is shown beside it. Tests as in the paired '
                 'comparison section (McNemar on clean WAR, paired bootstraps of UAR and mPC).')
    rows = []
    for base in HEADLINE_BASELINES:
        name = _named(ctx, base)
        if name is None:
            section.note(f'baseline {base} is not in the report or did not learn.',
                         missing=base == 'x3d_s_sam')
            continue
        rows += [dict(r, baseline=name) for r in pair_rows(ctx, section, hdf, name)]
    if not rows:
        section.note('no baseline with per-sample predictions to compare HDF with.',
                     missing=True)
        return section
    data = pd.DataFrame(rows)
    display = paired_display(data)
    display.insert(1, 'baseline', data['baseline'])
    section.blocks.append(Table('headline', 'HDF minus each baseline (percentage points)', data,
                                display))
    return section
