"""Step 2: training through the mmengine runner (the ``mim train`` path), and its speed.

For X3D-S, HDF without SAM and HDF (paper recipe, SAM, the run's autocast dtype): a short
``Runner.from_cfg(cfg).train()`` on the run's SynthDFER (HDF's loss must be finite and fall),
then one training step of each timed round-robin on one fixed batch, as the runner calls it
(``model.train_step(data, optim_wrapper)``) and as a bare PyTorch loop.
"""
from __future__ import annotations

import math
import statistics
import time

from mmengine.hooks import Hook

from hdf_bench.acceptance.record import Context, StepRecord
from hdf_bench.acceptance.setup import (
    checkpoint_path,
    config_path,
    interleaved,
    run_config,
    synchronize,
    synth_root,
)

MODELS = ('x3d_s', 'hdf_no_sam', 'hdf')


def cross_entropy(outputs: dict) -> float:
    """The unweighted classification loss of a step's log variables.

    HDF's DSM scales its cross-entropy by ``lambda_ce``, which follows the gradient norm and
    so moves the total loss on its own; the ratio is the cross-entropy itself.
    """
    if 'loss_ce' in outputs and 'lambda_ce' in outputs:
        return float(outputs['loss_ce']) / float(outputs['lambda_ce'])
    return float(outputs.get('loss_cls', outputs['loss']))


class IterLog(Hook):
    """Loss, cross-entropy and wall time (data loading excluded) of each training iteration."""

    priority = 'LOWEST'

    def __init__(self, device: str) -> None:
        self.device = device
        self.losses: list[float] = []
        self.ce: list[float] = []
        self.seconds: list[float] = []
        self._start = 0.0

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        synchronize(self.device)
        self._start = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        synchronize(self.device)
        self.seconds.append(time.perf_counter() - self._start)
        self.losses.append(float(outputs['loss']))
        self.ce.append(cross_entropy(outputs))


def falling(losses: list[float]) -> bool:
    """Whether the mean of the last third of ``losses`` is below that of the first third."""
    third = max(1, len(losses) // 3)
    return len(losses) >= 2 and statistics.mean(losses[-third:]) < statistics.mean(losses[:third])


def _train(ctx: Context, rec: StepRecord, name: str, data_root, iters: int):
    from mmengine.runner import Runner

    cfg = run_config(ctx, name, data_root, iters)
    path = config_path(ctx, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    cfg.dump(str(path))
    runner = Runner.from_cfg(cfg)
    log = IterLog(ctx.device)
    runner.register_hook(log)
    start = time.perf_counter()
    runner.train()
    losses, ce = log.losses, log.ce
    finite = bool(losses) and all(math.isfinite(v) for v in losses + ce)
    batch = ctx.profile.train_batch
    rec.figure(f'run_{name}', dict(
        optim_wrapper=type(runner.optim_wrapper).__name__, iters=len(losses), batch=batch,
        loss_first=losses[0] if losses else None, loss_last=losses[-1] if losses else None,
        losses=losses, cross_entropy=ce, seconds=time.perf_counter() - start,
        step_clips_per_s=batch / statistics.median(log.seconds) if log.seconds else None,
        checkpoint=str(checkpoint_path(ctx, name, iters))))
    detail = (f'{len(losses)} iterations, loss {losses[0]:.3f} -> {losses[-1]:.3f}'
              if losses else 'no iteration ran')
    rec.check(f'{name}: runner trains, loss finite', finite, detail)
    if name == 'hdf':
        third = max(1, len(ce) // 3)
        rec.check('hdf: cross-entropy falling (mean of last third < first third)',
                  finite and falling(ce),
                  f'{statistics.mean(ce[:third]):.3f} -> {statistics.mean(ce[-third:]):.3f}'
                  if ce else '')
    return runner


def _throughput(ctx: Context, rec: StepRecord, runners: dict) -> None:
    from hdf_bench.engine.train_speed import bare_step, is_sam, packed_batch, runner_step

    p = ctx.profile
    data = packed_batch(p.step_batch, p.shape, ctx.device)
    fns = {}
    for name, runner in runners.items():
        model, wrapper = runner.model, runner.optim_wrapper
        model.train()
        fns[f'{name}/runner'] = runner_step(model, wrapper, data)
        fns[f'{name}/bare'] = bare_step(model, wrapper.optimizer, data, dtype=ctx.train_dtype,
                                        sam_rho=wrapper.rho if is_sam(wrapper) else None)
    seconds = interleaved(fns, p.step_repeats, ctx.device, warmup=2)
    table = {}
    for name in runners:
        run_s, bare_s = seconds[f'{name}/runner'], seconds[f'{name}/bare']
        table[name] = dict(runner_ms=run_s * 1e3, bare_ms=bare_s * 1e3,
                           runner_clips_per_s=p.step_batch / run_s,
                           bare_clips_per_s=p.step_batch / bare_s,
                           runner_overhead=run_s / bare_s - 1)
    rec.figure('train_step', dict(batch=p.step_batch, input=list(p.shape), dtype=ctx.train_dtype,
                                  models=table))
    line = ', '.join(f'{n} {t["runner_clips_per_s"]:.1f}' for n, t in table.items())
    print(f'  training step clips/s (runner path, batch {p.step_batch}): {line}', flush=True)
    if 'x3d_s' in runners:
        ref = seconds['x3d_s/runner']
        targets = {}
        if 'hdf_no_sam' in runners:
            targets['train_step_hdf_no_sam_vs_x3d'] = seconds['hdf_no_sam/runner'] / ref
        if 'hdf' in runners:
            targets['train_step_hdf_vs_x3d'] = seconds['hdf/runner'] / ref
        rec.figure('targets', targets)


def run(ctx: Context, rec: StepRecord) -> None:
    """Train the three models briefly through the runner, then time their training steps."""
    p = ctx.profile
    if not ctx.enough(rec, 30, 'SynthDFER and the training runs'):
        return
    data_root = synth_root(ctx)
    runners = {}
    for name in MODELS:
        iters = p.train_iters if name == 'hdf' else p.other_iters
        # a guess of what one short run needs: start-up (cuDNN autotuning) plus its iterations
        if not ctx.enough(rec, 15 + iters * (1 if ctx.device == 'cuda' else 6),
                          f'the {name} training run'):
            continue
        runner = rec.attempt(f'{name}: runner trains',
                             lambda n=name, i=iters: _train(ctx, rec, n, data_root, i))
        if runner is not None:
            runners[name] = runner
    per_round = 1 if ctx.device == 'cuda' else 2  # seconds, both paths of one model
    if runners and ctx.enough(rec, 10 + len(runners) * p.step_repeats * per_round,
                              'the timed training steps'):
        rec.attempt('timed training steps', lambda: _throughput(ctx, rec, runners))
        peak = _peak_memory(ctx.device)
        if peak is not None:
            rec.figure('peak_gpu_memory_gib', peak)


def _peak_memory(device: str) -> float | None:
    import torch

    if not device.startswith('cuda'):
        return None
    return torch.cuda.max_memory_allocated() / 2**30
