# C3D (Tran et al. 2015) from mmaction2's C3D, via FlexC3D (pool5 rounds up so that 8-frame
# clips fit; fc6 sized from clip_len x size). BatchNorm added: it trains from scratch here.
_base_ = ['./ce_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='FlexC3D',
        clip_len=16,
        size=112,
        norm_cfg=dict(type='BN3d'),
        dropout_ratio=0.5),
    cls_head=dict(
        type='I3DHead',
        in_channels=4096,
        spatial_type=None))
