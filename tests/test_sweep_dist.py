"""Under torchrun (2 CPU processes, gloo) the sweep writes the same store as one process."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import torch
from test_sweep_support import make_model, make_root, subprocess_env

from hdf_bench.results import ResultsStore

torch.set_num_threads(1)
SUITE = """
corruptions = ['gaussian_noise', 'brightness', 'reverse']
severities = [2, 4]
"""


def _args(folder, models, store):
    args = ['robustness', '--suite', str(folder / 'suite.py'), '--store', str(store),
            '--cache', str(folder / f'cache_{store.name}'), '--batch-size', '4',
            '--num-workers', '0', '--quiet']
    for name, (config, checkpoint) in models.items():
        args += ['--model', f'{name}={config}:{checkpoint}']
    return args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _cells(store) -> dict:
    return {tuple(r['key'].values()): (r['metrics'], r['predictions'])
            for r in ResultsStore(store).records()}


@pytest.mark.slow
def test_two_ranks_give_the_store_of_one_process(tmp_path):
    root = make_root(tmp_path / 'data', clips=8)
    models = {f'm{seed}': make_model(tmp_path / 'models', root, seed=seed) for seed in (0, 1)}
    (tmp_path / 'suite.py').write_text(SUITE)
    env = subprocess_env()
    one = subprocess.run([sys.executable, '-m', 'hdf_bench.cli.main',
                          *_args(tmp_path, models, tmp_path / 'one')],
                         env=env, capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
                          f'--master_port={_free_port()}', '-m', 'hdf_bench.cli.main',
                          *_args(tmp_path, models, tmp_path / 'two')],
                         env=env, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    expected = _cells(tmp_path / 'one')
    assert len(expected) == 2 * (1 + 3 * 2)
    assert _cells(tmp_path / 'two') == expected
    assert two.stdout.count('clean WAR/UAR') == 1  # the summary is printed by rank 0 only
