# X3D-S + SAM on DFEW, paper recipe: 16 x 112 x 112, AdamW + cosine, 300 epochs, SAM (rho 0.05):
# HDF's training without DAM and DSM (the SAM switch: hdf_paper.py instead of adamw_paper.py).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]

# DFEW fold 1 (the dataset base's default); for fold k override the three dataloaders:
# train_dataloader = dict(dataset=dict(fold=k)), and likewise val_ and test_dataloader.
