"""Forward latency of the zoo models, DAM's overhead on X3D-S, and the fast inference path.

Each benchmark times one forward pass to logits (``mode='tensor'``) on a preprocessed random
batch (B, 1, 3, T, H, W); data loading and normalisation are timed in test_bench_pipeline.py.
"""
from __future__ import annotations

import pytest
import torch
from _support import DEVICE_DTYPES, ROUNDS, skip_unless_size_allowed

from hdf_bench.engine.latency import (
    CPU_INPUT,
    PAPER_INPUT,
    build_for_latency,
    clip_batch,
    count_params,
    zoo_input_shape,
)

SIZES = ['cpu', pytest.param('paper', marks=pytest.mark.paper_size)]


def _build(zoo_name: str, device: str, infer_cfg: dict | None = None):
    try:
        return build_for_latency(zoo_name, device, infer_cfg)
    except KeyError as err:  # a model type not registered (yet) in this checkout
        pytest.skip(f'{zoo_name} cannot be built: {err}')


def _shape(zoo_name: str, size: str) -> tuple[int, int, int]:
    return zoo_input_shape(zoo_name, paper=size == 'paper')


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('batch', [1, 16, pytest.param(64, marks=pytest.mark.cuda)])
@pytest.mark.parametrize(('device', 'dtype'), DEVICE_DTYPES)
def test_forward(bench_run, benchmark, paper_size_allowed, zoo_name, batch, device, dtype,
                 size):
    """Eager forward latency of a zoo model (CUDA bf16: autocast, no other change)."""
    skip_unless_size_allowed(size, device, paper_size_allowed)
    if batch == 64 and device == 'cpu':
        pytest.skip('batch 64 is timed on CUDA only')
    benchmark.group = f'forward-{device}-{dtype}-{size}-b{batch}'
    infer_cfg = dict(channels_last=False, dtype=dtype) if dtype != 'fp32' else None
    lm = _build(zoo_name, device, infer_cfg)
    shape = _shape(zoo_name, size)
    x = clip_batch(batch, shape, device)
    bench_run(lambda: lm.forward(x), device, ROUNDS[device][batch], model=zoo_name, batch=batch,
              dtype=dtype, input_shape=list(shape), params=lm.params, variant='eager',
              kind='model')


BACKBONES = {
    'x3d_s': dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    'x3d_s_dam': dict(type='X3DDAM', gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                      dam_stages=(0, 1, 2, 3)),
}


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('backbone', list(BACKBONES))
def test_dam_overhead(bench_run, benchmark, paper_size_allowed, backbone, size):
    """X3D-S backbone with and without DAM after its 4 stages, batch 16, CPU.

    Separate benchmarks run one after the other; for the ratio on a loaded machine prefer the
    interleaved measurement of ``scripts/latency_table.py --measure --dam-overhead``.
    """
    from mmaction.registry import MODELS

    skip_unless_size_allowed(size, 'cpu', paper_size_allowed)
    benchmark.group = f'dam-overhead-cpu-{size}-b16'
    torch.manual_seed(0)
    model = MODELS.build(BACKBONES[backbone])
    model.eval()
    shape = PAPER_INPUT if size == 'paper' else CPU_INPUT
    x = clip_batch(16, shape)[:, 0]

    def forward():
        with torch.no_grad():
            return model(x)

    bench_run(forward, 'cpu', ROUNDS['cpu'][16], model=backbone, batch=16, dtype='fp32',
              input_shape=list(shape), params=count_params(model), variant='eager',
              kind='backbone')


COMPILE = (pytest.mark.compile,)
#: variant name -> (infer_cfg, extra marks)
FAST_CPU = {
    'eager': (None, ()),
    'channels_last': (dict(channels_last=True), ()),
    'bf16': (dict(channels_last=False, bf16=True), ()),
    'compile': (dict(channels_last=False, compile=True), COMPILE),
    'channels_last+compile': (dict(channels_last=True, compile=True), COMPILE),
}
FAST_CUDA = {
    'eager': (None, ()),
    'channels_last': (dict(channels_last=True), ()),
    'channels_last+bf16': (dict(channels_last=True, bf16=True), ()),
    'channels_last+cuda_graphs': (dict(channels_last=True, cuda_graphs=True), ()),
    'channels_last+bf16+cuda_graphs': (dict(channels_last=True, bf16=True, cuda_graphs=True),
                                       ()),
    'compile-max-autotune': (dict(channels_last=True, compile='max-autotune'), ()),
    'compile-reduce-overhead+bf16': (dict(channels_last=True, bf16=True, compile=True,
                                          cuda_graphs=True), ()),
}


def _variants(table: dict, device: str) -> list:
    device_marks = (pytest.mark.cuda,) if device == 'cuda' else ()
    return [pytest.param(device, name, cfg, marks=[*marks, *device_marks], id=f'{device}-{name}')
            for name, (cfg, marks) in table.items()]


@pytest.mark.parametrize('model_name', ['x3d_s', 'hdf'])
@pytest.mark.parametrize(('device', 'variant', 'infer_cfg'),
                         _variants(FAST_CPU, 'cpu') + _variants(FAST_CUDA, 'cuda'))
def test_fast_path(bench_run, benchmark, model_name, device, variant, infer_cfg):
    """X3D-S and HDF at batch 16 through the fast inference path (CPU input on CPU, paper
    input on CUDA)."""
    benchmark.group = f'fast-path-{device}-{model_name}-b16'
    lm = _build(model_name, device, infer_cfg)
    shape = _shape(model_name, 'paper' if device == 'cuda' else 'cpu')
    x = clip_batch(16, shape, device)
    # compile and graph capture happen in the warm-up calls, outside the timing
    warmup = 3 if infer_cfg and (infer_cfg.get('compile') or infer_cfg.get('cuda_graphs')) else 1
    dtype = 'bf16' if infer_cfg and infer_cfg.get('bf16') else 'fp32'
    bench_run(lambda: lm.forward(x), device, ROUNDS[device][16], warmup=warmup, model=model_name,
              batch=16, dtype=dtype, input_shape=list(shape), params=lm.params, variant=variant,
              infer_cfg=infer_cfg or {}, kind='fast_path')

