# Plain X3D-S (gamma_w 1, gamma_b 2.25, gamma_d 2.2) with a CE head (label smoothing 0.1), 7 classes.
_base_ = ['./ce_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(
        type='I3DHead',
        in_channels=432,
        spatial_type='avg'))
