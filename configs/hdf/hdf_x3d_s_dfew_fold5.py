# HDF on DFEW fold 5 (see hdf_x3d_s_dfew_fold1.py).
_base_ = ['./hdf_x3d_s_dfew_fold1.py']

fold = 5
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
