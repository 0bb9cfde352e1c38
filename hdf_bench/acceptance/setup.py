"""What the steps share: the SynthDFER they generate, the configs they train, the CLI, timing."""
from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from hdf_bench.acceptance.record import Context

#: manifest the ``synth`` command writes last (a folder without it is incomplete)
SYNTH_MANIFEST = 'synthdfer.json'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def cli(args: list[str]) -> int:
    """Run ``hdf-bench ARGS`` in this process through the CLI's ``main``; its exit code."""
    from hdf_bench.cli.main import main

    print('  $ hdf-bench ' + ' '.join(args), flush=True)
    try:
        return int(main(args) or 0)
    except SystemExit as stop:  # argparse errors
        return int(stop.code or 0) if isinstance(stop.code, int) else 2


def synth_root(ctx: Context) -> Path:
    """SynthDFER for this run under ``work/data`` (generated once, by ``hdf-bench synth``)."""
    root = ctx.work / 'data' / f'synthdfer_{ctx.profile.size}'
    if (root / SYNTH_MANIFEST).is_file():
        return root
    p = ctx.profile
    code = cli(['synth', '--out', str(root), '--identities', str(p.identities),
                '--clips-per-identity', str(p.clips_per_identity), '--size', str(p.size),
                '--max-frames', str(max(16, p.frames)), '--workers', str(os.cpu_count() or 1),
                '--overwrite'])
    if code != 0 or not (root / SYNTH_MANIFEST).is_file():
        raise RuntimeError(f'hdf-bench synth failed (exit code {code}); no {root / SYNTH_MANIFEST}')
    return root


def resize_pipelines(cfg, frames: int, size: int) -> None:
    """Set the clip length and the square frame size of every dataloader's pipeline, in place."""
    for loader in LOADERS:
        if not cfg.get(loader):
            continue
        for step in cfg[loader]['dataset']['pipeline']:
            if step['type'] in ('UniformSample', 'SampleFrames'):
                step['clip_len'] = frames
            elif step['type'] == 'Resize':
                step['scale'] = (size, size)


def run_config(ctx: Context, name: str, data_root: Path, iters: int):
    """The paper-recipe config of zoo model ``name`` for a short run of ``iters`` iterations.

    The paper recipe (optimizer, SAM, pipelines) at the profile's input size, on the run's
    SynthDFER; constant lr, no validation, a checkpoint at the end (for the sweep), autocast
    as the run's training dtype.
    """
    from hdf_bench.engine.train_speed import train_config

    p = ctx.profile
    cfg = train_config(name, ctx.work / 'train' / name, paper_recipe=True, device=ctx.device,
                       dtype=ctx.train_dtype)
    for loader in LOADERS:
        if cfg.get(loader):
            cfg[loader]['dataset']['data_root'] = str(data_root)
    resize_pipelines(cfg, p.frames, p.size)
    cfg.train_dataloader.update(batch_size=p.train_batch, num_workers=p.workers,
                                persistent_workers=False)
    cfg.test_dataloader.update(num_workers=p.workers, persistent_workers=False)
    cfg.val_dataloader, cfg.val_cfg, cfg.val_evaluator = None, None, None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=10**9)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False,
                                        max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=max(1, iters // 3))
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    return cfg


def config_path(ctx: Context, name: str) -> Path:
    """Where the training step dumps the config of ``name`` (the sweep evaluates it)."""
    return ctx.work / 'configs' / f'{name}.py'


def checkpoint_path(ctx: Context, name: str, iters: int) -> Path:
    """The checkpoint the training step's run of ``name`` ends with."""
    return ctx.work / 'train' / name / f'iter_{iters}.pth'


def synchronize(device: str) -> None:
    """Wait for queued CUDA work (no-op on CPU)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def interleaved(fns: Mapping[str, Callable[[], Any]], repeats: int, device: str,
                warmup: int = 1, inner: int = 1) -> dict[str, float]:
    """Median seconds per call of each function, timed round-robin (a, b, c, a, b, c, ...).

    Round-robin timing in one process lets load from elsewhere hit every function alike, so
    ratios between them hold even on a busy machine.

    Args:
        fns: name -> function of no argument.
        repeats: timed rounds.
        device: where the functions run (CUDA is synchronised around each timing).
        warmup: untimed rounds first.
        inner: calls per timing (their mean is one sample): for short calls.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            synchronize(device)
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            synchronize(device)
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: statistics.median(values) for name, values in samples.items()}
