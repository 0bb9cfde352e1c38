"""What a report may compare: the learned guard, display names, protocols, common conditions.

Applied once in :func:`hdf_bench.report.build.make_context`, so every section and figure sees
the same cells and names:

- each model's verdict of :func:`hdf_bench.evaluation.learned.learned_verdict` on its clean
  cells' stored predictions (pooled over data sets, folds and seeds);
- display names: ``<model> (not learned)`` for a model that did not learn and
  ``M3DFEL (scratch)`` for ``m3dfel`` whose config sets no ``pretrained`` weights;
- the evaluation protocol of each model's cells (meta ``protocol``; ``strict`` when absent);
- corruption cells restricted to the (corruption, severity) conditions every model has on a
  data set and fold, with a note per model naming what was left out.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hdf_bench.evaluation.learned import LearnedVerdict, learned_verdict
from hdf_bench.evaluation.protocols import PROTOCOLS
from hdf_bench.report.record import predictions

NOT_LEARNED = ' (not learned)'


def verdicts(cells: pd.DataFrame, models: list[str], confidence_level: float,
             n_resamples: int, seed: int) -> dict[str, LearnedVerdict | None]:
    """The learned verdict per model (``None``: no clean cell with stored predictions)."""
    out: dict[str, LearnedVerdict | None] = {}
    for model in models:
        clean = cells[(cells['model'] == model) & (cells['axis'] == 'clean')]
        labels, preds = [], []
        for record in clean['record']:
            frame = predictions(record)
            if frame is not None:
                labels += frame['label'].tolist()
                preds += frame['pred'].tolist()
        out[model] = (learned_verdict(labels, preds, len(clean['classes'].iloc[0]),
                                      confidence_level, n_resamples, seed)
                      if len(labels) >= 2 else None)
    return out


def _m3dfel_pretrained(cells: pd.DataFrame) -> bool:
    """Whether any m3dfel cell's config (meta ``config``) sets backbone ``pretrained``."""
    from mmengine.config import Config

    for record in cells.loc[cells['model'] == 'm3dfel', 'record']:
        path = (record.get('meta') or {}).get('config')
        if path and Path(path).is_file():
            backbone = Config.fromfile(path).get('model', {}).get('backbone', {})
            if backbone.get('pretrained'):
                return True
    return False


def display_names(cells: pd.DataFrame, models: list[str],
                  judged: dict[str, LearnedVerdict | None]) -> dict[str, str]:
    """Store name -> the name shown in every table and figure."""
    names = {m: m for m in models}
    if 'm3dfel' in names and not _m3dfel_pretrained(cells):
        names['m3dfel'] = 'M3DFEL (scratch)'
    for model, verdict in judged.items():
        if verdict is not None and not verdict.learned:
            names[model] += NOT_LEARNED
    return names


def protocols(cells: pd.DataFrame) -> dict[str, str]:
    """Model -> evaluation protocol of its cells (``strict`` unless the meta says otherwise)."""
    out: dict[str, set[str]] = {}
    for model, record in zip(cells['model'], cells['record'], strict=True):
        value = str((record.get('meta') or {}).get('protocol', 'strict'))
        if value not in PROTOCOLS:
            raise ValueError(f'cell of model {model}: unknown protocol {value!r}; expected one '
                             f'of {list(PROTOCOLS)}')
        out.setdefault(model, set()).add(value)
    return {m: '+'.join(sorted(v)) for m, v in out.items()}


def common_conditions(cells: pd.DataFrame, severities: list[int]) -> tuple[pd.DataFrame,
                                                                            list[str]]:
    """Keep the corruption cells whose (condition, severity) every model has on that fold.

    Models with no corruption cell on a data set and fold do not narrow the set there.

    Returns:
        the filtered cells and one note per model and fold naming the conditions it lacks.
    """
    corr = (cells['axis'] == 'corruption') & cells['severity'].isin(severities)
    keep = pd.Series(True, index=cells.index)
    notes = []
    part = cells[corr]
    for (dataset, fold), rows in part.groupby(['dataset', 'fold'], sort=False):
        have = {m: set(zip(r['condition'], r['severity'], strict=True))
                for m, r in rows.groupby('model', sort=False)}
        shared = set.intersection(*have.values())
        every = set.union(*have.values())
        for model, conds in have.items():
            lacks = sorted(every - conds)
            if lacks:
                listed = ', '.join(f'{c} s{s}' for c, s in lacks)
                notes.append(f'{model} lacks {len(lacks)} corruption condition(s) on {dataset} '
                             f'fold {fold} ({listed}): they are left out of mPC, rPC, gamma and '
                             'mCE for every model there.')
        pairs = list(zip(rows['condition'], rows['severity'], strict=True))
        keep[rows.index] = np.array([p in shared for p in pairs], bool)
    return cells[keep | ~corr].reset_index(drop=True), notes


def averaged(cells: pd.DataFrame, severities: list[int]) -> tuple[list[int], list[str]]:
    """Severities and corruptions of the corruption cells the report averages."""
    corr = cells[(cells['axis'] == 'corruption') & cells['severity'].isin(severities)]
    return (sorted(int(s) for s in set(corr['severity'])),
            list(dict.fromkeys(corr['condition'])))
