"""SynthDFER generation throughput (frames per second), one process."""
from __future__ import annotations

from hdf_bench.data.synth import SynthConfig, generate_synthdfer
from hdf_bench.data.synth.render import render_clip

FRAMES = 32


def test_bench_render_frames(benchmark):
    """Rendering only (no JPEG, no disk): one 32-frame 112x112 clip per round."""
    benchmark.extra_info['frames'] = FRAMES
    benchmark(render_clip, 0, 0, 0, 0, FRAMES, 112)
    fps = FRAMES / benchmark.stats.stats.mean
    benchmark.extra_info['frames_per_s'] = round(fps, 1)
    print(f'\nSynthDFER render: {fps:.0f} frames/s at 112x112')


def test_bench_generate_frames(benchmark, tmp_path):
    """End to end (render + JPEG + both DFEW frame folders + splits), default 112x112."""
    cfg = SynthConfig(identities=5, clips_per_identity=2, min_frames=16, max_frames=32)
    runs = iter(range(10_000))

    def generate() -> int:
        return generate_synthdfer(tmp_path / f'set{next(runs)}', cfg)['num_frames']

    frames = benchmark.pedantic(generate, rounds=3, iterations=1)
    fps = frames / benchmark.stats.stats.mean
    benchmark.extra_info['frames'] = frames
    benchmark.extra_info['frames_per_s'] = round(fps, 1)
    print(f'\nSynthDFER generate: {fps:.0f} frames/s at 112x112 ({frames} frames per round)')
