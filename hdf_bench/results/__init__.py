"""The results store: the seam every part writes to and the report reads.

One JSON file per cell (:class:`CellKey`: model x dataset/fold x axis x condition x severity x
seed), written atomically (:mod:`hdf_bench.results.io`); :func:`read_frame` is the one reader.
"""
from __future__ import annotations

from hdf_bench.results.io import atomic_write_bytes, atomic_write_text
from hdf_bench.results.store import (
    AXES,
    FRAME_COLUMNS,
    KEY_COLUMNS,
    Axis,
    BadCell,
    CellKey,
    ResultsStore,
    parse_rho,
    read_frame,
    validate_record,
)

__all__ = ['AXES', 'BadCell', 'FRAME_COLUMNS', 'KEY_COLUMNS', 'Axis', 'CellKey', 'ResultsStore',
           'atomic_write_bytes', 'atomic_write_text', 'parse_rho', 'read_frame',
           'validate_record']
