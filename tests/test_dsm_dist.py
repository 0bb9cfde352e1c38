"""DSM on the global batch under DDP: 2 CPU ranks (gloo) give the loss and the gradients of one
process on the whole batch, for both DSM variants."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from dsm_dist_worker import PARTS, Net, batch, total
from test_sam_dist import _free_port
from test_sweep_support import subprocess_env

WORKER = Path(__file__).with_name('dsm_dist_worker.py')


def test_one_process_gathers_nothing():
    from hdf_bench.models.dsm import gather_batch
    z, y = torch.randn(4, 3, requires_grad=True), torch.arange(4)
    z2, y2 = gather_batch(z, y)
    assert z2 is z and y2 is y


@pytest.mark.slow
@pytest.mark.parametrize('variant', ['paper', 'released'])
def test_two_ranks_match_one_process_on_the_whole_batch(tmp_path, variant):
    out = tmp_path / 'rank0.pt'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
           f'--master_port={_free_port()}', str(WORKER), str(out), variant]
    done = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = torch.load(out)

    model = Net(variant=variant)  # the same initial weights (seeded)
    x, y = batch()
    parts = model(x, y)
    total(parts).backward()
    for key in (*PARTS, 'dsm_dsc', 'dsm_ib'):
        torch.testing.assert_close(ranks['logged'][key], parts[key].detach(),
                                   rtol=2e-5, atol=1e-6, msg=key)  # DSM runs in float32
    assert parts['dsm_dsc'].abs() > 1e-3 or variant == 'released'
    for name, p in model.named_parameters():
        torch.testing.assert_close(ranks["grads"][name], p.grad, rtol=2e-5, atol=1e-6,
                                   msg=name)
    # per-rank (gather=False) statistics differ: the test can tell the two apart
    local = Net(variant=variant, gather=False)
    halves = [local(x[:4], y[:4]), local(x[4:], y[4:])]
    assert (halves[0]['dsm_ib'] + halves[1]['dsm_ib']) / 2 != pytest.approx(
        parts['dsm_ib'].item(), rel=1e-3)
