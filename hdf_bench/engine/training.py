"""Train a config through the mmengine runner (the same path as ``mim train``), resumably."""
from __future__ import annotations

import os
from pathlib import Path

from mmengine.config import Config


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataloader of ``cfg`` at ``data_root`` (``cfg.data_root`` too)."""
    cfg.data_root = data_root
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key) is not None:
            cfg[key]['dataset']['data_root'] = data_root


def set_max_epochs(cfg: Config, max_epochs: int) -> None:
    """Change the epoch budget and stretch the epoch-based LR schedule to match.

    Schedulers that ended at the old last epoch end at the new one (``T_max`` of a cosine
    follows); a warm-up longer than the new budget is cut to one epoch.
    """
    if max_epochs < 1:
        raise ValueError(f'max_epochs must be >= 1, got {max_epochs}')
    old = cfg.train_cfg.max_epochs
    cfg.train_cfg.max_epochs = max_epochs
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for sched in schedulers:
        if not sched.get('by_epoch', True):
            continue
        begin = sched.get('begin', 0)
        if begin >= max_epochs:
            begin = sched['begin'] = min(1, max_epochs - 1)
        end = sched.get('end')
        if end is not None and (end == old or end > max_epochs):
            sched['end'] = max_epochs if end == old else max(begin + 1, min(end, max_epochs))
        if 'T_max' in sched:
            sched['T_max'] = max(1, sched['end'] - begin if 'end' in sched else max_epochs - begin)


def final_checkpoint(work_dir: str | os.PathLike, max_epochs: int) -> Path:
    """Path of the checkpoint mmengine writes after the last epoch."""
    return Path(work_dir) / f'epoch_{max_epochs}.pth'


def train(config: str | os.PathLike | Config, work_dir: str | os.PathLike, *,
          data_root: str | None = None, max_epochs: int | None = None,
          cfg_options: dict | None = None, quiet: bool = False) -> Path:
    """Train ``config`` into ``work_dir`` and return the final checkpoint.

    A finished run (its final checkpoint exists) is not trained again; an interrupted one
    resumes from the last checkpoint in ``work_dir`` (mmengine's ``resume=True``).

    Args:
        config: config file or loaded config.
        work_dir: folder of logs and checkpoints.
        data_root: overrides the data root of every dataloader.
        max_epochs: overrides ``train_cfg.max_epochs``.
        cfg_options: further overrides, merged like ``--cfg-options``.
        quiet: log only warnings to the console (the log file keeps everything).
    """
    from mmengine.runner import Runner

    cfg = config.copy() if isinstance(config, Config) else Config.fromfile(str(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    if max_epochs is not None:
        set_max_epochs(cfg, max_epochs)
    cfg.work_dir = str(work_dir)
    final = final_checkpoint(work_dir, cfg.train_cfg.max_epochs)
    if final.is_file():
        return final
    cfg.resume = any(Path(work_dir).glob('epoch_*.pth'))
    if quiet:
        cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    if not final.is_file():
        raise RuntimeError(f'training finished but {final} was not written')
    return final
