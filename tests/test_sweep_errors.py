"""Bad inputs of the sweep give errors that name the file or field and what was expected."""
from __future__ import annotations

import json
import time

import pytest
import torch
from test_sweep_support import SUITE, make_model, make_root

from hdf_bench.cli.main import main
from hdf_bench.engine.run import ModelRef, parse_model_arg
from hdf_bench.engine.training import find_checkpoint, ref_from_run_folder
from hdf_bench.robustness.sweep import Condition, run_sweep, suite_conditions

torch.set_num_threads(1)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp('sweep_err')
    root = make_root(folder / 'data', clips=3)
    return folder, root, make_model(folder / 'models', root)


def test_unknown_zoo_model_lists_the_zoo(tmp_path):
    with pytest.raises(ValueError, match="unknown zoo model 'nope'.*x3d_s"):
        ref_from_run_folder('nope', tmp_path)


def test_zoo_model_without_checkpoint_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'checkpoint of zoo model .hdf. not found'):
        ref_from_run_folder('hdf', tmp_path)
    (tmp_path / 'hdf').mkdir()
    with pytest.raises(FileNotFoundError, match=r'no checkpoint \(\*\.pth\) in run folder'):
        ref_from_run_folder('hdf', tmp_path)


_DUMPED = '''
_ds = dict(type='SynthDFERDataset', data_root='d', ann_file='{val}', pipeline=[])
val_dataloader = dict(batch_size=1, dataset=_ds)
test_dataloader = dict(batch_size=1, dataset=dict(_ds, ann_file='test.txt', test_mode=True))
'''


@pytest.mark.parametrize('val, expected', [
    (None, 'epoch_2.pth'),  # no dumped config: the last checkpoint
    ('test.txt', 'epoch_2.pth'),  # validated on the test split: never best-first
    ('val.txt', 'best_dfer_war_epoch_1.pth'),  # held-out validation: best first
])
def test_checkpoint_of_a_run_folder(tmp_path, val, expected):
    for name in ('epoch_1.pth', 'best_dfer_war_epoch_1.pth', 'epoch_2.pth'):
        (tmp_path / name).write_bytes(b'x')
        time.sleep(0.01)  # distinct mtimes: epoch_2 is the newest
    if val is not None:
        (tmp_path / 'cfg.py').write_text(_DUMPED.format(val=val))
    assert find_checkpoint(tmp_path).name == expected


def test_missing_checkpoint(tiny, tmp_path):
    _, _, (config, _) = tiny
    spec = ModelRef('a', str(config), str(tmp_path / 'missing.pth'))
    with pytest.raises(FileNotFoundError, match=r"checkpoint of model 'a' not found: .*missing"):
        run_sweep([spec], [], tmp_path / 'store', quiet=True)


def test_checkpoint_of_another_model(tiny, tmp_path):
    folder, root, (config, _) = tiny
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict=dict(weight=torch.zeros(1))), other)
    with pytest.raises(ValueError, match='does not fit the model'):
        run_sweep([ModelRef('a', str(config), str(other))], [], tmp_path / 'store', quiet=True)


def test_pipeline_without_raw_frame_decode(tiny, tmp_path):
    folder, root, _ = tiny
    config, checkpoint = make_model(tmp_path, root, pipeline_without_decode=True)
    with pytest.raises(ValueError, match=r'tiny_32_0\.py.*no RawFrameDecode / '
                                         r'CachedRawFrameDecode step.*SampleFrames'):
        run_sweep([ModelRef('a', str(config), str(checkpoint))], [], tmp_path / 'store',
                  quiet=True)


def test_bad_model_argument_and_duplicate_names(tiny, tmp_path):
    _, _, (config, checkpoint) = tiny
    with pytest.raises(ValueError, match='expected NAME=CONFIG:CHECKPOINT'):
        parse_model_arg('just-a-path.py')
    spec = ModelRef('a', str(config), str(checkpoint))
    with pytest.raises(ValueError, match='model names must be unique'):
        run_sweep([spec, spec], [], tmp_path / 'store', quiet=True)


def test_bad_suite_entries():
    with pytest.raises(ValueError, match='more than once'):
        suite_conditions([Condition(**SUITE[0]), Condition(**SUITE[0])])
    with pytest.raises(ValueError, match='has no corruption name'):
        suite_conditions([dict(severity=1)])


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    code = main(['robustness', 'nope', '--runs', str(tmp_path), '--store', str(tmp_path / 's')])
    assert code == 2
    assert "unknown zoo model 'nope'" in capsys.readouterr().err
    code = main(['robustness', 'hdf', '--store', str(tmp_path / 's')])
    assert code == 2
    assert 'zoo models need --runs' in capsys.readouterr().err


def test_run_folder_gives_the_config_it_was_trained_with(tmp_path):
    from hdf_bench import zoo
    from hdf_bench.engine.training import TRAIN_RECORD

    folder = tmp_path / 'x3d_s'
    folder.mkdir()
    (folder / 'epoch_3.pth').write_bytes(b'')
    assert ref_from_run_folder('x3d_s', tmp_path).config == str(zoo.get('x3d_s').config_path())
    demo = zoo.get('x3d_s').config_path(recipe='demo')
    (folder / TRAIN_RECORD).write_text(json.dumps({'config': str(demo)}))
    assert ref_from_run_folder('x3d_s', tmp_path).config == str(demo)
    # a checkout that moved: the zoo config of the same file name
    (folder / TRAIN_RECORD).write_text(json.dumps({'config': f'/gone/{demo.name}'}))
    assert ref_from_run_folder('x3d_s', tmp_path).config == str(demo)
    (folder / TRAIN_RECORD).write_text(json.dumps({'config': '/gone/other.py'}))
    with pytest.raises(FileNotFoundError, match='config /gone/other.py is gone'):
        ref_from_run_folder('x3d_s', tmp_path)
    (folder / TRAIN_RECORD).write_text('[1, 2')
    with pytest.raises(ValueError, match='not a JSON object'):
        ref_from_run_folder('x3d_s', tmp_path)
