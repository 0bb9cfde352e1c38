"""A sweep killed with SIGKILL resumes: finished cells are kept as they were, the rest is
computed, and the final store equals that of an uninterrupted run (once, and in a loop of kills
at random moments)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest
import torch
from test_sweep_support import SUITE_FILE, cli, make_model, make_root, subprocess_env

from hdf_bench.results import ResultsStore

torch.set_num_threads(1)
TOTAL = 1 + 2 * 5 * 2  # clean + 2 corruptions x 5 severities x 2 seeds


def _args(config, checkpoint, suite, store, cache):
    return cli('robustness', '--model', f'tiny={config}:{checkpoint}', '--suite', str(suite),
               '--store', str(store), '--cache', str(cache), '--batch-size', '4',
               '--num-workers', '0')


def _cells(store) -> dict:
    return {tuple(r['key'].values()): (r['metrics'], r['predictions'])
            for r in ResultsStore(store).records()}


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp('resume')
    root = make_root(folder / 'data', clips=24, frames=6)
    config, checkpoint = make_model(folder / 'models', root)
    suite = folder / 'suite.py'
    suite.write_text(SUITE_FILE)
    return folder, config, checkpoint, suite


@pytest.fixture(scope='module')
def expected(setup, tmp_path_factory):
    """The cells of an uninterrupted sweep."""
    folder, config, checkpoint, suite = setup
    out = tmp_path_factory.mktemp('straight')
    straight = subprocess.run(_args(config, checkpoint, suite, out / 'store', out / 'cache'),
                              env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert straight.returncode == 0, straight.stderr
    cells = _cells(out / 'store')
    assert len(cells) == TOTAL
    return cells


def _count(cells) -> int:
    return len(list(cells.glob('*.json'))) if cells.is_dir() else 0


def test_kill_9_then_resume_equals_a_straight_run(setup, expected, tmp_path):
    folder, config, checkpoint, suite = setup
    env = subprocess_env()

    store, cache = tmp_path / 'store', tmp_path / 'cache'
    cells = store / 'cells'
    proc = subprocess.Popen(_args(config, checkpoint, suite, store, cache), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if cells.is_dir() and len(list(cells.glob('*.json'))) >= 3:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in cells.glob('*.json')}
    assert 3 <= len(done) < TOTAL, 'the sweep finished before it could be killed'

    rerun = subprocess.run(_args(config, checkpoint, suite, store, cache), env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f'computed {TOTAL - len(done)} cells, skipped {len(done)}' in rerun.stdout
    for name, (mtime, content) in done.items():  # finished cells untouched
        path = cells / name
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == content
    assert _cells(store) == expected
    assert not [p for p in cache.iterdir() if p.name.startswith('.tmp-')]
    assert len(list(cache.iterdir())) == TOTAL


@pytest.mark.slow
def test_kill_9_loop_at_random_moments_ends_equal_to_a_straight_run(setup, expected, tmp_path):
    """Kill the sweep six times at random moments (during start-up, while computing a cell,
    while writing a cell or a cache entry), rerun each time; the final store is the straight
    run's, with nothing quarantined or left unusable."""
    folder, config, checkpoint, suite = setup
    env = subprocess_env()
    store, cache = tmp_path / 'store', tmp_path / 'cache'
    cells = store / 'cells'
    rng = random.Random(16)
    kills = 0
    while kills < 6:
        proc = subprocess.Popen(_args(config, checkpoint, suite, store, cache), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = _count(cells) + rng.choice([0, 1, 1, 2])
        start, deadline = time.monotonic(), time.monotonic() + 240
        delay = rng.uniform(0.5, 3.0)  # without a cell to wait for: a moment of start-up
        while time.monotonic() < deadline and proc.poll() is None:
            if _count(cells) >= target and time.monotonic() - start >= delay:
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills >= 5 and _count(cells) < TOTAL, 'the sweep finished before the kills'

    final = subprocess.run(_args(config, checkpoint, suite, store, cache), env=env,
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert 'quarantined 0' in final.stdout
    assert _cells(store) == expected
    assert not (store / 'quarantine').exists()
    assert ResultsStore(store).frame().attrs['unusable'] == []
    assert not [p for p in cache.iterdir() if p.name.startswith('.tmp-')]
