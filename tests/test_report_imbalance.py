"""Imbalance helpers: frequency-rank groups, rho parsing, latency parsing."""
from __future__ import annotations

import json

import pytest

from hdf_bench.report.latency import read_latency
from hdf_bench.report.sections.imbalance_tables import frequency_rank_groups
from hdf_bench.results import parse_rho

CLASSES = ['happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust', 'fear']


def test_frequency_rank_groups_2_3_2():
    counts = [50, 400, 300, 20, 100, 10, 200]
    groups = frequency_rank_groups(counts, CLASSES)
    assert groups == {'head': ['sad', 'neutral'], 'medium': ['fear', 'surprise', 'happy'],
                      'tail': ['angry', 'disgust']}
    by_name = frequency_rank_groups(dict(zip(CLASSES, counts, strict=True)), CLASSES)
    assert by_name == groups


def test_parse_rho():
    assert parse_rho('exp_rho10', {}) == 10
    assert parse_rho('step_rho_50', {}) == 50
    assert parse_rho('whatever', {'rho': 7}) == 7
    assert parse_rho('balanced', {}) != parse_rho('balanced', {})  # NaN


def test_read_latency_reads_extra_info_model(tmp_path):
    data = {'benchmarks': [
        {'name': 'test_latency[x3d_s]', 'extra_info': {'model': 'x3d_s'},
         'stats': {'mean': 0.010, 'median': 0.009, 'stddev': 0.001, 'ops': 100, 'rounds': 5}},
        {'name': 'test_forward_hdf_cpu', 'extra_info': {'model': 'hdf'}, 'stats': {'mean': 0.02}},
        {'name': 'test_other', 'extra_info': {'model': 'm3dfel'}, 'stats': {'mean': 0.03}},
        {'name': 'test_latency[hdf]', 'params': {'model': 'hdf'}, 'stats': {'mean': 0.05}},
        {'name': 'test_unrelated', 'extra_info': {'model': 'r3d18'}, 'stats': {'mean': 0.04}},
    ]}
    path = tmp_path / 'bench.json'
    path.write_text(json.dumps(data))
    frame = read_latency(path, ['x3d_s', 'hdf', 'm3dfel'])
    assert list(frame['model']) == ['x3d_s', 'hdf', 'm3dfel']  # no extra_info model: left out
    assert frame['median_ms'].tolist() == pytest.approx([9.0, 20.0, 30.0])


def test_groups_from_meta_then_corruptions_package(tmp_path):
    from hdf_bench.results import CellKey, ResultsStore, read_frame

    store = ResultsStore(tmp_path)
    metrics = dict(war=0.5, uar=0.5, per_class_recall=[0.5] * 7)
    for name, meta in (('gaussian_noise', None), ('no_such_corruption', None),
                       ('frame_drop', {'group': 'mine'})):
        store.put(CellKey('m', 'd', '1', 'corruption', name, 1), metrics, meta=meta)
    groups = dict(zip(*read_frame(store)[['condition', 'group']].to_numpy().T, strict=True))
    assert groups['frame_drop'] == 'mine'
    assert groups['no_such_corruption'] == 'other'
    assert groups['gaussian_noise'] in ('noise', 'other')  # 'other' if the package lacks it
