"""The sweep through its Python API: cells written, clean reused, cache hits identical."""
from __future__ import annotations

import json

import pytest
import torch
from test_sweep_support import SUITE, make_model, make_root

from hdf_bench.engine.run import ModelRef
from hdf_bench.results import ResultsStore
from hdf_bench.robustness.cache import ClipCache
from hdf_bench.robustness.sweep import Condition, run_sweep, summarize

torch.set_num_threads(1)
CONDITIONS = [Condition(**entry) for entry in SUITE]


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp('sweep')
    root = make_root(folder / 'data')
    a = ModelRef('a', *map(str, make_model(folder / 'models', root, seed=0)))
    b = ModelRef('b', *map(str, make_model(folder / 'models', root, seed=1)))
    return folder, a, b


def _cells(store: ResultsStore) -> dict:
    return {tuple(r['key'].values()): r for r in store.records()}


def test_sweep_writes_clean_and_corruption_cells(tiny, tmp_path):
    _, a, _ = tiny
    frame = run_sweep([a], CONDITIONS, tmp_path / 'store', quiet=True)
    cells = _cells(ResultsStore(tmp_path / 'store'))
    assert set(cells) == {
        ('a', 'tinydfew', '1', 'clean', 'clean', 0, 0),
        ('a', 'tinydfew', '1', 'corruption', 'gaussian_noise', 3, 0),
        ('a', 'tinydfew', '1', 'corruption', 'brightness', 2, 0)}
    record = cells[('a', 'tinydfew', '1', 'corruption', 'gaussian_noise', 3, 0)]
    assert record['predictions']['sample_ids'] == [f'{n:05d}' for n in range(1, 11)]
    assert record['predictions']['labels'] == [(n - 1) % 7 for n in range(1, 11)]
    assert len(record['predictions']['preds']) == 10
    assert record['meta']['group'] == 'noise' and record['meta']['cache'] == 'off'
    assert record['meta']['checkpoint'] == a.checkpoint and record['meta']['clips_per_s'] > 0
    assert record['metrics']['num_samples'] == 10
    assert len(frame) == 3
    summary = summarize(frame)
    assert list(summary['model']) == ['a'] and summary['cells'].item() == 2


def test_clean_is_evaluated_once_and_finished_cells_are_skipped(tiny, tmp_path):
    _, a, _ = tiny
    first = run_sweep([a], CONDITIONS[:1], tmp_path / 'store', quiet=True).attrs['stats']
    assert [k.condition for k in first.computed] == ['clean', 'gaussian_noise']
    clean_file = ResultsStore(tmp_path / 'store').path(first.computed[0])
    mtime = clean_file.stat().st_mtime_ns
    second = run_sweep([a], CONDITIONS, tmp_path / 'store', quiet=True).attrs['stats']
    assert [k.condition for k in second.computed] == ['brightness']
    assert second.skipped == 2 and clean_file.stat().st_mtime_ns == mtime


def test_warm_cache_gives_the_cold_predictions_and_is_shared_by_models(tiny, tmp_path):
    _, a, b = tiny
    run_sweep([a, b], CONDITIONS, tmp_path / 'plain', quiet=True)
    plain = _cells(ResultsStore(tmp_path / 'plain'))
    cold = run_sweep([a, b], CONDITIONS, tmp_path / 'cold', cache_dir=tmp_path / 'cache',
                     quiet=True).attrs['stats']
    # one entry per condition (clean included), written by model a and read by model b
    assert cold.cache_misses == 3 and cold.cache_hits == 3
    warm = run_sweep([a, b], CONDITIONS, tmp_path / 'warm', cache_dir=tmp_path / 'cache',
                     quiet=True).attrs['stats']
    assert warm.cache_misses == 0 and warm.cache_hits == 6
    for name in ('cold', 'warm'):
        cells = _cells(ResultsStore(tmp_path / name))
        assert cells.keys() == plain.keys()
        for key, record in cells.items():
            assert record['predictions'] == plain[key]['predictions'], (name, key)
            assert record['metrics'] == plain[key]['metrics']
    entries = sorted((tmp_path / 'cache').iterdir())
    assert len(entries) == 3
    index = json.loads((entries[0] / 'index.json').read_text())
    cached = ClipCache(tmp_path / 'cache').load(entries[0].name)
    assert cached.inputs.dtype.name == 'uint8' and cached.inputs.shape == (10, 1, 3, 4, 32, 32)
    assert index['clip_ids'] == [f'{n:05d}' for n in range(1, 11)]


def test_another_input_size_does_not_reuse_the_cache(tiny, tmp_path):
    folder, a, _ = tiny
    config, checkpoint = make_model(folder / 'models48', folder / 'data', size=48)
    big = ModelRef('big', str(config), str(checkpoint))
    run_sweep([a], CONDITIONS[:1], tmp_path / 'store', cache_dir=tmp_path / 'cache', quiet=True)
    stats = run_sweep([big], CONDITIONS[:1], tmp_path / 'store', cache_dir=tmp_path / 'cache',
                      quiet=True).attrs['stats']
    assert stats.cache_hits == 0 and stats.cache_misses == 2
    shapes = {ClipCache(tmp_path / 'cache').load(p.name).inputs.shape[-1]
              for p in (tmp_path / 'cache').iterdir()}
    assert shapes == {32, 48}


def test_zoo_model_on_synthdfer(synth_root, tmp_path):
    """The HDF zoo config on the SynthDFER fixture, found by name in a run folder."""
    from hdf_bench import zoo
    from hdf_bench.engine.training import ref_from_run_folder

    model = zoo.build_model('hdf')
    (tmp_path / 'runs' / 'hdf').mkdir(parents=True)
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'runs' / 'hdf' / 'epoch_1.pth')
    spec = ref_from_run_folder('hdf', tmp_path / 'runs')
    frame = run_sweep([spec], CONDITIONS, tmp_path / 'store', cache_dir=tmp_path / 'cache',
                      data_root=str(synth_root), fold='1', batch_size=4, quiet=True)
    assert sorted(frame['condition']) == ['brightness', 'clean', 'gaussian_noise']
    assert set(frame['dataset']) == {'synthdfer'} and set(frame['fold']) == {'1'}
    record = next(ResultsStore(tmp_path / 'store').records())
    assert record['meta']['config'].endswith('configs/hdf/hdf_x3d_s_synthdfer_cpu.py')
    entry = next((tmp_path / 'cache').iterdir())
    assert ClipCache(tmp_path / 'cache').load(entry.name).inputs.shape[1:] == (1, 3, 8, 64, 64)


def test_fast_inference_options_keep_predictions_and_are_recorded(tiny, tmp_path):
    _, a, _ = tiny
    eager = run_sweep([a], CONDITIONS[:1], tmp_path / 'eager', quiet=True)
    fast = run_sweep([a], CONDITIONS[:1], tmp_path / 'fast', quiet=True,
                     infer_cfg=dict(channels_last=True))
    records = {r['key']['condition']: r for r in ResultsStore(tmp_path / 'fast').records()}
    assert records['clean']['meta']['infer_cfg'] == {'channels_last': True}
    eager_preds = {r['key']['condition']: r['predictions']['preds']
                   for r in ResultsStore(tmp_path / 'eager').records()}
    assert {c: r['predictions']['preds'] for c, r in records.items()} == eager_preds
    assert list(eager['war']) == list(fast['war'])
