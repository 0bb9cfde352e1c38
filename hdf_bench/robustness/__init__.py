"""Robustness evaluation: the corruption sweep (it writes :mod:`hdf_bench.results`).

``from hdf_bench.robustness import run_sweep`` is the Python entry point of
``hdf-bench robustness``; names load lazily.
"""
from __future__ import annotations

_LAZY = {
    'run_sweep': 'hdf_bench.robustness.sweep',
    'summarize': 'hdf_bench.robustness.sweep',
    'format_summary': 'hdf_bench.robustness.sweep',
    'Condition': 'hdf_bench.robustness.sweep',
    'suite_conditions': 'hdf_bench.robustness.sweep',
    'ClipCache': 'hdf_bench.robustness.cache',
}

__all__ = [*_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
