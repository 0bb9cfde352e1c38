# C3D (+BN) via FlexC3D on SynthDFER, CPU preset: 8 frames x 64 x 64, the short AdamW schedule
# (HDF's optimiser family, no SAM).
_base_ = [
    '../_base_/models/c3d.py', '../_base_/datasets/synthdfer_cpu.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]

# fc6 is sized from the clip (8 frames x 64 x 64 here)
model = dict(backbone=dict(clip_len={{_base_.clip_len}}, size={{_base_.img_size}}))
