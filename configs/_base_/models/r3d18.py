# 3D ResNet-18 (R3D-18, Tran et al. 2018) from mmaction2's ResNet3d, torchvision's r3d_18 layout:
# 3x3x3 convs, no stem max-pool, stride 2 in time and space from stage 2 on. From scratch.
_base_ = ['./ce_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        with_pool1=False,
        with_pool2=False,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        norm_eval=False,
        zero_init_residual=False),
    cls_head=dict(
        type='I3DHead',
        in_channels=512,
        spatial_type='avg'))
