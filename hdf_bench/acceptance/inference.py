"""Step 3: inference of X3D-S and HDF, eager and through the fast path, at two batch sizes.

Variants: eager fp32, eager bf16 (autocast), ``fast`` (channels_last_3d + bf16 + CUDA graphs
through :func:`hdf_bench.engine.fast_infer.optimize_for_inference`) and ``fast_compile`` (the
same with torch.compile, whose own CUDA graphs replace the hand-captured ones). Every output is
compared with eager fp32 on the same input (max |diff| / max |eager logits| within the
tolerance of its dtype); all variants of a batch size are timed round-robin in one process.
"""
from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from hdf_bench.acceptance.profile import TOLERANCE
from hdf_bench.acceptance.record import Context, StepRecord
from hdf_bench.acceptance.setup import interleaved

MODELS = ('x3d_s', 'hdf')
#: variant -> (fast-path options or None for eager, dtype)
VARIANTS = {
    'eager_fp32': (None, 'fp32'),
    'eager_bf16': (None, 'bf16'),
    'fast': (dict(channels_last=True, dtype='bf16', cuda_graphs=True), 'bf16'),
    'fast_compile': (dict(channels_last=True, dtype='bf16', compile=True, cuda_graphs=True),
                     'bf16'),
}
FAST = ('fast', 'fast_compile')
#: rough seconds torch.compile takes per model and batch shape (the guard's estimate)
COMPILE_S = 90


def clips(batch: int, shape: tuple[int, int, int], device: str, seed: int = 0) -> Tensor:
    """A normalised random batch (B, 1, 3, T, H, W), as the data preprocessor yields."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 1, 3, *shape, generator=gen).to(device)


@torch.no_grad()
def calibrate_bn(model: nn.Module, shape: tuple[int, int, int], device: str,
                 rounds: int = 3, batch: int = 4) -> None:
    """Give BatchNorm running statistics of random input (untrained models' eval outputs then
    depend on the input, so that comparing variants means something)."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    for i in range(rounds):
        model(clips(batch, shape, device, seed=100 + i), mode='tensor', stage='head')
    for m in norms:
        m.momentum = 0.1
    model.eval()


def build(name: str, ctx: Context) -> nn.Module:
    """Zoo model ``name`` (paper recipe) on the device, BN calibrated, in eval mode."""
    from hdf_bench import zoo

    torch.manual_seed(0)
    model = zoo.build_model(name, paper_recipe=True).to(ctx.device)
    calibrate_bn(model, ctx.profile.shape, ctx.device)
    return model


def variant_fn(model: nn.Module, variant: str, device: str) -> Callable[[Tensor], Tensor]:
    """Logits ``fn(x)`` of ``model`` through ``variant`` (fast variants work on a copy)."""
    from hdf_bench.engine.fast_infer import optimize_for_inference

    options, dtype = VARIANTS[variant]
    if options is not None:
        model = optimize_for_inference(copy.deepcopy(model), **options)
    bf16 = options is None and dtype == 'bf16'

    def fn(x: Tensor) -> Tensor:
        with torch.no_grad(), torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            return model(x, mode='tensor', stage='head').float()

    return fn


def _check(rec: StepRecord, label: str, out: Tensor, ref: Tensor, tol: float) -> float:
    scale = ref.abs().max().clamp_min(1e-6)
    err = float((out - ref).abs().max() / scale)
    ok = bool(torch.isfinite(out).all()) and out.shape == ref.shape and err <= tol
    rec.check(f'{label} matches eager fp32', ok, f'max|diff|/max|ref| {err:.2e} <= {tol:.0e}')
    return err


def _measure(ctx: Context, rec: StepRecord, batch: int, repeats: int, models: dict,
             plan: dict[str, tuple[str, ...]], table: dict) -> dict[str, float]:
    """Check and time the variants ``plan[name]`` of each model at ``batch`` into ``table``."""
    x = clips(batch, ctx.profile.shape, ctx.device, seed=batch)
    fns = {}
    for name, variants in plan.items():
        model = models[name]
        ref = variant_fn(model, 'eager_fp32', ctx.device)(x)
        for variant in variants:
            if variant == 'fast_compile' and not ctx.enough(
                    rec, COMPILE_S, f'torch.compile of {name} at batch {batch}'):
                continue
            label = f'{name} {variant} batch {batch}'
            fn = rec.attempt(f'{label} builds and runs',
                             lambda m=model, v=variant: variant_fn(m, v, ctx.device))
            # three calls: compilation, graph capture, cuDNN autotuning
            out = None if fn is None else rec.attempt(
                f'{label} builds and runs', lambda f=fn: [f(x) for _ in range(3)][-1])
            if out is None:
                continue
            tol = TOLERANCE[VARIANTS[variant][1]][ctx.device]
            err = _check(rec, label, out, ref, tol)
            fns[f'{name}/{variant}'] = (lambda f=fn: f(x))
            table.setdefault(name, {})[variant] = dict(err=err)
    inner = 10 if ctx.device == 'cuda' and batch == 1 else 1
    seconds = interleaved(fns, repeats, ctx.device, warmup=1, inner=inner)
    for key, s in seconds.items():
        name, variant = key.split('/')
        table[name][variant].update(ms=s * 1e3, clips_per_s=batch / s)
    return seconds


def run(ctx: Context, rec: StepRecord) -> None:
    """Check and time X3D-S and HDF at each batch size of the profile."""
    p = ctx.profile
    if ctx.device == 'cuda':  # cuDNN picks its fastest kernels, for every variant alike
        torch.backends.cudnn.benchmark = True
        rec.figure('cudnn_benchmark', True)
    models: dict[str, nn.Module] = {}
    base = ('eager_fp32', 'eager_bf16', 'fast')
    tables: dict[int, dict] = {}
    for batch, repeats in zip(p.infer_batches, p.infer_repeats, strict=True):
        if not ctx.enough(rec, 20, f'inference at batch {batch}'):
            continue
        models = models or {name: build(name, ctx) for name in MODELS}
        tables[batch] = {}
        _measure(ctx, rec, batch, repeats, models, {name: base for name in models},
                 tables[batch])
        rec.figure('inference', {str(b): t for b, t in tables.items()})
        rec.figure('targets', _targets(tables, p.infer_batches))
        _print(batch, tables[batch])
    if not p.compile or ctx.device != 'cuda':
        rec.note('torch.compile variant not timed (CUDA profile only)')
    else:
        for batch, repeats in zip(p.infer_batches, p.infer_repeats, strict=True):
            if batch not in tables:
                continue
            # eager X3D-S again, so that the compiled variants are paired with the reference
            table: dict = {}
            _measure(ctx, rec, batch, repeats, models,
                     {'x3d_s': ('eager_fp32', 'fast_compile'), 'hdf': ('fast_compile',)}, table)
            for name, variants in table.items():
                if 'fast_compile' in variants:
                    tables[batch][name]['fast_compile'] = variants['fast_compile']
            rec.figure('inference', {str(b): t for b, t in tables.items()})
            _print(batch, table)
    rec.figure('targets', _targets(tables, p.infer_batches))


def _targets(tables: dict, batches: tuple[int, ...]) -> dict:
    """Target values: HDF fast vs eager X3D-S at the large batch; HDF fast latency at batch 1."""
    out = {}
    large, small = max(batches), min(batches)
    if large in tables:
        table = tables[large]
        eager = table.get('x3d_s', {}).get('eager_fp32', {}).get('clips_per_s')
        fast = [table['hdf'][v]['clips_per_s'] for v in FAST
                if 'clips_per_s' in table.get('hdf', {}).get(v, {})]
        if eager and fast:
            out['infer_b64_hdf_fast_vs_x3d_eager'] = max(fast) / eager
    if small == 1 and small in tables:
        table = tables[small].get('hdf', {})
        fast = [table[v]['ms'] for v in FAST if 'ms' in table.get(v, {})]
        if fast:
            out['latency_b1_hdf_fast_ms'] = min(fast)
    return out


def _print(batch: int, table: dict) -> None:
    for name, variants in table.items():
        line = ', '.join(f'{v} {f["clips_per_s"]:.1f} clips/s ({f["ms"]:.2f} ms)'
                         for v, f in variants.items() if 'ms' in f)
        print(f'  batch {batch} {name}: {line}', flush=True)
