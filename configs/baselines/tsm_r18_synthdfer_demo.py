# TSM on a 2D ResNet-18.
# Demo recipe: the CPU demo preset (SynthDFER 'demo', uint8 clip cache), 4 frames x 48 x 48,
# the same schedule and steps as the demo's models (the zoo table at the demo budget).
_base_ = [
    '../_base_/models/tsm_r18.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]

# the temporal shift works on the frames of one clip (4 here)
model = dict(
    backbone=dict(num_segments={{_base_.clip_len}}),
    cls_head=dict(num_segments={{_base_.clip_len}}))
