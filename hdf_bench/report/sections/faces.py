"""Sections: region reliance (which face regions each class needs) and the corruption gallery."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from hdf_bench.evaluation import regions  # noqa: E402
from hdf_bench.report.context import Context, num, pct  # noqa: E402
from hdf_bench.report.document import Figure, Section, Table  # noqa: E402

DPI = 90


def recall_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """The report's cells as ``ResultsStore.frame()`` rows (key columns + ``recall_<class>``)."""
    rows = []
    for _, cell in cells.iterrows():
        row = {k: cell[k] for k in ('model', 'dataset', 'fold', 'axis', 'condition', 'severity',
                                    'seed')}
        recall = cell['record']['metrics']['per_class_recall']
        row.update({f'recall_{c}': v for c, v in zip(cell['classes'], recall, strict=False)})
        rows.append(row)
    return pd.DataFrame(rows)


def reliance_figure(reliance: pd.DataFrame, truth: pd.DataFrame | None) -> bytes:
    """Heat maps of the recall drop (points) per class x region, one per model and data set,
    and the AU ground truth (share of each class's AU intensity per region) when given."""
    heat = regions.heat_table(reliance)
    panels = [(f'{m} / {d}', block.set_index('class')[[r for r in regions.REGIONS
                                                       if r in block.columns]] * 100)
              for (m, d), block in heat.groupby(regions.KEYS, sort=False)]
    if truth is not None:
        panels.append(('SynthDFER AUs: share hidden', truth.set_index('class')[
            list(regions.REGIONS)] * 100))
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.9 * rows), squeeze=False)
    limit = max(1.0, float(np.nanmax(np.abs(heat[[r for r in regions.REGIONS
                                                    if r in heat.columns]].to_numpy())) * 100))
    for ax, (title, data) in zip(axes.ravel(), panels, strict=False):
        is_truth = title.startswith('SynthDFER')
        sns.heatmap(data.astype(float), ax=ax, annot=True, fmt='.0f', cbar=False,
                    cmap='Greens' if is_truth else 'RdBu_r',
                    vmin=0 if is_truth else -limit, vmax=100 if is_truth else limit)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('AU share %' if is_truth else 'recall drop (points)')
        ax.set_ylabel('')
    for ax in axes.ravel()[len(panels):]:
        ax.axis('off')
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=DPI, bbox_inches='tight')
    plt.close(fig)
    return buffer.getvalue()


def region_section(ctx: Context) -> Section:
    """Per model and class: recall lost when the upper face, the eyes or the lower face is
    hidden; on SynthDFER, compared with the regions each class's action units move."""
    section = Section('Face-region reliance')
    reliance = regions.region_reliance(recall_frame(ctx.every_cell()))
    if reliance.empty:
        section.note('no region occlusion cells (upper_face_occlusion, eye_occlusion, '
                     'lower_face_occlusion) next to clean cells: run a sweep with the face '
                     'suite.', missing=True)
        return section
    severity = int(reliance['severity'].iloc[0])
    heat = ctx.order(regions.heat_table(reliance))  # classes keep the store's order
    display = heat[regions.KEYS + ['class']].copy()
    for region in regions.REGIONS:
        if region in heat:
            display[f'{region} drop'] = heat[region].map(pct)
    section.blocks.append(Table(
        'region_reliance', f'Drop in per-class recall (points) when a face region is hidden '
        f'(severity {severity}; mean over seeds, then folds): upper = forehead to below the '
        'eyes, eyes = the eyes band, lower = below the nose to the chin', reliance,
        display))
    synth = reliance[reliance['dataset'].str.lower().str.startswith('synth')]
    truth = regions.au_region_shares() if not synth.empty else None
    if truth is not None:
        shown = truth.copy()
        for region in regions.REGIONS:
            shown[region] = truth[region].map(lambda v: num(v, 2))
        section.blocks.append(Table(
            'region_truth', 'SynthDFER ground truth: share of each class\'s action-unit '
            'intensity (EMFACS prototype) in the region each occlusion hides', truth, shown))
        agree = ctx.order(regions.agreement(synth, truth))
        if not agree.empty:
            text = agree[regions.KEYS + ['classes', 'half_matches']].copy()
            text['half agreement %'] = agree['half_agreement'].map(pct)
            text['rank corr'] = agree['rank_corr'].map(lambda v: num(v, 2))
            text['classes relying on the upper / lower half'] = agree['per_class'].map(
                lambda items: ', '.join(f'{c}: {r}{"" if m else f" (AUs: {g})"}'
                                        for c, r, g, m in items))
            section.blocks.append(Table(
                'region_agreement', 'Agreement of reliance with the AU ground truth: '
                'half_agreement = share of classes whose larger drop (upper vs lower face) is '
                'on the half holding more of their AU intensity; rank_corr = Spearman '
                'correlation of drops and AU shares with each class\'s mean removed',
                agree, text))
    if ctx.spec.figures:
        section.blocks.append(Figure('region_reliance', 'Recall drop per class and region '
                                     '(red: the class needs the region)',
                                     reliance_figure(reliance, truth)))
    return section


def gallery_section(ctx: Context) -> Section:
    """The corruptions of the store drawn on one SynthDFER clip at severities 1, 3, 5."""
    from hdf_bench.corruptions import CORRUPTIONS
    from hdf_bench.corruptions.gallery import corruption_list, draw_gallery

    section = Section('Corruption gallery')
    cells = ctx.every_cell()
    present = set(cells.loc[cells['axis'] == 'corruption', 'condition'])
    names = [n for n in CORRUPTIONS if n in present]
    if not names:
        section.note('no corruption cells in the store: no gallery.', missing=True)
        return section
    listing = pd.DataFrame(corruption_list(names), columns=['corruption', 'group', 'shown as'])
    section.blocks.append(Table('corruption_list', 'Corruptions in the store and their groups',
                                listing, listing))
    if ctx.spec.figures:
        section.blocks.append(Figure('corruption_gallery', 'One SynthDFER clip under each '
                                     'corruption at severities 1, 3, 5 (temporal corruptions '
                                     'and moving face shifts as frame strips)',
                                     draw_gallery(names)))
    return section
