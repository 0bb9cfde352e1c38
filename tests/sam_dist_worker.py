"""Worker of tests/test_sam_dist.py (run under torchrun): SAM steps through
SAMDistributedDataParallel on this rank's share of a fixed batch; rank 0 saves the result."""
from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist
from mmengine.model import BaseModel
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn
from torch.nn import functional as F

STEPS = 3


class Sink(nn.Module):
    """Consumes the gradient norm like DSM's loss."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def set_grad_norm(self, value, num_params=None) -> None:
        self.values.append(float(value))


class Linear(BaseModel):
    """Softmax regression (no BatchNorm: DDP then equals one process on the whole batch)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc = nn.Linear(5, 3).double()
        self.sink = Sink()

    def forward(self, inputs, labels=None, mode='loss'):
        return dict(loss=F.cross_entropy(self.fc(inputs), labels))


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(8, 5, generator=gen, dtype=torch.float64), torch.arange(8) % 3


def sam_wrapper(model: nn.Module):
    cfg = dict(type='SAMOptimWrapper', rho=0.05, optimizer=dict(type='SGD', lr=0.5))
    with DefaultScope.overwrite_default_scope('mmaction'):
        return build_optim_wrapper(model, cfg)


def main(out: str) -> None:
    from hdf_bench.engine.sam import SAMDistributedDataParallel

    dist.init_process_group('gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    model = Linear()
    ddp = SAMDistributedDataParallel(module=model)
    wrapper = sam_wrapper(model)
    x, y = batch()
    share = len(x) // world
    for _ in range(STEPS):
        part = slice(rank * share, (rank + 1) * share)
        ddp.train_step(dict(inputs=x[part], labels=y[part]), wrapper)
    if rank == 0:
        torch.save(dict(state=model.state_dict(), grad_norms=model.sink.values), out)
    leave()


def leave() -> None:
    """Wait for every rank's work, then exit at once.

    torch 2.13 + gloo here: a rank could hang for good once its peer had gone, in
    ``destroy_process_group`` or in the DDP reducer's destructor when ``main``'s locals are
    freed. After the barrier every result is saved, so no rank runs a finaliser.
    """
    dist.barrier()
    sys.stdout.flush()
    os._exit(0)


if __name__ == '__main__':
    main(sys.argv[1])
