# R(2+1)D-18 (Tran et al. 2018) from mmaction2's ResNet2Plus1d: every 3x3x3 conv factorised into
# a spatial 1x3x3 and a temporal 3x1x1 conv; layout as r3d18.py. From scratch.
_base_ = ['./r3d18.py']

model = dict(backbone=dict(type='ResNet2Plus1d', conv_cfg=dict(type='Conv2plus1d')))
