"""Evaluation protocols: how a run's WAR and UAR are read.

- ``strict`` (default): the last checkpoint, WAR and UAR from the same test predictions.
- ``peers``: as published DFER numbers (HDF's script, M3DFEL's solver) are: validation runs on
  the TEST split after every epoch, and WAR and UAR are each the maximum over epochs (possibly
  of different epochs). Read from mmengine's per-epoch validation scalars
  (``<work_dir>/<timestamp>/vis_data/scalars.json``). Test-selected: never to share an
  unlabelled table with strict numbers.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

PROTOCOLS = ('strict', 'peers')


def check_protocol(name: str) -> str:
    if name not in PROTOCOLS:
        raise ValueError(f'unknown evaluation protocol {name!r}; expected one of {list(PROTOCOLS)}')
    return name


def epoch_metrics(work_dir: str | os.PathLike) -> dict[int, dict[str, float]]:
    """Per-epoch validation WAR / UAR of a training work dir (later logs win on repeats).

    Args:
        work_dir: mmengine work dir of one training (resumed runs log in several timestamps).
    """
    out: dict[int, dict[str, float]] = {}
    for path in sorted(Path(work_dir).glob('*/vis_data/scalars.json')):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f'{path}, line {number}: not JSON ({exc.msg})') from None
            scores = {k.rsplit('/', 1)[-1]: float(v) for k, v in row.items()
                      if k.rsplit('/', 1)[-1] in ('war', 'uar')}
            if len(scores) == 2 and 'step' in row:
                out[int(row['step'])] = scores
    return out


def peers_scores(work_dir: str | os.PathLike) -> dict:
    """WAR and UAR maximised separately over epochs, with the epochs they come from.

    Raises:
        ValueError: when the work dir logged no per-epoch validation WAR / UAR.
    """
    per_epoch = epoch_metrics(work_dir)
    if not per_epoch:
        raise ValueError(f'protocol peers needs per-epoch validation WAR / UAR in '
                         f'{work_dir}/*/vis_data/scalars.json; none found (was the model '
                         'trained with validation on the test split?)')
    war_epoch = max(per_epoch, key=lambda e: per_epoch[e]['war'])
    uar_epoch = max(per_epoch, key=lambda e: per_epoch[e]['uar'])
    return dict(war=per_epoch[war_epoch]['war'], war_epoch=war_epoch,
                uar=per_epoch[uar_epoch]['uar'], uar_epoch=uar_epoch, epochs=len(per_epoch))
