# HDF on DFEW fold 1, paper recipe (16 x 112 x 112, SAM, 300 epochs).
# Folds 2-5 inherit this file and change the fold only; report the mean (std) over folds.
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]

fold = 1
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
