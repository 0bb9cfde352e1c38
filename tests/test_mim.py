"""`mim train` / `mim test` (openmim) on a project config, as a user runs them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = 'configs/hdf/hdf_x3d_s_synthdfer_cpu.py'


def mim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which('mim') or str(Path(sys.executable).with_name('mim'))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=900)


@pytest.mark.slow
def test_mim_train_one_epoch_then_mim_test(synth_root, tmp_path):
    roots = [f'{loader}.dataset.data_root={synth_root}'
             for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    work = tmp_path / 'work'
    trained = mim('train', 'mmaction2', CONFIG, '--work-dir', str(work), '--cfg-options',
                  *roots, 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4', cwd=ROOT)
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    checkpoint = work / 'epoch_1.pth'
    assert checkpoint.is_file()
    tested = mim('test', 'mmaction2', CONFIG, '--checkpoint', str(checkpoint), '--work-dir',
                 str(tmp_path / 'test'), '--cfg-options', roots[2], cwd=ROOT)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert 'dfer/war' in tested.stdout + tested.stderr
