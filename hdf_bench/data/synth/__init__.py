"""SynthDFER: procedural face videos of the 7 basic emotions, written in DFEW's layout."""
from hdf_bench.data.synth.render import render_clip
from hdf_bench.data.synth.writer import (
                                         MANIFEST,
                                         SynthConfig,
                                         class_counts,
                                         generate_synthdfer,
                                         plan_dataset,
)

__all__ = ['MANIFEST', 'SynthConfig', 'class_counts', 'generate_synthdfer', 'plan_dataset',
           'render_clip']
