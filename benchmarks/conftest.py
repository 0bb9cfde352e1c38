"""pytest-benchmark suite of hdf-bench: options, parametrisation and the timing fixture.

Run: ``pytest benchmarks --benchmark-only --benchmark-json=work_dirs/benchmarks.json``
(``make bench``). Options:

- ``--bench-models NAMES``: comma-separated zoo names, ``default`` (HDF and the baselines) or
  ``all`` (the ablations too).
- ``--bench-paper-size``: also time the paper input (16 x 112 x 112) on CPU (slow on 2 cores;
  on CUDA it is always timed).
- ``--bench-compile``: also time ``torch.compile`` variants (minutes of compilation on CPU).
- ``--bench-threads N``: torch CPU threads. On a shared machine, 1 thread is far more stable:
  with 2 threads and busy cores every parallel region waits for a descheduled thread.
- ``--bench-train-batch N``: batch of the training-step benchmarks (default: the CPU configs' 16).

Every benchmark stores ``extra_info`` (kind, model, batch, device, dtype, input_shape, params,
variant, ...); kind is model | backbone | fast_path | module | pipeline | train_step
(``scripts/latency_table.py``, ``hdf-bench report --latency``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from _support import CUDA

from hdf_bench.engine.latency import synchronize


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup('hdf-bench')
    group.addoption('--bench-models', default='default',
                    help="zoo models to time: comma-separated names, 'default' or 'all'")
    group.addoption('--bench-paper-size', action='store_true',
                    help='also time the 16x112x112 paper input on CPU (slow)')
    group.addoption('--bench-compile', action='store_true',
                    help='also time torch.compile variants (long compilation on CPU)')
    group.addoption('--bench-threads', type=int, default=None,
                    help='torch CPU threads (1 is the most stable on a shared machine)')
    group.addoption('--bench-train-batch', type=int, default=None,
                    help='batch of the training-step benchmarks (default: the CPU configs\')')


def pytest_configure(config: pytest.Config) -> None:
    threads = config.getoption('--bench-threads', default=None)
    if threads:
        torch.set_num_threads(threads)
    config.addinivalue_line('markers', 'cuda: needs a CUDA device (skipped without one)')
    config.addinivalue_line('markers', 'paper_size: 16x112x112 input; on CPU only with '
                                       '--bench-paper-size')
    config.addinivalue_line('markers', 'compile: torch.compile variant; only with '
                                       '--bench-compile')


def selected_models(config: pytest.Config) -> list[str]:
    """Zoo names chosen by ``--bench-models``."""
    from hdf_bench import zoo

    choice = config.getoption('--bench-models')
    if choice == 'all':
        return zoo.list_models()
    if choice == 'default':
        return zoo.list_models('hdf') + zoo.list_models('baseline')
    names = [n.strip() for n in choice.split(',') if n.strip()]
    for name in names:
        zoo.get(name)  # ValueError with the valid names
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if 'zoo_name' in metafunc.fixturenames:
        metafunc.parametrize('zoo_name', selected_models(metafunc.config))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_cuda = pytest.mark.skip(reason='needs CUDA')
    skip_compile = pytest.mark.skip(reason='torch.compile variants need --bench-compile')
    for item in items:
        if 'cuda' in item.keywords and not CUDA:
            item.add_marker(skip_cuda)
        if 'compile' in item.keywords and not config.getoption('--bench-compile'):
            item.add_marker(skip_compile)


@pytest.fixture
def paper_size_allowed(request: pytest.FixtureRequest) -> bool:
    """Whether the 16x112x112 input may be timed on CPU in this run."""
    return bool(request.config.getoption('--bench-paper-size'))


@pytest.fixture
def bench_run(benchmark) -> Callable[..., Any]:
    """Time ``fn()`` with ``benchmark.pedantic``, synchronising CUDA, and record extra_info.

    Returns a function ``run(fn, device, rounds, warmup=1, **extra_info)``.
    """

    def run(fn: Callable[[], Any], device: str, rounds: int, warmup: int = 1,
            **extra_info: Any) -> Any:
        def step() -> Any:
            out = fn()
            synchronize(device)
            return out

        benchmark.extra_info.update(device=device, **extra_info)
        if device == 'cuda':
            benchmark.extra_info['gpu'] = torch.cuda.get_device_name()
        else:
            benchmark.extra_info['threads'] = torch.get_num_threads()
        synchronize(device)
        return benchmark.pedantic(step, rounds=rounds, iterations=1, warmup_rounds=warmup)

    return run
