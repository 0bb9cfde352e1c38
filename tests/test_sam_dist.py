"""SAM under DDP: 2 CPU processes (gloo) through SAMDistributedDataParallel take the same steps
as one process on the whole batch."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from sam_dist_worker import STEPS, Linear, batch, sam_wrapper
from test_sweep_support import subprocess_env

from hdf_bench.engine.sam import grad_norm_train_step

WORKER = Path(__file__).with_name('sam_dist_worker.py')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_wrapper_is_registered_for_model_wrapper_cfg():
    from mmaction.registry import MODEL_WRAPPERS

    from hdf_bench.engine.sam import SAMDistributedDataParallel
    assert MODEL_WRAPPERS.get('SAMDistributedDataParallel') is SAMDistributedDataParallel


@pytest.mark.slow
def test_two_ranks_match_one_process_on_the_whole_batch(tmp_path):
    out = tmp_path / 'rank0.pt'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
           f'--master_port={_free_port()}', str(WORKER), str(out)]
    done = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = torch.load(out)

    model = Linear()  # the same initial weights (seeded)
    wrapper = sam_wrapper(model)
    x, y = batch()
    before = model.fc.weight.detach().clone()
    for _ in range(STEPS):
        grad_norm_train_step(model, dict(inputs=x, labels=y), wrapper)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(ranks['state'][key], value, rtol=1e-10, atol=1e-12)
    assert ranks['grad_norms'] == pytest.approx(model.sink.values, rel=1e-10)
    assert len(model.sink.values) == STEPS
    assert not torch.equal(model.fc.weight, before)  # the steps moved the weights
