"""Region reliance: how much each class's recall drops when a face region is hidden.

For every model, data set and class, the reliance on a region is the clean recall minus the
recall under that region's occlusion (``upper_face_occlusion``, ``eye_occlusion``,
``lower_face_occlusion``) at one severity, averaged over seeds and then folds. On SynthDFER
the ground truth is known: each class's EMFACS action units move given regions
(:func:`au_region_shares`), and :func:`agreement` compares the two.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from hdf_bench.corruptions.face import REGION_OCCLUSIONS

REGIONS: tuple[str, ...] = tuple(REGION_OCCLUSIONS)
#: The face part each action unit moves in SynthDFER's drawing (hdf_bench/data/synth/face.py).
AU_PART: dict[int, str] = {
    1: 'brows', 2: 'brows', 4: 'brows',          # brow raisers / lowerer (+ forehead, glabella)
    5: 'eyes', 6: 'eyes', 7: 'eyes',             # lids, crow's feet
    9: 'nose',                                   # wrinkles between the eyes
    10: 'mouth', 12: 'mouth', 15: 'mouth', 16: 'mouth', 20: 'mouth', 23: 'mouth', 25: 'mouth',
    26: 'mouth',                                 # lips, corners, jaw drop
}
#: The face parts each occlusion hides at full severity (the upper band contains the eyes band;
#: the nose wrinkles lie just below the eye line, inside the eyes band).
REGION_PARTS: dict[str, frozenset[str]] = {
    'upper': frozenset({'brows', 'eyes', 'nose'}),
    'eyes': frozenset({'eyes', 'nose'}),
    'lower': frozenset({'mouth'}),
}
KEYS = ['model', 'dataset']


def recall_columns(frame: pd.DataFrame) -> list[str]:
    """The ``recall_<class>`` columns of a store frame, in order."""
    return [c for c in frame.columns if c.startswith('recall_')]


def _per_fold(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return frame.groupby(KEYS + ['fold'], sort=False)[cols].mean()


def region_reliance(frame: pd.DataFrame, severity: int | None = None) -> pd.DataFrame:
    """Per model, data set, region and class: clean recall, occluded recall and their drop.

    Args:
        frame: one row per cell, as ``ResultsStore.frame()`` gives (key columns and
            ``recall_<class>``).
        severity: severity of the occlusions compared (default: the highest in the store).

    Returns:
        Columns model, dataset, region, class, clean, occluded, drop (clean - occluded,
        recall fractions), folds (folds with both cells), severity. Empty when the store
        holds no region occlusion next to a clean cell.
    """
    columns = KEYS + ['region', 'class', 'clean', 'occluded', 'drop', 'folds', 'severity']
    cols = recall_columns(frame)
    occl = frame[(frame['axis'] == 'corruption')
                 & frame['condition'].isin(list(REGION_OCCLUSIONS.values()))]
    if occl.empty or not cols:
        return pd.DataFrame(columns=columns)
    if severity is None:
        severity = int(occl['severity'].max())
    clean = _per_fold(frame[frame['axis'] == 'clean'], cols)
    rows = []
    for region, name in REGION_OCCLUSIONS.items():
        part = occl[(occl['condition'] == name) & (occl['severity'] == severity)]
        if part.empty:
            continue
        occluded = _per_fold(part, cols)
        both = occluded.index.intersection(clean.index)
        if both.empty:
            continue
        drop = clean.loc[both] - occluded.loc[both]
        for (model, dataset), block in drop.groupby(level=[0, 1], sort=False):
            index = block.index
            for col in cols:
                rows.append(dict(model=model, dataset=dataset, region=region,
                                 **{'class': col[len('recall_'):]},
                                 clean=float(clean.loc[index, col].mean()),
                                 occluded=float(occluded.loc[index, col].mean()),
                                 drop=float(block[col].mean()), folds=len(index),
                                 severity=severity))
    return pd.DataFrame(rows, columns=columns)


def heat_table(reliance: pd.DataFrame) -> pd.DataFrame:
    """Drops as a wide table: one row per model, data set and class, one column per region."""
    if reliance.empty:
        return pd.DataFrame(columns=KEYS + ['class', *REGIONS])
    wide = reliance.pivot_table(index=KEYS + ['class'], columns='region', values='drop',
                                sort=False)
    return wide.reindex(columns=[r for r in REGIONS if r in wide.columns]).reset_index() \
        .rename_axis(columns=None)


def au_region_shares(prototypes: Mapping[str, Mapping[int, float]] | None = None
                     ) -> pd.DataFrame:
    """Ground truth on SynthDFER: the share of each class's AU intensity a region hides.

    Args:
        prototypes: class -> {AU: intensity} (default: SynthDFER's EMFACS prototypes).

    Returns:
        One row per class with AUs, columns ``class``, each region, ``aus`` (text).
    """
    if prototypes is None:
        from hdf_bench.data.synth.expression import PROTOTYPES as prototypes
    rows = []
    for name, aus in prototypes.items():
        total = sum(aus.values())
        if not total:
            continue
        row = {'class': name, 'aus': ' '.join(f'AU{au}' for au in sorted(aus))}
        for region in REGIONS:
            row[region] = sum(v for au, v in aus.items()
                              if AU_PART[au] in REGION_PARTS[region]) / total
        rows.append(row)
    return pd.DataFrame(rows, columns=['class', *REGIONS, 'aus'])


def agreement(reliance: pd.DataFrame, truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """How well each model's reliance matches the AU ground truth, per model and data set.

    Two measures over the classes that have AUs:

    * ``half_agreement``: share of classes whose larger recall drop (upper vs lower face) is
      on the half that holds the larger share of the class's AU intensity;
    * ``rank_corr``: Spearman correlation between drops and AU shares over class x region
      cells, after removing each class's mean (so a class hurt everywhere does not count).

    Returns:
        Columns model, dataset, classes, half_matches, half_agreement, rank_corr, and
        ``per_class``: a list of (class, relies on, AUs on, match) tuples.
    """
    truth = au_region_shares() if truth is None else truth
    truth = truth.set_index('class')
    rows = []
    for (model, dataset), block in heat_table(reliance).groupby(KEYS, sort=False):
        block = block.set_index('class')
        classes = [c for c in truth.index if c in block.index]
        regions = [r for r in REGIONS if r in block.columns]
        if not classes or not {'upper', 'lower'} <= set(regions):
            continue
        drops = block.loc[classes, regions].astype(float)
        shares = truth.loc[classes, regions].astype(float)
        per_class = []
        for c in classes:
            relies = 'upper' if drops.loc[c, 'upper'] > drops.loc[c, 'lower'] else 'lower'
            moves = 'upper' if shares.loc[c, 'upper'] > shares.loc[c, 'lower'] else 'lower'
            per_class.append((c, relies, moves, relies == moves))
        centred_d = (drops.sub(drops.mean(axis=1), axis=0)).to_numpy().ravel()
        centred_g = (shares.sub(shares.mean(axis=1), axis=0)).to_numpy().ravel()
        rho = stats.spearmanr(centred_d, centred_g).statistic if np.ptp(centred_d) > 0 \
            else float('nan')
        matches = sum(m for *_, m in per_class)
        rows.append(dict(model=model, dataset=dataset, classes=len(classes),
                         half_matches=matches, half_agreement=matches / len(classes),
                         rank_corr=float(rho), per_class=per_class))
    return pd.DataFrame(rows, columns=KEYS + ['classes', 'half_matches', 'half_agreement',
                                             'rank_corr', 'per_class'])

