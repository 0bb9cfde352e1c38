"""The CLI's error boundary: each common mistake gives one or two lines naming the path or
value, exit code 2 (130 for Ctrl-C), and no traceback unless ``--debug``."""
from __future__ import annotations

import shutil

import pytest
import torch
from test_sweep_support import make_model, make_root

from hdf_bench.cli.main import main

torch.set_num_threads(1)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A 3-clip DFEW-layout data set, a tiny model config and its checkpoint."""
    folder = tmp_path_factory.mktemp('cli_err')
    root = make_root(folder / 'data', clips=3)
    config, checkpoint = make_model(folder / 'models', root)
    return root, config, checkpoint


def run_cli(capsys, *args: str) -> tuple[int, list[str]]:
    """Run ``hdf-bench ARGS`` in-process; return the exit code and stderr's non-empty lines."""
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


def assert_one_clear_line(lines: list[str], *needles: str) -> None:
    assert 1 <= len(lines) <= 2, lines
    assert 'Traceback' not in '\n'.join(lines)
    for needle in needles:
        assert needle in '\n'.join(lines), (needle, lines)


def truncate(frame) -> None:
    """Cut a JPEG to two thirds: cv2.imread still returns an image, training's decoder not."""
    data = frame.read_bytes()
    frame.write_bytes(data[:len(data) * 2 // 3])


def sweep_args(config, checkpoint, store) -> list[str]:
    return ['robustness', '--model', f'a={config}:{checkpoint}', '--suite', 'quick',
            '--store', str(store), '--quiet', '--num-workers', '0']


@pytest.mark.parametrize('content', [b'', b'\x80\x02 random bytes' * 20], ids=['empty', 'garbage'])
def test_unreadable_checkpoint(tiny, tmp_path, capsys, content):
    _, config, _ = tiny
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(content)
    code, lines = run_cli(capsys, *sweep_args(config, bad, tmp_path / 'store'))
    assert code == 2
    assert_one_clear_line(lines, str(bad), 'cannot be read')


def test_truncated_checkpoint_is_unreadable_not_mismatched(tiny, tmp_path, capsys):
    _, config, checkpoint = tiny
    cut = tmp_path / 'cut.pth'
    data = checkpoint.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    code, lines = run_cli(capsys, *sweep_args(config, cut, tmp_path / 'store'))
    assert code == 2
    assert_one_clear_line(lines, str(cut), 'cannot be read', 'truncated')
    assert 'does not fit' not in lines[0]


def test_debug_shows_the_traceback(tiny, tmp_path, capsys):
    _, config, _ = tiny
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'')
    assert main(['--debug', *sweep_args(config, bad, tmp_path / 'store')]) == 2
    assert 'Traceback' in capsys.readouterr().err
    assert main([*sweep_args(config, bad, tmp_path / 'store'), '--debug']) == 2
    assert 'Traceback' in capsys.readouterr().err


@pytest.mark.parametrize('workers', ['0', '1'])
def test_truncated_jpeg_names_the_frame(tiny, tmp_path, capsys, workers):
    root, config, checkpoint = tiny
    data = tmp_path / 'data'
    shutil.copytree(root, data)
    frame = data / 'Clip' / 'clip_224x224' / '00002' / '00003.jpg'
    truncate(frame)
    args = sweep_args(config, checkpoint, tmp_path / 'store')
    code, lines = run_cli(capsys, *args[:-1], workers, '--data-root', str(data))
    assert code == 2
    assert_one_clear_line(lines, str(frame), 'cannot be decoded')


def test_decode_audit_uses_the_training_decoder(tiny, tmp_path):
    from hdf_bench.data.dfew import DFEWDataset
    from hdf_bench.data.frames import FrameFolderError

    root, _, _ = tiny
    data = tmp_path / 'data'
    shutil.copytree(root, data)
    frame = data / 'Clip' / 'clip_224x224' / '00001' / '00004.jpg'
    truncate(frame)
    import cv2
    assert cv2.imread(str(frame)) is not None  # the audit used to accept it
    with pytest.raises(FrameFolderError, match=r'00001/00004\.jpg cannot be decoded'):
        DFEWDataset(str(data), [], split='test', check_frames='decode')


def test_store_that_is_a_file(tiny, tmp_path, capsys):
    _, config, checkpoint = tiny
    store = tmp_path / 'store.txt'
    store.write_text('not a store')
    code, lines = run_cli(capsys, *sweep_args(config, checkpoint, store))
    assert code == 2
    assert_one_clear_line(lines, str(store), 'is a file')
    code, lines = run_cli(capsys, 'report', '--store', store, '--out', tmp_path / 'r')
    assert code == 2
    assert_one_clear_line(lines, str(store), 'is a file')


def test_ctrl_c_says_how_to_resume(tiny, tmp_path, capsys, monkeypatch):
    import hdf_bench.robustness.sweep as sweep

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, 'run_sweep', interrupted)
    _, config, checkpoint = tiny
    try:
        code, lines = run_cli(capsys, *sweep_args(config, checkpoint, tmp_path / 'store'))
    except KeyboardInterrupt:
        pytest.fail('Ctrl-C escaped the CLI with a traceback')
    assert code == 130
    assert_one_clear_line(lines, 'interrupted; rerun the same command to resume')


def test_on_missing_skip_on_the_command_line(tiny, tmp_path, capsys):
    root, config, checkpoint = tiny
    data = tmp_path / 'data'
    shutil.copytree(root, data)
    shutil.rmtree(data / 'Clip' / 'clip_224x224' / '00003')
    args = [*sweep_args(config, checkpoint, tmp_path / 'store'), '--data-root', str(data)]
    code, lines = run_cli(capsys, *args)
    assert code == 2
    assert_one_clear_line(lines, '00003', '--on-missing skip')
    assert main([*args, '--on-missing', 'skip']) == 0
    from hdf_bench.results import ResultsStore
    clean = ResultsStore(tmp_path / 'store').frame().query("axis == 'clean'")
    assert clean['num_samples'].tolist() == [2]


def test_usage_error_is_two_lines(capsys):
    code, lines = run_cli(capsys, 'robustness', '--store')
    assert code == 2
    assert_one_clear_line(lines, '--store')
