# X3D-S (HDF's backbone) with a plain cross-entropy head on SynthDFER, CPU demo preset (SynthDFER 'demo', uint8 clip cache): 4 frames x 48 x 48, the short AdamW schedule
# (HDF's optimiser family, no SAM).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]
