# static frames: 2D ResNet-18 per frame, scores averaged on SynthDFER, CPU demo preset (SynthDFER 'demo', uint8 clip cache): 4 frames x 48 x 48, the short AdamW schedule
# (HDF's optimiser family, no SAM).
_base_ = [
    '../_base_/models/static_r18.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]
