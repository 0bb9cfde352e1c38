"""export-c / verify-c on SynthDFER: export, verify, byte-identical re-export, resume, and a sweep
on the exported set giving the cells of the on-the-fly whole-clip sweep."""
from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_sweep_support import make_model

from hdf_bench.cli.main import main
from hdf_bench.corrupted_sets import ExportedSet, compare_exports, export_set, verify_export
from hdf_bench.corrupted_sets import export as export_module
from hdf_bench.engine.run import ModelRef
from hdf_bench.results import ResultsStore
from hdf_bench.robustness.sweep import run_sweep

torch.set_num_threads(1)
SUITE = """
corruptions = ['gaussian_noise', 'brightness', 'frame_drop', 'h264']
severities = [1, 4]
"""
UNITS = [(c, s) for c in ('gaussian_noise', 'brightness', 'frame_drop', 'h264') for s in (1, 4)]


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    """A tiny SynthDFER made by ``hdf-bench synth``, a suite file and one export of it."""
    folder = tmp_path_factory.mktemp('export_c')
    assert main(['synth', '--out', str(folder / 'synth'), '--identities', '5',
                 '--clips-per-identity', '2', '--size', '32', '--min-frames', '6',
                 '--max-frames', '12']) == 0
    (folder / 'suite.py').write_text(SUITE)
    assert main(['export-c', '--dataset', 'synthdfer', '--data-root', str(folder / 'synth'),
                 '--suite', str(folder / 'suite.py'), '--out', str(folder / 'first'),
                 '--quiet']) == 0
    return folder


def _export(folder: Path, out: Path, **kwargs) -> dict:
    return export_set('synthdfer', folder / 'synth', out, folder / 'suite.py', quiet=True,
                      **kwargs)


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob('*') if p.is_file())


def test_export_layout_manifest_and_verify(synth, capsys):
    out = synth / 'first'
    manifest = json.loads((out / 'manifest.json').read_text())
    assert [(u['corruption'], u['severity']) for u in manifest['units']] == UNITS
    assert manifest['dataset'] == 'synthdfer' and manifest['fold'] == 1
    assert manifest['suite']['seeds'] == [0] and manifest['corruption_code']['corruptions_sha256']
    source_csv = synth / 'synth' / 'EmoLabel_DataSplit' / 'test(single-labeled)' / 'set_1.csv'
    for corruption, severity in UNITS:
        unit = out / corruption / str(severity)
        csv = unit / 'EmoLabel_DataSplit' / 'test(single-labeled)' / 'set_1.csv'
        assert csv.read_bytes() == source_csv.read_bytes()
        for clip_id in manifest['clip_ids']:
            source = sorted(p.stem for p in
                            (synth / 'synth' / 'Clip' / 'clip_224x224' / clip_id).iterdir())
            frames = sorted((unit / 'Clip' / 'clip_224x224' / clip_id).iterdir())
            assert [p.stem for p in frames] == source and {p.suffix for p in frames} == {'.png'}
        listed = (out / 'checksums' / corruption / f'{severity}.sha256').read_text().splitlines()
        assert len(listed) == 1 + manifest['num_frames']
    assert verify_export(out) == []
    assert main(['verify-c', str(out)]) == 0
    assert 'OK   checksums' in capsys.readouterr().out


def test_second_export_is_byte_identical_and_tampering_is_named(synth, tmp_path, capsys):
    second = tmp_path / 'second'
    _export(synth, second)
    first = synth / 'first'
    assert _files(second) == _files(first)
    match, mismatch, errors = filecmp.cmpfiles(first, second, _files(first), shallow=False)
    assert not mismatch and not errors and len(match) > 100
    assert main(['verify-c', str(first), '--against', str(second)]) == 0
    frame = sorted((second / 'h264' / '4').rglob('*.png'))[3]
    frame.write_bytes(frame.read_bytes() + b'\0')
    (second / 'checksums' / 'brightness' / '1.sha256').write_text('')
    capsys.readouterr()
    assert main(['verify-c', str(second), '--against', str(first)]) == 1
    printed = capsys.readouterr().out
    assert f'{frame}: SHA-256 differs' in printed
    assert 'brightness/1.sha256: does not match its SHA-256' in printed


def test_regenerate_matches(synth, capsys):
    assert main(['verify-c', str(synth / 'first'), '--regenerate', str(synth / 'synth'),
                 '--tmp', str(synth)]) == 0
    assert 'OK   ' + str(synth / 'first') + ' vs a regeneration' in capsys.readouterr().out


def test_killed_export_resumes_to_the_same_bytes(synth, tmp_path, monkeypatch):
    calls = []
    original = export_module._clip_frames

    def dies_on_the_sixth_clip(*args):
        calls.append(args[1].clip_id)
        if len(calls) == 6:  # the second clip of unit 3
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(export_module, '_clip_frames', dies_on_the_sixth_clip)
    with pytest.raises(KeyboardInterrupt):
        _export(synth, tmp_path / 'resumed')
    assert not (tmp_path / 'resumed' / 'manifest.json').exists()
    assert (tmp_path / 'resumed' / 'checksums' / 'gaussian_noise' / '4.json').is_file()
    assert not (tmp_path / 'resumed' / 'brightness').exists()  # unit 3 was unfinished
    calls.clear()
    monkeypatch.setattr(export_module, '_clip_frames', original)
    resumed_clips = []
    monkeypatch.setattr(export_module, '_clip_frames',
                        lambda *a: resumed_clips.append(a[1].clip_id) or original(*a))
    _export(synth, tmp_path / 'resumed')
    # units 1-2 skipped, unit 3 resumed from its second clip, units 4-8 in full
    assert len(resumed_clips) == 1 + 5 * 2
    assert compare_exports(synth / 'first', tmp_path / 'resumed') == []
    assert verify_export(tmp_path / 'resumed') == []
    assert not (tmp_path / 'resumed' / '.partial').exists()


def test_resume_refuses_another_plan_and_out_must_be_new(synth, tmp_path):
    other = tmp_path / 'other.py'
    other.write_text("corruptions = ['contrast']\nseverities = [2]\n")
    with pytest.raises(ValueError, match='holds another export'):
        export_set('synthdfer', synth / 'synth', synth / 'first', other, quiet=True)
    (tmp_path / 'busy').mkdir()
    (tmp_path / 'busy' / 'x.txt').write_text('x')
    with pytest.raises(ValueError, match='not empty and holds no export'):
        export_set('synthdfer', synth / 'synth', tmp_path / 'busy', other, quiet=True)
    assert main(['export-c', '--dataset', 'ferv39k', '--data-root', str(synth / 'synth'),
                 '--fold', '2', '--out', str(tmp_path / 'f'), '--suite', str(other)]) == 2


def _cells(store: Path) -> dict:
    return {tuple(r['key'].values()): r for r in ResultsStore(store).records()}


def _inputs(cache: Path) -> dict:
    """The pipeline outputs (model inputs) of each condition, from a sweep's clip cache."""
    return {json.loads((p / 'index.json').read_text())['condition']: np.load(p / 'clips.npy')
            for p in cache.iterdir()}


def test_sweep_on_the_exported_set_gives_the_on_the_fly_cells(synth, tmp_path):
    root = synth / 'synth'
    spec = ModelRef('tiny', *map(str, make_model(tmp_path / 'models', root, seed=0)))
    suite = synth / 'suite.py'
    run_sweep([spec], suite, tmp_path / 'fly', whole_clip=True, cache_dir=tmp_path / 'c_fly',
              quiet=True)
    run_sweep([spec], suite, tmp_path / 'exported', exported=synth / 'first',
              cache_dir=tmp_path / 'c_exported', quiet=True)
    fly, exported = _cells(tmp_path / 'fly'), _cells(tmp_path / 'exported')
    assert len(fly) == 1 + len(UNITS) and fly.keys() == exported.keys()
    for key, record in fly.items():
        assert exported[key]['metrics'] == record['metrics'], key
        assert exported[key]['predictions'] == record['predictions'], key
    noisy = exported[('tiny', 'tinydfew', '1', 'corruption', 'gaussian_noise', 4, 0)]
    assert noisy['meta']['exported'] == str(synth / 'first' / 'gaussian_noise' / '4')
    assert noisy['meta']['whole_clip'] and 'exported' not in fly[
        ('tiny', 'tinydfew', '1', 'corruption', 'gaussian_noise', 4, 0)]['meta']
    # stronger than the cells: the model inputs are identical, pixel for pixel
    fly_inputs, exported_inputs = _inputs(tmp_path / 'c_fly'), _inputs(tmp_path / 'c_exported')
    assert fly_inputs.keys() == exported_inputs.keys() and len(fly_inputs) == 1 + len(UNITS)
    for condition, inputs in fly_inputs.items():
        assert np.array_equal(exported_inputs[condition], inputs), condition
        if condition.startswith(('gaussian_noise', 'brightness', 'h264')):
            assert not np.array_equal(inputs, fly_inputs['clean']), condition
    # ... and differ from corrupting the sampled frames only (the default sweep): H.264 codes
    # the 4 sampled frames differently from the whole clip (per-clip noise would not differ)
    run_sweep([spec], [dict(name='h264', severity=4)], tmp_path / 'sampled',
              cache_dir=tmp_path / 'c_sampled', quiet=True)
    sampled = _inputs(tmp_path / 'c_sampled')['h264/s4/seed0']
    assert not np.array_equal(sampled, fly_inputs['h264/s4/seed0'])


def test_sweep_refuses_an_export_without_the_condition(synth, tmp_path):
    spec = ModelRef('tiny', *map(str, make_model(tmp_path / 'models', synth / 'synth')))
    with pytest.raises(ValueError, match='has no contrast/s2/seed0'):
        run_sweep([spec], [dict(name='contrast', severity=2)], tmp_path / 'store',
                  exported=synth / 'first', quiet=True)
    assert ExportedSet(synth / 'first').per_frame is False
