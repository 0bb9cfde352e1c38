#!/usr/bin/env python
"""Training throughput on CPU: runner path vs bare PyTorch loop, 1 and 2 threads, as a table.

Two sources:

- ``--json FILE``: a pytest-benchmark JSON with the ``train_step`` benchmarks
  (``pytest benchmarks/test_bench_training.py --benchmark-only --benchmark-json=FILE``);
  clips/s from each benchmark's minimum, benchmarks timed one after another.
- ``--measure``: time both paths round-robin in this process (runner, bare, runner, bare, ...)
  and report the median of the per-round ratio: the figure to quote on a shared machine.

    python scripts/train_throughput.py --measure --threads 1,2 --repeats 5
    python scripts/train_throughput.py --json work_dirs/bench_train.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HEADER = ('| model | threads | batch | runner clips/s | bare clips/s | runner overhead |\n'
          '| --- | --- | --- | --- | --- | --- |')


def row(model: str, threads: int, batch: int, runner_s: float, bare_s: float,
        overhead: float) -> str:
    """One table row; ``overhead`` = runner time / bare time - 1."""
    return (f'| {model} | {threads} | {batch} | {batch / runner_s:.2f} | {batch / bare_s:.2f} | '
            f'{100 * overhead:+.1f} % |')


def from_json(path: str) -> list[str]:
    """Rows from a pytest-benchmark JSON (minimum time of each benchmark)."""
    found: dict[tuple, dict[str, float]] = {}
    batches = {}
    for bench in json.loads(Path(path).read_text())['benchmarks']:
        info = bench.get('extra_info', {})
        if info.get('kind') != 'train_step':
            continue
        key = (info['model'], info.get('threads'))
        found.setdefault(key, {})[info['variant']] = bench['stats']['min']
        batches[key] = info['batch']
    rows = []
    for (model, threads), paths in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if {'runner', 'bare'} <= set(paths):
            runner_s, bare_s = paths['runner'], paths['bare']
            rows.append(row(model, threads, batches[(model, threads)], runner_s, bare_s,
                            runner_s / bare_s - 1))
    return rows


def measure(models: list[str], threads: list[int], batch: int | None, repeats: int) -> list[str]:
    """Rows timed here: runner and bare round-robin, per-round ratio median as the overhead."""
    import torch

    from hdf_bench import zoo
    from hdf_bench.engine.latency import summarize, time_interleaved, zoo_input_shape
    from hdf_bench.engine.train_speed import (
        bare_step,
        is_sam,
        packed_batch,
        runner_for,
        runner_step,
        train_config,
    )

    built = {}
    work = Path(tempfile.mkdtemp(prefix='train_throughput_'))
    for name in models:
        _, model, wrapper = runner_for(train_config(name, work / name))
        size = batch or zoo.load_config(name).train_dataloader.batch_size
        data = packed_batch(size, zoo_input_shape(name))
        built[name] = size, dict(
            runner=runner_step(model, wrapper, data),
            bare=bare_step(model, wrapper.optimizer, data,
                           sam_rho=wrapper.rho if is_sam(wrapper) else None))
    rows = []
    for count in threads:
        torch.set_num_threads(count)
        for name, (size, fns) in built.items():
            stats = summarize(time_interleaved(fns, repeats=repeats, warmup=1), 'bare')
            rows.append(row(name, count, size, stats['runner']['median_s'],
                            stats['bare']['median_s'], stats['runner']['ratio_paired'] - 1))
            print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--json', help='pytest-benchmark JSON with train_step benchmarks')
    source.add_argument('--measure', action='store_true', help='time here, interleaved')
    parser.add_argument('--models', default='x3d_s,hdf_no_sam,hdf', help='zoo names')
    parser.add_argument('--threads', default='1,2', help='comma-separated thread counts')
    parser.add_argument('--batch', type=int, help="batch (default: each CPU config's)")
    parser.add_argument('--repeats', type=int, default=5, help='timed rounds (--measure)')
    args = parser.parse_args(argv)
    if args.json:
        rows = from_json(args.json)
        if not rows:
            print(f'no train_step benchmark pairs (runner + bare) in {args.json}',
                  file=sys.stderr)
            return 1
    else:
        rows = measure(args.models.split(','), [int(t) for t in args.threads.split(',')],
                       args.batch, args.repeats)
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print(f'\n(load average {load:.1f} on {os.cpu_count()} cores; overhead = runner time / '
          'bare time - 1' + (', median of per-round ratios)' if args.measure else ')'))
    print(HEADER)
    print('\n'.join(rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
