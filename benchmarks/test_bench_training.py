"""CPU training throughput: one training step (forward, backward, optimizer) of X3D-S, HDF
without SAM and HDF (SAM), through the runner path and through a bare PyTorch loop.

The runner path is ``model.train_step(data, optim_wrapper)`` on the model and optimizer wrapper
that ``Runner.from_cfg`` builds from the zoo's CPU config (as mmengine's train loop calls it);
the bare loop is the same step on the same model and batch written in plain PyTorch
(:func:`hdf_bench.engine.train_speed.bare_step`). Input: the CPU configs' 8x64x64 at their
batch (16; ``--bench-train-batch`` to change), random uint8 clips; 1 and 2 threads.
``scripts/train_throughput.py --json`` prints the table; ``--measure`` times runner and bare
round-robin in one process (the ratio to quote on a shared machine).
"""
from __future__ import annotations

import pytest
import torch

from hdf_bench.engine.latency import zoo_input_shape

MODELS = ['x3d_s', 'hdf_no_sam', 'hdf']
#: timed steps per benchmark (a step takes seconds on CPU)
ROUNDS = 3


@pytest.fixture(scope='module')
def runners(tmp_path_factory):
    """name -> (model, optim wrapper) built by the runner, shared by the module's benchmarks."""
    from hdf_bench.engine.train_speed import runner_for, train_config

    cache = {}

    def get(name: str):
        if name not in cache:
            work = tmp_path_factory.mktemp(f'runner_{name}')
            _, model, wrapper = runner_for(train_config(name, work))
            cache[name] = model, wrapper
        return cache[name]

    return get


@pytest.mark.parametrize('threads', [1, 2])
@pytest.mark.parametrize('path', ['runner', 'bare'])
@pytest.mark.parametrize('model_name', MODELS)
def test_train_step(bench_run, benchmark, request, runners, model_name, path, threads):
    """One training step at the CPU input, runner path or bare loop, 1 or 2 threads."""
    from hdf_bench import zoo
    from hdf_bench.engine.train_speed import bare_step, is_sam, packed_batch, runner_step

    chosen = request.config.getoption('--bench-threads')
    if chosen and chosen != threads:
        pytest.skip(f'--bench-threads {chosen}')
    model, wrapper = runners(model_name)
    batch = (request.config.getoption('--bench-train-batch')
             or zoo.load_config(model_name).train_dataloader.batch_size)
    shape = zoo_input_shape(model_name)
    data = packed_batch(batch, shape)
    if path == 'runner':
        step = runner_step(model, wrapper, data)
    else:
        step = bare_step(model, wrapper.optimizer, data,
                         sam_rho=wrapper.rho if is_sam(wrapper) else None)
    benchmark.group = f'train-step-cpu-{model_name}-t{threads}'
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        bench_run(step, 'cpu', ROUNDS, model=model_name, batch=batch, dtype='fp32',
                  input_shape=list(shape), variant=path, kind='train_step',
                  optim_wrapper=type(wrapper).__name__)
    finally:
        torch.set_num_threads(before)
