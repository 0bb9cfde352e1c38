"""Clips per second of a config's train dataloader with JPEG decoding vs the uint8 clip cache.

Both loaders are built from the same config in one process (one torch thread, the config's
``num_workers``); the cached one uses ``CachedRawFrameDecode`` with a warm cache (one pass
fills it first). Rounds alternate (plain, cached, plain, ...) so load on a shared machine hits
both alike; the median clips/s of each is printed.

Usage::

    python scripts/clip_cache_speed.py --data-root data/synthdfer_demo [--batches 20] \\
        [--rounds 3] [--config configs/baselines/x3d_s_synthdfer_demo.py]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--config', default='configs/baselines/x3d_s_synthdfer_demo.py')
    parser.add_argument('--batches', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    import hdf_bench  # noqa: F401
    from hdf_bench.engine.cfg import with_data

    init_default_scope('mmaction')
    cfg = with_data(Config.fromfile(args.config), args.data_root)
    cache = tempfile.mkdtemp(prefix='clip_cache_speed-')
    loaders = {}
    for name, decode in (('jpeg', dict(type='RawFrameDecode')),
                         ('cache', dict(type='CachedRawFrameDecode', cache_dir=cache))):
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        pipeline = loader_cfg.dataset.pipeline
        index = next(i for i, s in enumerate(pipeline) if 'FrameDecode' in s['type'])
        pipeline[index] = decode
        loaders[name] = Runner.build_dataloader(loader_cfg, seed=0)
    for _ in loaders['cache']:  # fill the cache once
        pass
    rates: dict[str, list[float]] = {name: [] for name in loaders}
    for _ in range(args.rounds):
        for name, loader in loaders.items():
            it = iter(loader)
            clips, start = 0, time.perf_counter()
            for _ in range(args.batches):
                batch = next(it)
                clips += len(batch['inputs'])
            rates[name].append(clips / (time.perf_counter() - start))
    for name, values in rates.items():
        print(f'{name}: median {statistics.median(values):.1f} clips/s '
              f'(rounds: {", ".join(f"{v:.1f}" for v in values)})')
    print(f'speed-up: {statistics.median(rates["cache"]) / statistics.median(rates["jpeg"]):.2f}x')
    decode_only(loaders['jpeg'].dataset, cache, args.rounds)


def decode_only(dataset, cache: str, rounds: int) -> None:
    """Milliseconds per clip of the decode step alone: JPEG, cache folder, cache in memory."""
    from mmaction.registry import TRANSFORMS

    infos = [dataset.get_data_info(i) for i in range(min(len(dataset), 200))]
    sample = TRANSFORMS.build(dict(type='UniformSample', clip_len=8, test_mode=True))
    infos = [sample(dict(info)) for info in infos]
    steps = {'jpeg': TRANSFORMS.build(dict(type='RawFrameDecode')),
             'cache folder': TRANSFORMS.build(dict(type='CachedRawFrameDecode', cache_dir=cache)),
             'cache memory': TRANSFORMS.build(dict(type='CachedRawFrameDecode',
                                                   cache_dir='memory'))}
    for info in infos:  # warm both caches
        steps['cache memory'](dict(info))
        steps['cache folder'](dict(info))
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for info in infos:
                step(dict(info))
            times[name].append(1000 * (time.perf_counter() - start) / len(infos))
    for name, values in times.items():
        print(f'decode only, {name}: median {statistics.median(values):.2f} ms per 8-frame clip')


if __name__ == '__main__':
    main()
