"""Read a training run's logged scalars (mmengine's ``vis_data/scalars.json``) for the report.

mmengine writes one JSON object per line under ``<work_dir>/<timestamp>/vis_data/``; a resumed
run adds a timestamp folder. Training lines hold ``loss``; validation lines do not (their
``step`` is an epoch) and are dropped. Steps logged twice are merged, the later folder winning.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

#: DSM's logged scalars (see :class:`hdf_bench.models.dsm.DSMLoss`)
DSM_KEYS = ('loss_ce', 'loss_dsc', 'loss_ib', 'dsm_ce', 'dsm_dsc', 'dsm_ib', 'lambda_ce',
            'lambda_sc', 'dsm_grad_norm')


def work_dir_of(checkpoint: str | None) -> Path | None:
    """The mmengine work dir of a checkpoint (its folder); ``None`` when none is recorded."""
    if checkpoint in (None, '', 'None'):
        return None
    return Path(checkpoint).parent


def dsm_share(frame: pd.DataFrame) -> pd.Series:
    """Per step, (|loss_dsc| + |loss_ib|) / (|loss_ce| + |loss_dsc| + |loss_ib|)."""
    ib = frame['loss_ib'].abs() if 'loss_ib' in frame else 0.0
    extra = frame['loss_dsc'].abs() + ib
    return extra / (frame['loss_ce'].abs() + extra)


def read_training_log(checkpoint: str | None) -> tuple[pd.DataFrame | None, str]:
    """The training steps logged next to a checkpoint.

    Args:
        checkpoint: path of the checkpoint (its folder is the work dir).

    Returns:
        a frame sorted by ``step`` with ``step``, ``loss``, the DSM keys present and ``share``
        (when the run logged DSM's terms), and ``''``; or ``None`` and why. Undecodable lines
        (a run killed mid-write) are skipped; their count is in ``frame.attrs['skipped']``.
    """
    work_dir = work_dir_of(checkpoint)
    if work_dir is None:
        return None, 'the cells record no checkpoint'
    if not work_dir.is_dir():
        return None, f'work dir {work_dir} not found'
    paths = sorted(work_dir.glob('*/vis_data/scalars.json'))
    if not paths:
        return None, f'no {work_dir}/*/vis_data/scalars.json'
    rows, skipped = [], 0
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                skipped += 1
                continue
            if isinstance(row, dict) and 'loss' in row and 'step' in row:
                rows.append({k: row[k] for k in ('step', 'loss', *DSM_KEYS) if k in row})
    if not rows:
        return None, f'{", ".join(map(str, paths))} log no training step (no "loss")'
    frame = pd.DataFrame(rows).astype(float)
    frame['step'] = frame['step'].astype(int)
    frame = (frame.drop_duplicates('step', keep='last').sort_values('step')
             .reset_index(drop=True))
    if {'loss_ce', 'loss_dsc'} <= set(frame.columns):
        frame['share'] = dsm_share(frame)
    frame.attrs['skipped'] = skipped
    return frame, ''
