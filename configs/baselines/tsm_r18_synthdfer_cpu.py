# TSM on a 2D ResNet-18 on SynthDFER, CPU preset: 8 frames x 64 x 64, the short AdamW schedule
# (HDF's optimiser family, no SAM).
_base_ = [
    '../_base_/models/tsm_r18.py', '../_base_/datasets/synthdfer_cpu.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]

# the temporal shift works on the frames of one clip (8 here)
model = dict(
    backbone=dict(num_segments={{_base_.clip_len}}),
    cls_head=dict(num_segments={{_base_.clip_len}}))
