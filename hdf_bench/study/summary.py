"""The study's own tables, read from its results stores (never re-running a model).

- the headline table: clean WAR / UAR per model as mean +- sample std over folds (each fold
  first averaged over training seeds), with the per-fold values beside it;
- FERV39k's domain-shift table: WAR / UAR per test scene, from the per-sample predictions the
  store keeps (a FERV39k sample id is ``<Scene>/<Class>/<id>``); scenes left out of training
  are marked.

Also the two file operations the study needs around ``hdf-bench`` commands: copying result
cells between stores (:func:`merge_cells`) and FERV39k training lists without some scenes
(:func:`without_scenes`).
"""
from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hdf_bench.results.io import atomic_write_text


def merge_cells(sources: Iterable[str | Path], dest: str | Path) -> int:
    """Copy the result cells of the stores ``sources`` into the store ``dest``.

    Cells are files named by their key, so a copy never mixes two cells; a cell already in
    ``dest`` with the same bytes is left alone. Returns the number of files copied.
    """
    target = Path(dest) / 'cells'
    copied = 0
    for source in sources:
        for cell in sorted((Path(source) / 'cells').glob('*.json')):
            out = target / cell.name
            if out.is_file() and out.read_bytes() == cell.read_bytes():
                continue
            target.mkdir(parents=True, exist_ok=True)
            tmp = target / f'.{cell.name}.tmp'
            shutil.copyfile(cell, tmp)
            tmp.replace(out)
            copied += 1
    return copied


def scene_of(sample_id: str) -> str:
    """FERV39k scene of a sample id ``<Scene>/<Class>/<id>``."""
    parts = str(sample_id).split('/')
    if len(parts) != 3:
        raise ValueError(f'sample id {sample_id!r} is not a FERV39k clip path '
                         '<Scene>/<Class>/<id>; per-scene results need FERV39k cells')
    return parts[0]


def without_scenes(source: str | Path, scenes: Sequence[str]) -> str:
    """Text of the FERV39k list ``source`` without the clips of ``scenes`` (same format)."""
    from hdf_bench.imbalance.formats import format_split, read_split

    split = read_split(source, 'ferv39k')
    present = sorted({scene_of(e.clip_id) for e in split.entries})
    unknown = sorted(set(scenes) - set(present))
    if unknown:
        raise ValueError(f'--leave-scenes-out {", ".join(unknown)}: no such scene in {source}; '
                         f'its scenes: {", ".join(present)}')
    kept = [e for e in split.entries if scene_of(e.clip_id) not in set(scenes)]
    if not kept:
        raise ValueError(f'--leave-scenes-out removes every clip of {source}')
    return format_split(split, kept)


def clean_cells(stores: Mapping[int, str | Path]) -> list[dict]:
    """The clean cells of each training seed's store, with ``train_seed`` added."""
    cells = []
    for seed, store in stores.items():
        for path in sorted((Path(store) / 'cells').glob('*.json')):
            record = json.loads(path.read_text())
            if record['key']['axis'] == 'clean':
                cells.append(dict(record, train_seed=seed))
    return cells


def fold_table(cells: list[dict], models: Sequence[str] | None = None) -> pd.DataFrame:
    """Per model and data set: WAR / UAR (fractions) mean and sample std over folds.

    Each fold's value is the mean over its training seeds; ``fold_<k>_war`` / ``_uar`` hold it.
    """
    rows = [dict(model=c['key']['model'], dataset=c['key']['dataset'],
                 fold=str(c['key']['fold']), seed=c['train_seed'], war=c['metrics']['war'],
                 uar=c['metrics']['uar']) for c in cells]
    frame = pd.DataFrame(rows, columns=['model', 'dataset', 'fold', 'seed', 'war', 'uar'])
    if frame.empty:
        return frame
    per_fold = frame.groupby(['model', 'dataset', 'fold'], as_index=False, sort=False).agg(
        war=('war', 'mean'), uar=('uar', 'mean'), seeds=('seed', 'nunique'))
    out = []
    for (model, dataset), part in per_fold.groupby(['model', 'dataset'], sort=False):
        row = dict(model=model, dataset=dataset, folds=len(part), seeds=int(part['seeds'].min()),
                   war=part['war'].mean(), war_std=part['war'].std(ddof=1),
                   uar=part['uar'].mean(), uar_std=part['uar'].std(ddof=1))
        for item in part.sort_values('fold').itertuples():
            row[f'fold_{item.fold}_war'], row[f'fold_{item.fold}_uar'] = item.war, item.uar
        out.append(row)
    table = pd.DataFrame(out)
    order = list(models or []) + sorted(set(table['model']) - set(models or []))
    return table.sort_values('model', key=lambda s: s.map(order.index), kind='stable')


def war_uar(labels: np.ndarray, preds: np.ndarray) -> tuple[float, float]:
    """WAR (accuracy) and UAR (mean recall over the classes present in ``labels``)."""
    labels, preds = np.asarray(labels), np.asarray(preds)
    recalls = [float(np.mean(preds[labels == c] == c)) for c in np.unique(labels)]
    return float(np.mean(preds == labels)), float(np.mean(recalls))


def scene_table(cells: list[dict], held_out: Sequence[str] = ()) -> pd.DataFrame:
    """WAR / UAR per model and test scene from FERV39k clean cells (mean over seeds)."""
    rows = []
    for cell in cells:
        pred = cell.get('predictions') or {}
        if cell['key']['dataset'] != 'ferv39k' or not pred.get('sample_ids'):
            continue
        scenes = np.array([scene_of(s) for s in pred['sample_ids']])
        labels, preds = np.asarray(pred['labels']), np.asarray(pred['preds'])
        for scene in np.unique(scenes):
            mask = scenes == scene
            war, uar = war_uar(labels[mask], preds[mask])
            rows.append(dict(model=cell['key']['model'], scene=str(scene),
                             clips=int(mask.sum()), seed=cell['train_seed'], war=war, uar=uar))
    frame = pd.DataFrame(rows, columns=['model', 'scene', 'clips', 'seed', 'war', 'uar'])
    if frame.empty:
        return frame
    table = frame.groupby(['model', 'scene'], as_index=False, sort=False).agg(
        clips=('clips', 'first'), seeds=('seed', 'nunique'), war=('war', 'mean'),
        uar=('uar', 'mean'))
    table['held_out'] = table['scene'].isin(list(held_out))
    return table


def _pm(mean: float, std: float) -> str:
    if not math.isfinite(mean):
        return '-'
    return f'{100 * mean:.1f}' if not math.isfinite(std) else f'{100 * mean:.1f} ± {100 * std:.1f}'


def format_markdown(folds: pd.DataFrame, scenes: pd.DataFrame, title: str) -> str:
    """The study tables as Markdown."""
    lines = [f'# {title}', '']
    if folds.empty:
        return '\n'.join(lines + ['No clean results in the stores yet.', ''])
    fold_cols = sorted({c[5:-4] for c in folds.columns if c.startswith('fold_')
                        and c.endswith('_war')}, key=lambda f: (len(f), f))
    seeds = int(folds['seeds'].min())
    lines += [f'Clean test split, WAR / UAR in %: mean ± sample std over folds (each fold the '
              f'mean over {seeds} training seed(s); the last checkpoint of each training).', '',
              '| model | dataset | folds | WAR % | UAR % | '
              + ' | '.join(f'fold {f} WAR / UAR' for f in fold_cols) + ' |',
              '| --- | --- | ---: | ---: | ---: | ' + ' | '.join('---:' for _ in fold_cols) + ' |']
    for row in folds.to_dict('records'):
        per = [f'{100 * row[f"fold_{f}_war"]:.1f} / {100 * row[f"fold_{f}_uar"]:.1f}'
               if pd.notna(row.get(f'fold_{f}_war')) else '-' for f in fold_cols]
        lines.append(f'| {row["model"]} | {row["dataset"]} | {row["folds"]} '
                     f'| {_pm(row["war"], row["war_std"])} | {_pm(row["uar"], row["uar_std"])} | '
                     + ' | '.join(per) + ' |')
    if not scenes.empty:
        lines += ['', '## Per scene (FERV39k test set): domain shift', '',
                  'WAR / UAR in % per test scene (mean over training seeds); * = scene left out '
                  'of training.', '', '| scene | clips | '
                  + ' | '.join(f'{m} WAR / UAR' for m in dict.fromkeys(scenes['model'])) + ' |',
                  '| --- | ---: | ' + ' | '.join('---:' for _ in set(scenes['model'])) + ' |']
        for scene, part in scenes.groupby('scene', sort=True):
            mark = '*' if part['held_out'].any() else ''
            cells = [f'{100 * r.war:.1f} / {100 * r.uar:.1f}' for r in part.itertuples()]
            lines.append(f'| {scene}{mark} | {int(part["clips"].iloc[0])} | '
                         + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_summary(run_dir: str | Path, stores: Mapping[int, str | Path], title: str,
                  models: Sequence[str] | None = None,
                  held_out: Sequence[str] = ()) -> Path:
    """Write ``study_table.md`` and ``study_table.csv`` (and ``scene_table.csv`` for
    FERV39k) into ``run_dir``; returns the Markdown file."""
    run = Path(run_dir)
    cells = clean_cells(stores)
    folds = fold_table(cells, models)
    scenes = scene_table(cells, held_out)
    atomic_write_text(run / 'study_table.csv', folds.to_csv(index=False))
    if not scenes.empty:
        atomic_write_text(run / 'scene_table.csv', scenes.to_csv(index=False))
    path = run / 'study_table.md'
    atomic_write_text(path, format_markdown(folds, scenes, title))
    return path
