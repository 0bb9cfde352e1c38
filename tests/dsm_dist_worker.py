"""Worker of tests/test_dsm_dist.py (run under torchrun): DSM's loss on this rank's half of a
fixed batch, through torch's DistributedDataParallel; rank 0 saves the loss parts and the
averaged gradients."""
from __future__ import annotations

import sys

import torch
import torch.distributed as dist
from sam_dist_worker import leave
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from hdf_bench.models.dsm import DSMLoss

PARTS = ('loss_ce', 'loss_dsc', 'loss_ib')


class Net(nn.Module):
    """Embedding + classifier (no BatchNorm), returning DSM's loss parts."""

    def __init__(self, **loss_kwargs) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.embed = nn.Linear(6, 5).double()
        self.fc = nn.Linear(5, 3).double()
        self.loss = DSMLoss(**loss_kwargs)
        self.loss.set_grad_norm(2.0)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        emb = self.embed(x)
        return self.loss(self.fc(emb), emb, y)


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    # labels such that most positives of an anchor sit on the other rank
    return (torch.randn(8, 6, generator=gen, dtype=torch.float64),
            torch.tensor([0, 1, 2, 0, 1, 0, 2, 1]))


def total(parts: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(parts[k] for k in PARTS)


def main(out: str, variant: str) -> None:
    dist.init_process_group('gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    model = Net(variant=variant)
    ddp = DistributedDataParallel(model)
    x, y = batch()
    share = len(x) // world
    part = slice(rank * share, (rank + 1) * share)
    parts = ddp(x[part], y[part])
    total(parts).backward()  # DDP averages the gradients over the ranks
    logged = {k: parts[k].detach().clone() for k in (*PARTS, 'dsm_dsc', 'dsm_ib')}
    for value in logged.values():  # what mmengine's logger shows: the mean over ranks
        dist.all_reduce(value)
        value /= world
    if rank == 0:
        grads = {n: p.grad for n, p in model.named_parameters()}
        torch.save(dict(logged=logged, grads=grads), out)
    leave()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
