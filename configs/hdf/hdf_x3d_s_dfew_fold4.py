# HDF on DFEW fold 4 (see hdf_x3d_s_dfew_fold1.py).
_base_ = ['./hdf_x3d_s_dfew_fold1.py']

fold = 4
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
