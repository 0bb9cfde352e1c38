"""Corruptions for DFER clips (appearance/style shifts, temporal corruptions, face shifts).

``corrupt(clip, name, severity, seed=0, clip_id='', per_frame=False)`` is the entry point;
``CORRUPTIONS`` maps names to functions and ``GROUPS`` groups them. ``Corrupt`` /
``TemporalCorrupt`` / ``CorruptWholeClip`` are the registered mmaction2 transforms;
``load_suite`` reads a suite file.
"""
from hdf_bench.corruptions.api import (
    APPEARANCE,
    CORRUPTIONS,
    DETERMINISTIC,
    FACE_NAMES,
    GROUPS,
    SEVERITIES,
    TEMPORAL_NAMES,
    as_clip,
    corrupt,
    derive_seed,
    group_of,
)
from hdf_bench.corruptions.suite import Suite, load_suite, suite_names
from hdf_bench.corruptions.transforms import Corrupt, TemporalCorrupt
from hdf_bench.corruptions.whole_clip import CorruptWholeClip

__all__ = [
    'APPEARANCE', 'CORRUPTIONS', 'DETERMINISTIC', 'FACE_NAMES', 'GROUPS', 'SEVERITIES', 'TEMPORAL_NAMES',
    'Corrupt', 'CorruptWholeClip', 'Suite', 'TemporalCorrupt', 'as_clip', 'corrupt', 'derive_seed', 'group_of',
    'load_suite', 'suite_names',
]
