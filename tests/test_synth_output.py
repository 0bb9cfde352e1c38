"""``hdf-bench synth --out``: what may be replaced, and the leftovers of killed runs."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time

import pytest
from test_sweep_support import cli, subprocess_env

from hdf_bench.cli.main import main
from hdf_bench.data.synth import MANIFEST

SMALL = ['--identities', '5', '--clips-per-identity', '1', '--size', '32', '--min-frames', '2',
         '--max-frames', '3']


def synth(capsys, out, *extra: str) -> tuple[int, list[str]]:
    code = main(['synth', '--out', str(out), *SMALL, *extra])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip() and 'clips:' not in line]


def test_overwrite_refuses_a_folder_that_is_not_synthdfer(tmp_path, capsys):
    out = tmp_path / 'photos'
    out.mkdir()
    (out / 'keep.jpg').write_bytes(b'precious')
    code, lines = synth(capsys, out, '--overwrite')
    assert code == 2 and len(lines) == 1 and 'Traceback' not in lines[0]
    assert str(out) in lines[0] and 'no SynthDFER manifest' in lines[0]
    assert (out / 'keep.jpg').read_bytes() == b'precious'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['photos']


def test_out_that_is_a_file(tmp_path, capsys):
    out = tmp_path / 'notes.txt'
    out.write_text('x')
    for extra in ((), ('--overwrite',)):
        code, lines = synth(capsys, out, *extra)
        assert code == 2 and len(lines) == 1
        assert str(out) in lines[0] and 'is a file' in lines[0]
        assert '--overwrite' not in lines[0]
    assert out.read_text() == 'x'


def test_overwrite_replaces_a_synthdfer_set(tmp_path, capsys):
    out = tmp_path / 'set'
    assert synth(capsys, out)[0] == 0
    code, lines = synth(capsys, out)
    assert code == 2 and '--overwrite' in lines[0]
    assert synth(capsys, out, '--overwrite', '--seed', '3')[0] == 0
    assert (out / MANIFEST).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['set']


def test_leftovers_of_killed_runs_are_removed_but_not_a_running_build(tmp_path, capsys):
    killed = tmp_path / '.set.partial-k1ll3d'  # kill -9 leaves the folder and its free lock
    (killed / 'Clip').mkdir(parents=True)
    (killed / 'Clip' / '1.jpg').write_bytes(b'x')
    (tmp_path / '.set.partial-k1ll3d.lock').write_bytes(b'')
    older = tmp_path / '.set.partial-0ld'  # no lock file at all
    older.mkdir()
    live = tmp_path / '.set.partial-l1ve'  # another run still building: its lock is held
    live.mkdir()
    fd = os.open(tmp_path / '.set.partial-l1ve.lock', os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    other = tmp_path / '.other.partial-k1ll3d'  # a build of another folder
    other.mkdir()
    try:
        assert synth(capsys, tmp_path / 'set')[0] == 0
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        '.other.partial-k1ll3d', '.set.partial-l1ve', '.set.partial-l1ve.lock', 'set']


@pytest.mark.slow  # a subprocess that imports torch and mmaction2
def test_ctrl_c_during_a_build(tmp_path):
    """A real SIGINT mid-build: one line saying how to resume, exit 130, no build folder left."""
    proc = subprocess.Popen(
        cli('synth', '--out', str(tmp_path / 'set'), '--identities', '40', '--size', '48'),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob('.set.partial-*/Clip')):  # the build has started
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip() and 'clips:' not in line]
    assert proc.returncode == 130
    assert lines == ['hdf-bench synth: interrupted; rerun the same command to resume']
    assert list(tmp_path.iterdir()) == []
