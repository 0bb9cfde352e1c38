"""Sweep throughput: corrupted evaluation from a warm cache vs clean evaluation through the
normal JPEG pipeline (decode + resize, no cache), same model, same data, one run.

Run: ``pytest benchmarks/test_bench_sweep.py --benchmark-only -s``; the ratio (goal >= 0.8) is
printed and kept in the benchmark JSON's ``extra_info``. Model: the ``hdf`` zoo config
(X3D-S + DAM, 8 x 64 x 64; random weights: speed does not depend on them) on a generated
SynthDFER test fold, batch 8, no loader workers, one torch thread.
"""
from __future__ import annotations

import time

import pytest
import torch

from hdf_bench.engine.run import ModelRef, Run
from hdf_bench.robustness.cache import ClipCache
from hdf_bench.robustness.progress import Progress
from hdf_bench.robustness.sweep import (
    CLEAN,
    Condition,
    SweepStats,
    evaluate_condition,
    prepare_target,
)

BATCH = 8
CORRUPTION = Condition('gaussian_noise', 3, 0, 'noise')


@pytest.fixture(scope='module')
def target(tmp_path_factory):
    from hdf_bench import zoo
    from hdf_bench.data.synth import SynthConfig, generate_synthdfer

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp('bench_sweep')
    root = folder / 'synthdfer'
    generate_synthdfer(root, SynthConfig(identities=20, clips_per_identity=10, size=64,
                                         min_frames=10, max_frames=20, seed=0))
    torch.save(dict(state_dict=zoo.build_model('hdf').state_dict()), folder / 'hdf.pth')
    spec = ModelRef('hdf', str(zoo.get('hdf').config_path()), str(folder / 'hdf.pth'))
    return prepare_target(Run.load(spec, str(root), '1'), 'cpu'), folder / 'cache'


def _clips_per_s(target, condition, cache) -> float:
    start = time.perf_counter()
    preds, state = evaluate_condition(target, condition, cache, BATCH, 0,
                                      Progress(0, quiet=True), SweepStats())
    assert state == ('hit' if cache is not None else 'off')
    return len(preds) / (time.perf_counter() - start)


def test_warm_cache_corrupted_vs_clean_jpeg(benchmark, target):
    target, cache_dir = target
    cache = ClipCache(cache_dir)
    evaluate_condition(target, CORRUPTION, cache, BATCH, 0, Progress(0, quiet=True),
                       SweepStats())  # fill the cache (cold, not timed)
    _clips_per_s(target, CLEAN, None)  # warm-up of the model and the page cache
    clean = [_clips_per_s(target, CLEAN, None) for _ in range(3)]
    benchmark.group = 'sweep throughput (hdf, 8x64x64, batch 8, CPU)'
    benchmark.pedantic(evaluate_condition, args=(target, CORRUPTION, cache, BATCH, 0,
                                                 Progress(0, quiet=True), SweepStats()),
                       rounds=3, iterations=1, warmup_rounds=1)
    clips = len(target.clip_ids)
    warm = clips / benchmark.stats.stats.mean
    clean_best = max(clean)
    benchmark.extra_info.update(clips=clips, warm_corrupted_clips_per_s=warm,
                                clean_jpeg_clips_per_s=clean_best, ratio=warm / clean_best)
    print(f'\n{clips} clips: warm-cache corrupted {warm:.1f} clips/s, clean JPEG pipeline '
          f'{clean_best:.1f} clips/s, ratio {warm / clean_best:.2f} (goal >= 0.8)')
