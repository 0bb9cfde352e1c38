"""Latency from pytest-benchmark JSON, matched leniently to model names."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

COLUMNS = ['model', 'benchmark', 'group', 'mean_ms', 'median_ms', 'stddev_ms', 'ops', 'rounds']


def _model_of(bench: dict, models: Sequence[str]) -> str | None:
    extra = bench.get('extra_info') or {}
    params = bench.get('params') or {}
    for source in (extra, params):
        for key in ('model', 'model_name', 'name', 'arch'):
            if isinstance(source.get(key), str):
                return source[key]
    values = [str(v) for v in params.values()]
    text = ' '.join([bench.get('name', ''), bench.get('fullname', ''), *values])
    # the longest model name found in the text wins (x3d_s_dam before x3d_s)
    hits = [m for m in models if m in text]
    return max(hits, key=len) if hits else None


def read_latency(path: str | Path, models: Sequence[str]) -> pd.DataFrame:
    """One row per benchmark naming a model: latency statistics in milliseconds.

    Args:
        path: pytest-benchmark JSON (``--benchmark-json``).
        models: model names in the store, used to recognise a model in a benchmark's name or
            params when ``extra_info['model']`` is absent.
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
        model = _model_of(bench, models)
        stats = bench.get('stats') or {}
        if model is None or 'mean' not in stats:
            continue
        rows.append(dict(model=model, benchmark=bench.get('name', ''),
                         group=bench.get('group') or '',
                         mean_ms=1e3 * float(stats['mean']),
                         median_ms=1e3 * float(stats.get('median', stats['mean'])),
                         stddev_ms=1e3 * float(stats.get('stddev', float('nan'))),
                         ops=float(stats.get('ops', float('nan'))),
                         rounds=int(stats.get('rounds', 0))))
    return pd.DataFrame(rows, columns=COLUMNS)
