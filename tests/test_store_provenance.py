"""A store that knows where each number came from (#16): a cell is reused only when its
provenance matches, bad cells are quarantined and recomputed, damaged cache entries are
recomputed."""
from __future__ import annotations

import json
import shutil
import warnings

import cv2
import numpy as np
import pytest
import torch
from test_sweep_support import SUITE, make_model, make_root

from hdf_bench.cli.main import main
from hdf_bench.engine.run import ModelRef
from hdf_bench.report.build import build_report
from hdf_bench.report.spec import load_spec
from hdf_bench.results import BadCell, CellKey, ResultsStore
from hdf_bench.results.provenance import StaleCellError
from hdf_bench.robustness.sweep import run_sweep

torch.set_num_threads(1)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp('prov')
    root = make_root(folder / 'data', clips=10, frames=6)
    config, checkpoint = make_model(folder / 'models', root, seed=0)
    _, other = make_model(folder / 'models', root, seed=1)
    return folder, root, config, checkpoint, other


def _sweep(ref, store, suite=(), **kwargs):
    return run_sweep([ref], list(suite), store, batch_size=4, quiet=True, **kwargs)


def _cells(store) -> dict:
    return {tuple(r['key'].values()): (r['metrics'], r['predictions'])
            for r in ResultsStore(store).records()}


def _clean_preds(store) -> list[int]:
    (record,) = [r for r in ResultsStore(store).records() if r['key']['axis'] == 'clean']
    return record['predictions']['preds']


def test_retrained_checkpoint_under_the_same_name_is_recomputed(tiny, tmp_path):
    _, _, config, checkpoint, other = tiny
    ckpt = tmp_path / 'best.pth'
    shutil.copy(checkpoint, ckpt)
    ref = ModelRef('tiny', str(config), str(ckpt))
    _sweep(ref, tmp_path / 'store')
    old = _clean_preds(tmp_path / 'store')
    shutil.copy(other, ckpt)  # "retrained": same name, same path, other weights
    frame = _sweep(ref, tmp_path / 'store')
    stats = frame.attrs['stats']
    assert len(stats.computed) == 1 and stats.stale == 1 and stats.skipped == 0
    _sweep(ModelRef('tiny', str(config), str(other)), tmp_path / 'fresh')
    new = _clean_preds(tmp_path / 'fresh')
    assert new != old, 'the two checkpoints must predict differently for this test to bite'
    assert _clean_preds(tmp_path / 'store') == new
    again = _sweep(ref, tmp_path / 'store').attrs['stats']  # now fresh: reused
    assert again.skipped == 1 and not again.computed


def test_changed_data_root_with_the_same_layout_is_recomputed(tiny, tmp_path):
    _, root, config, checkpoint, _ = tiny
    other_root = tmp_path / 'data2'
    shutil.copytree(root, other_root)
    for frame in (other_root / 'Clip').rglob('*.jpg'):  # same names, other pixels
        cv2.imwrite(str(frame), 255 - cv2.imread(str(frame)))
    ref = ModelRef('tiny', str(config), str(checkpoint))
    _sweep(ref, tmp_path / 'store')
    old = _clean_preds(tmp_path / 'store')
    stats = _sweep(ref, tmp_path / 'store', data_root=str(other_root)).attrs['stats']
    assert len(stats.computed) == 1 and stats.stale == 1
    _sweep(ref, tmp_path / 'fresh', data_root=str(other_root))
    new = _clean_preds(tmp_path / 'fresh')
    assert new != old
    assert _clean_preds(tmp_path / 'store') == new


def test_on_stale_error_refuses_naming_what_changed(tiny, tmp_path, capsys):
    _, _, config, checkpoint, other = tiny
    ckpt = tmp_path / 'best.pth'
    shutil.copy(checkpoint, ckpt)
    args = ['robustness', '--model', f'tiny={config}:{ckpt}', '--suite', 'none', '--store',
            str(tmp_path / 'store'), '--batch-size', '4', '--num-workers', '0', '--quiet']
    assert main(args + ['--on-stale', 'error']) == 0
    (cell,) = (tmp_path / 'store' / 'cells').glob('*.json')
    before = cell.read_bytes()
    shutil.copy(other, ckpt)
    capsys.readouterr()
    assert main(args + ['--on-stale', 'error']) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert 'tiny clean s0 seed0: checkpoint changed' in err and '--on-stale recompute' in err
    assert cell.read_bytes() == before  # nothing replaced
    with pytest.raises(StaleCellError, match='checkpoint'):
        _sweep(ModelRef('tiny', str(config), str(ckpt)), tmp_path / 'store', on_stale='error')
    assert main(args) == 0  # default: recompute
    assert cell.read_bytes() != before


def test_bad_cells_are_named_skipped_quarantined_and_recomputed(tiny, tmp_path):
    _, _, config, checkpoint, _ = tiny
    ref = ModelRef('tiny', str(config), str(checkpoint))
    store = ResultsStore(tmp_path / 'store')
    _sweep(ref, store, SUITE)
    expected = _cells(store.root)
    assert len(expected) == 3
    paths = {r['key']['condition']: store.path(CellKey(**r['key'])) for r in store.records()}
    clean, noise, bright = paths['clean'], paths['gaussian_noise'], paths['brightness']
    clean_bytes = clean.read_bytes()
    spare = CellKey('other', 'tinydfew', '1', 'clean', 'clean')
    shutil.copy(clean, tmp_path / 'spare.json')
    record = json.loads(clean_bytes)
    record['key'] = dict(record['key'], model='other')
    (tmp_path / 'spare.json').write_text(json.dumps(record))
    clean.write_bytes(np.random.default_rng(0).integers(0, 256, 300, np.uint8).tobytes())
    record = json.loads(noise.read_text())
    del record['metrics']['war']
    noise.write_text(json.dumps(record))
    bright.write_bytes(clean_bytes)  # a cell copied over another

    with pytest.warns(UserWarning, match='skipped results cell'):
        frame = store.frame()
    assert frame.empty
    unusable = '\n'.join(frame.attrs['unusable'])
    assert len(frame.attrs['unusable']) == 3
    assert str(clean) in unusable and 'UTF-8' in unusable
    assert str(noise) in unusable and "'war'" in unusable
    assert str(bright) in unusable and 'copied over another' in unusable
    with pytest.raises(BadCell, match='copied over another'):
        store.get(CellKey('tiny', 'tinydfew', '1', 'corruption', 'brightness', 2, 0))
    shutil.copy(tmp_path / 'spare.json', store.path(spare))  # one good cell left
    with pytest.warns(UserWarning):
        report = build_report(store.root, load_spec(None, sections=('summary',)))
    intro = ' '.join(report.intro)
    assert 'other' in intro and f'({record["provenance"]["checkpoint"][:12]})' in intro
    coverage = '\n'.join(report.missing)
    assert coverage.count('unusable cell skipped') == 3 and str(noise) in coverage
    store.path(spare).unlink()

    with warnings.catch_warnings(record=True):
        warnings.simplefilter('always')
        stats = _sweep(ref, store, SUITE).attrs['stats']
    assert len(stats.computed) == 3 and len(stats.quarantined) == 3
    assert len(list(store.quarantine_dir.glob('*.json'))) == 3
    assert len(list(store.quarantine_dir.glob('*.why'))) == 3
    assert _cells(store.root) == expected
    assert store.frame().attrs['unusable'] == []


def test_damaged_cache_entry_is_detected_and_recomputed(tiny, tmp_path):
    _, _, config, checkpoint, _ = tiny
    ref = ModelRef('tiny', str(config), str(checkpoint))
    cache = tmp_path / 'cache'
    _sweep(ref, tmp_path / 'first', SUITE, cache_dir=cache)
    expected = _cells(tmp_path / 'first')
    entries = sorted(cache.glob('*/clips.npy'))
    assert len(entries) == 3
    for clips in entries:  # same-size damage: invert the pixels after the .npy header
        data = bytearray(clips.read_bytes())
        header = len(data) - int(np.load(clips, mmap_mode='r').nbytes)
        data[header:] = bytes(255 - b for b in data[header:])
        clips.write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        stats = _sweep(ref, tmp_path / 'second', SUITE, cache_dir=cache).attrs['stats']
    assert stats.cache_damaged == 3 and stats.cache_hits == 0 and stats.cache_misses == 3
    assert any('checksum' in str(w.message) for w in caught)
    assert _cells(tmp_path / 'second') == expected
    third = _sweep(ref, tmp_path / 'third', SUITE, cache_dir=cache).attrs['stats']
    assert third.cache_hits == 3 and third.cache_damaged == 0
