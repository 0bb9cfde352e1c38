# HDF (X3D-S + DAM after each stage, DSM loss, SAM) on SynthDFER, paper recipe:
# 16 frames x 112 x 112, AdamW 5e-4 / wd 0.05, 20 warm-up epochs + cosine, 300 epochs.
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/synthdfer.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]
