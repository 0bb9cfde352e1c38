# HDF on SynthDFER, CPU demo preset (SynthDFER 'demo', uint8 clip cache) for the demo and CI: 4 frames x 48 x 48, short schedule
# (4 epochs, 1 warm-up), SAM still on.
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]

default_hooks = dict(logger=dict(interval=5))
