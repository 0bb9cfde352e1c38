"""Latency from pytest-benchmark JSON: each benchmark names its model in
``extra_info['model']`` (the schema is in docs/CONTRACTS.md)."""
from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import pandas as pd

COLUMNS = ['model', 'benchmark', 'group', 'mean_ms', 'median_ms', 'stddev_ms', 'ops', 'rounds']


def read_latency(path: str | Path, models: Collection[str]) -> pd.DataFrame:
    """One row per benchmark naming a model: latency statistics in milliseconds.

    Args:
        path: pytest-benchmark JSON (``--benchmark-json``).
        models: model names in the store; a benchmark whose ``extra_info['model']`` is not
            one of them (or is absent) is left out.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'latency file {path} does not exist')
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f'latency file {path} is not valid JSON: {err}') from err
    rows = []
    for bench in data.get('benchmarks', []):
        info = bench.get('extra_info') or {}
        # only whole-model eager forwards: not DAM / DSM / pipeline parts or fast-path variants
        if info.get('kind', 'model') != 'model' or info.get('variant', 'eager') != 'eager':
            continue
        model = info.get('model')
        stats = bench.get('stats') or {}
        if model not in models or 'mean' not in stats:
            continue
        rows.append(dict(model=model, benchmark=bench.get('name', ''),
                         group=bench.get('group') or '',
                         mean_ms=1e3 * float(stats['mean']),
                         median_ms=1e3 * float(stats.get('median', stats['mean'])),
                         stddev_ms=1e3 * float(stats.get('stddev', float('nan'))),
                         ops=float(stats.get('ops', float('nan'))),
                         rounds=int(stats.get('rounds', 0))))
    return pd.DataFrame(rows, columns=COLUMNS)
