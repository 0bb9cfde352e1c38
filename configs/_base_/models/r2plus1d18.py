# R(2+1)D-18 (Tran et al. 2018) from mmaction2's ResNet2Plus1d: every 3x3x3 conv factorised into
# a spatial 1x3x3 and a temporal 3x1x1 conv; otherwise as r3d18.py. From scratch.
# Note: mmaction2's ResNet2Plus1d always max-pools after the stem (it ignores with_pool1), so it
# runs its stages at half torchvision's resolution: ~12 GFLOPs at 16x112x112 instead of ~40.
_base_ = ['./r3d18.py']

model = dict(backbone=dict(type='ResNet2Plus1d', conv_cfg=dict(type='Conv2plus1d')))
