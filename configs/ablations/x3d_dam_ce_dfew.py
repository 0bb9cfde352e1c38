# Ablation: X3D-S + DAM after each stage, cross-entropy only (no DSM); SAM on;
# on DFEW, paper recipe (16 x 112 x 112, 300 epochs).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]

# the HDF recognizer runs the two SAM passes; the head stays plain CE
model = dict(
    type='HDF',
    backbone=dict(type='X3DDAM', dam_stages=(0, 1, 2, 3), dam_cfg=dict(branches='both')))

# DFEW fold 1 (the dataset base's default); for fold k override the three dataloaders:
# train_dataloader = dict(dataset=dict(fold=k)), and likewise val_ and test_dataloader.
model_wrapper_cfg = dict(type='SAMDistributedDataParallel')  # SAM on several GPUs
