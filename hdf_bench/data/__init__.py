"""Data: the canonical class list, the SynthDFER generator and the DFEW/FERV39k/MAFW readers.

Importing this package registers ``DFEWDataset``, ``FERV39kDataset`` and ``MAFWDataset``
into mmaction2's ``DATASETS`` registry, and the test-time sampler ``SegmentCentreSample`` and
``CachedRawFrameDecode`` into its ``TRANSFORMS``.
"""
from hdf_bench.data.classes import CLASSES, MAFW_CLASSES, NUM_CLASSES, class_index
from hdf_bench.data.clip_cache import CachedRawFrameDecode
from hdf_bench.data.dfew import DFEWDataset
from hdf_bench.data.ferv39k import FERV39kDataset
from hdf_bench.data.frames import FrameFolderError, FrameRun, scan_frames
from hdf_bench.data.mafw import MAFWDataset
from hdf_bench.data.sampling import SegmentCentreSample, segment_centres

__all__ = [
    'CachedRawFrameDecode', 'CLASSES', 'MAFW_CLASSES', 'NUM_CLASSES', 'class_index',
    'DFEWDataset', 'FERV39kDataset', 'MAFWDataset', 'FrameFolderError', 'FrameRun', 'scan_frames',
    'SegmentCentreSample', 'segment_centres',
]
