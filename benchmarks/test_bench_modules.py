"""HDF's parts alone: DAM at the feature shapes of X3D-S's four stages, and the DSM loss.

DAM is timed in eval mode (inference; the frequency perturbation is off) and in train mode with
its backward pass. The DSM loss is timed forward + backward on (logits, embedding, labels).
"""
from __future__ import annotations

import pytest
import torch
from _support import DEVICE_DTYPES, skip_unless_size_allowed

from hdf_bench.engine.latency import count_params

#: X3D-S stage output (channels, spatial side) for a 64x64 (CPU) and a 112x112 (paper) input
STAGES = {'cpu': [(24, 16), (48, 8), (96, 4), (192, 2)],
          'paper': [(24, 28), (48, 14), (96, 7), (192, 4)]}
FRAMES = {'cpu': 8, 'paper': 16}
ROUNDS = {'cpu': 20, 'cuda': 100}
SIZES = ['cpu', pytest.param('paper', marks=pytest.mark.paper_size)]


def _dam(device: str, train: bool) -> torch.nn.Module:
    from hdf_bench.models.dam import DAM

    torch.manual_seed(0)
    dam = DAM().to(device)
    dam.train(train)
    return dam


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('stage', [0, 1, 2, 3])
@pytest.mark.parametrize(('device', 'dtype'), DEVICE_DTYPES)
def test_dam_forward(bench_run, benchmark, paper_size_allowed, stage, device, dtype, size):
    """DAM alone, eval mode, batch 16, on the output of X3D-S stage ``stage``."""
    skip_unless_size_allowed(size, device, paper_size_allowed)
    benchmark.group = f'dam-forward-{device}-{dtype}-{size}'
    channels, side = STAGES[size][stage]
    shape = (16, channels, FRAMES[size], side, side)
    dam = _dam(device, train=False)
    x = torch.randn(shape, device=device)
    autocast_dtype = torch.bfloat16 if dtype == 'bf16' else torch.float32

    def forward():
        with torch.no_grad(), torch.autocast(device, dtype=autocast_dtype,
                                             enabled=dtype != 'fp32'):
            return dam(x)

    bench_run(forward, device, ROUNDS[device], warmup=2, model='dam', batch=16, dtype=dtype,
              input_shape=list(shape), params=count_params(dam), stage=stage, variant='eval',
              kind='module')


@pytest.mark.parametrize('stage', [0, 3])
@pytest.mark.parametrize(('device', 'dtype'), DEVICE_DTYPES)
def test_dam_train_step(bench_run, benchmark, stage, device, dtype):
    """DAM alone, train mode (with the perturbation), forward + backward, batch 16."""
    benchmark.group = f'dam-train-{device}-{dtype}'
    channels, side = STAGES['cpu'][stage]
    shape = (16, channels, FRAMES['cpu'], side, side)
    dam = _dam(device, train=True)
    x = torch.randn(shape, device=device, requires_grad=True)
    autocast_dtype = torch.bfloat16 if dtype == 'bf16' else torch.float32

    def step():
        with torch.autocast(device, dtype=autocast_dtype, enabled=dtype != 'fp32'):
            out = dam(x)
        out.float().square().mean().backward()

    bench_run(step, device, ROUNDS[device], warmup=2, model='dam', batch=16, dtype=dtype,
              input_shape=list(shape), params=count_params(dam), stage=stage, variant='train',
              kind='module')


@pytest.mark.parametrize('variant', ['paper', 'released'])
@pytest.mark.parametrize('batch', [16, 64])
@pytest.mark.parametrize(('device', 'dtype'), DEVICE_DTYPES[:2])
def test_dsm_loss(bench_run, benchmark, batch, variant, device, dtype):
    """DSM loss alone (CE + distribution-aware contrast + IB), forward + backward."""
    from hdf_bench.models.dsm import DSMLoss

    benchmark.group = f'dsm-loss-{device}'
    torch.manual_seed(0)
    loss_fn = DSMLoss(variant=variant).to(device)
    logits = torch.randn(batch, 7, device=device, requires_grad=True)
    embedding = torch.randn(batch, 432, device=device, requires_grad=True)
    labels = torch.randint(0, 7, (batch,), device=device)

    def step():
        losses = loss_fn(logits, embedding, labels)
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()

    bench_run(step, device, ROUNDS[device], warmup=2, model='dsm_loss', batch=batch, dtype=dtype,
              input_shape=[batch, 432], params=count_params(loss_fn), variant=variant,
              kind='module')
