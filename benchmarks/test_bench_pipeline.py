"""The test data pipeline per clip: sample frames, decode JPEGs, resize, format, pack.

A small SynthDFER (DFEW layout) is generated once per session at the frame size each preset
expects (64 px for the CPU preset, 112 px for the paper one); one round = one clip through
``DFEWDataset.__getitem__`` with the preset's ``test_pipeline``.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hdf_bench.resources import shipped_file

PRESETS = {'cpu': ('configs/_base_/datasets/synthdfer_cpu.py', 64),
           'paper': ('configs/_base_/datasets/synthdfer.py', 112)}


@pytest.fixture(scope='session')
def synth_roots(tmp_path_factory) -> dict[int, Path]:
    """frame size -> root of a tiny SynthDFER (generated lazily, once per size)."""
    roots: dict[int, Path] = {}

    def get(size: int) -> Path:
        if size not in roots:
            from hdf_bench.data.synth import SynthConfig, generate_synthdfer

            root = tmp_path_factory.mktemp(f'synthdfer{size}') / 'synthdfer'
            generate_synthdfer(root, SynthConfig(identities=5, clips_per_identity=2, size=size,
                                                 min_frames=12, max_frames=30, seed=0))
            roots[size] = root
        return roots[size]

    return get


@pytest.mark.parametrize('preset', ['cpu', 'paper'])
def test_test_pipeline_per_clip(bench_run, benchmark, synth_roots, preset):
    """One clip through the preset's test pipeline (RawFrameDecode of JPEG frames)."""
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401  (registers DFEWDataset)

    config, size = PRESETS[preset]
    cfg = Config.fromfile(str(shipped_file(config)))
    init_default_scope('mmaction')
    dataset = DATASETS.build(dict(type='DFEWDataset', data_root=str(synth_roots(size)), fold=1,
                                  split='test', pipeline=cfg.test_pipeline, test_mode=True))
    if len(dataset) == 0:
        pytest.skip('the generated SynthDFER has no test clip in fold 1')
    order = itertools.cycle(range(len(dataset)))
    sample = dataset[0]
    shape = list(sample['inputs'].shape)
    benchmark.group = 'pipeline-per-clip'
    bench_run(lambda: dataset[next(order)], 'cpu', rounds=max(10, len(dataset)), warmup=1,
              model='test_pipeline', batch=1, dtype='uint8', input_shape=shape, params=0,
              preset=preset, frame_size=size, clips=len(dataset), kind='pipeline')
