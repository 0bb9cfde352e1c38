# HDF on FERV39k (one train/test split), paper recipe (16 x 112 x 112, SAM, 300 epochs).
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/ferv39k.py',
    '../_base_/schedules/hdf_paper.py', '../_base_/default_runtime.py'
]
