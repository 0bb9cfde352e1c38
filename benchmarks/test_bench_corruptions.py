"""Throughput of every corruption on one 16x112x112 clip at severity 3.

Run: ``pytest benchmarks/test_bench_corruptions.py --benchmark-only``; clips/s = 1 / mean.
"""
import pytest

from hdf_bench.corruptions import CORRUPTIONS, corrupt
from hdf_bench.corruptions.testing import make_test_clip

CLIP = make_test_clip(frames=16, size=112)


@pytest.mark.parametrize('name', list(CORRUPTIONS))
def test_corruption_throughput(benchmark, name):
    benchmark.group = 'corruptions 16x112x112 severity 3'
    benchmark.extra_info['clip'] = list(CLIP.shape)
    out = benchmark.pedantic(corrupt, args=(CLIP, name, 3), kwargs={'clip_id': 'bench'},
                             rounds=15, iterations=1, warmup_rounds=2)
    benchmark.extra_info['clips_per_s'] = 1.0 / benchmark.stats.stats.mean
    assert out.shape == CLIP.shape
