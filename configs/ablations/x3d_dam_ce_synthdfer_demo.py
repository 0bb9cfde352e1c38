# Ablation: X3D-S + DAM after each stage, cross-entropy only (no DSM); SAM on.
# Demo recipe: the CPU demo preset (SynthDFER 'demo', uint8 clip cache), 4 frames x 48 x 48,
# the same schedule and steps as the demo's models (the zoo table at the demo budget).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]

# the HDF recognizer runs the two SAM passes; the head stays plain CE
model = dict(
    type='HDF',
    backbone=dict(type='X3DDAM', dam_stages=(0, 1, 2, 3), dam_cfg=dict(branches='both')))
model_wrapper_cfg = dict(type='SAMDistributedDataParallel')  # SAM on several GPUs
