"""Corrupted test sets as files (DFEW-C, FERV39k-C, MAFW-C, SynthDFER-C).

``export_set`` writes the corrupted test split of a data set copy in the data set's own layout
(``hdf-bench export-c``); ``verify_export`` / ``compare_exports`` / ``regenerate_and_compare``
check one (``hdf-bench verify-c``); ``ExportedSet`` reads its manifest (the sweep's
``exported=`` option evaluates on it).
"""
from hdf_bench.corrupted_sets.export import export_set
from hdf_bench.corrupted_sets.layouts import DATASETS, read_test_split
from hdf_bench.corrupted_sets.manifest import ExportedSet
from hdf_bench.corrupted_sets.verify import (
    compare_exports,
    regenerate_and_compare,
    verify_export,
)

__all__ = ['DATASETS', 'ExportedSet', 'compare_exports', 'export_set', 'read_test_split',
           'regenerate_and_compare', 'verify_export']
