# X3D-S (HDF's backbone) with a plain cross-entropy head on DFEW, paper recipe: 16 frames x 112 x 112, AdamW + cosine, 300 epochs,
# no SAM (as M3DFEL and HDF train, minus SAM).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/adamw_paper.py', '../_base_/default_runtime.py'
]

# DFEW fold 1 (the dataset base's default); for fold k override the three dataloaders:
# train_dataloader = dict(dataset=dict(fold=k)), and likewise val_ and test_dataloader.
