"""Under torchrun (2 CPU processes, gloo) export-c writes the export of one process, byte for
byte, with the units shared out over the ranks."""
from __future__ import annotations

import filecmp
import subprocess
import sys

import pytest
from test_sweep_dist import _free_port
from test_sweep_support import cli, make_root, subprocess_env

SUITE = """
corruptions = ['gaussian_noise', 'brightness', 'reverse']
severities = [2, 4]
"""


def _files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob('*') if p.is_file())


@pytest.mark.slow
def test_two_ranks_give_the_export_of_one_process(tmp_path):
    root = make_root(tmp_path / 'data', clips=6)
    (tmp_path / 'suite.py').write_text(SUITE)
    args = ['export-c', '--dataset', 'dfew', '--data-root', str(root), '--suite',
            str(tmp_path / 'suite.py')]
    env = subprocess_env()
    one = subprocess.run(cli(*args, '--out', str(tmp_path / 'one')), env=env,
                         capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
                          f'--master_port={_free_port()}', '-m', 'hdf_bench.cli.main', *args,
                          '--out', str(tmp_path / 'two')],
                         env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    # rank r exported units r, r + 2, r + 4 of the 6
    assert two.stdout.count('[rank 0] unit') == 3 and two.stdout.count('[rank 1] unit') == 3
    assert two.stdout.count('6 units x 6 clips') == 1  # the summary: rank 0 only
    files = _files(tmp_path / 'one')
    assert files == _files(tmp_path / 'two') and 'manifest.json' in files
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / 'one', tmp_path / 'two', files,
                                               shallow=False)
    assert not mismatch and not errors and len(match) == len(files)
    check = subprocess.run(cli('verify-c', str(tmp_path / 'two'), '--against',
                               str(tmp_path / 'one')), env=env, capture_output=True, text=True,
                           timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
