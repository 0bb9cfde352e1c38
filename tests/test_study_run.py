"""`hdf-bench study` end to end on CPU: SynthDFER 2 models x 5 folds killed and resumed, the DFEW
layout fixture, and trainings on 2 gloo ranks under torchrun (all slow: real trainings)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_sweep_support import subprocess_env

from hdf_bench.cli.main import main

CPU = ('--recipe', 'cpu', '--device', 'cpu', '--epochs', '1', '--no-val', '--no-figures')


@pytest.fixture(scope='module')
def tiny_synth(tmp_path_factory) -> Path:
    """SynthDFER with 14 clips of 32x32 (every fold has training and test clips)."""
    root = tmp_path_factory.mktemp('study') / 'synthdfer'
    assert main(['synth', '--out', str(root), '--identities', '7', '--clips-per-identity', '2',
                 '--size', '32', '--min-frames', '8', '--max-frames', '10']) == 0
    return root


def study_cmd(*args: str) -> list[str]:
    return [sys.executable, '-m', 'hdf_bench.cli.main', 'study', *args]


def done_jobs(run: Path) -> set[str]:
    done = set()
    for path in (run / 'state').glob('*.json'):
        try:
            if json.loads(path.read_text())['status'] == 'done':
                done.add(path.stem)
        except (json.JSONDecodeError, OSError):
            continue
    return done


@pytest.mark.slow
def test_synthdfer_two_models_five_folds_killed_and_resumed_ends_with_fold_mean_std(
        tiny_synth, tmp_path):
    run = tmp_path / 'run'
    args = study_cmd('--dataset', 'synthdfer', '--data-root', str(tiny_synth), '--run-dir',
                     str(run), '--models', 'hdf', 'x3d_s', *CPU)
    proc = subprocess.Popen(args, env=subprocess_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 1800
    while len(done_jobs(run)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
    assert proc.poll() is None, 'the study ended before it could be killed'
    os.killpg(proc.pid, signal.SIGKILL)  # the study and the job it was running
    proc.wait()
    before = done_jobs(run)
    running = [p.stem for p in (run / 'state').glob('*.json')
               if json.loads(p.read_text())['status'] == 'running']
    assert len(before) >= 3 and len(running) <= 1  # none if killed between two jobs
    stamps = {p: p.stat().st_mtime_ns for p in (run / 'train').rglob('epoch_1.pth')}

    done = subprocess.run(args, env=subprocess_env(), capture_output=True, text=True,
                          timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for job in running:
        assert f'{job}: running (again: interrupted)' in done.stdout
    for job in before:
        assert f'{job}: running' not in done.stdout  # finished jobs are skipped
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())
    assert len(done_jobs(run)) == 2 * 5 * 2 + 1
    table = (run / 'study_table.md').read_text()
    for model in ('hdf', 'x3d_s'):
        row = next(x for x in table.splitlines() if x.startswith(f'| {model} | synthdfer | 5 |'))
        assert row.count('±') == 2
    report = (run / 'report' / 'seed0' / 'report.md').read_text()
    summary = report[report.index('Clean, mPC'):]
    assert '±' in summary.split('\n\n')[1]  # clean % over 5 folds: mean ± std


@pytest.mark.slow
def test_dfew_layout_fixture_tiny_real_run(make_dfew, tmp_path, capsys):
    root, run = make_dfew(), tmp_path / 'run'
    assert main(['study', '--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(run),
                 '--folds', '1', '--models', 'x3d_s', *CPU]) == 0
    out = capsys.readouterr().out
    assert 'jobs: 3 done' in out
    cells = [json.loads(p.read_text()) for p in (run / 'results' / 'seed0' / 'cells').glob('*')]
    assert [(c['key']['dataset'], c['key']['fold'], c['key']['axis']) for c in cells] == [
        ('dfew', '1', 'clean')]
    assert cells[0]['predictions']['sample_ids'] == ['00004']
    assert '| x3d_s | dfew | 1 |' in (run / 'study_table.md').read_text()
    # a rerun has nothing to do
    assert main(['study', '--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(run),
                 '--folds', '1', '--models', 'x3d_s', *CPU]) == 0
    assert ': running' not in capsys.readouterr().out


@pytest.mark.slow
def test_torchrun_launcher_trains_on_two_gloo_ranks(tiny_synth, tmp_path):
    run = tmp_path / 'run'
    done = subprocess.run(
        study_cmd('--dataset', 'synthdfer', '--data-root', str(tiny_synth), '--run-dir',
                  str(run), '--models', 'x3d_s', '--folds', '1', '--launcher', 'torchrun',
                  '--gpus', '2', *CPU),
        env=subprocess_env(), capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    log = (run / 'logs' / 'train-x3d_s-f1-s0.log').read_text()
    assert '-m torch.distributed.run --standalone --nproc_per_node=2' in log
    assert 'Distributed training: True' in log and 'launcher: pytorch' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert (run / 'train' / 'x3d_s' / 'fold1' / 'seed0' / 'epoch_1.pth').is_file()
    assert 'jobs: 3 done' in done.stdout
