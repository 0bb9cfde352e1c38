# HDF on DFEW fold 1, paper recipe (16 x 112 x 112, SAM, 300 epochs).
# Fold k is an override of this file, not a copy: --cfg-options train_dataloader.dataset.fold=k
# val_dataloader.dataset.fold=k test_dataloader.dataset.fold=k (what `hdf-bench study` passes).
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]

fold = 1
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
