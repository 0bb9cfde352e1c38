# Ablation: HDF with the temporal DAM branch only;
# on DFEW, paper recipe (16 x 112 x 112, 300 epochs).
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]

model = dict(backbone=dict(dam_cfg=dict(branches='temporal')))

# DFEW fold 1 (the dataset base's default); for fold k override the three dataloaders:
# train_dataloader = dict(dataset=dict(fold=k)), and likewise val_ and test_dataloader.
