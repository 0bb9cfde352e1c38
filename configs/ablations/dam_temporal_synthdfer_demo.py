# Ablation: HDF with the temporal DAM branch only.
# Demo recipe: the CPU demo preset (SynthDFER 'demo', uint8 clip cache), 4 frames x 48 x 48,
# the same schedule and steps as the demo's models (the zoo table at the demo budget).
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]

model = dict(backbone=dict(dam_cfg=dict(branches='temporal')))
