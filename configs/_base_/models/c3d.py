# C3D (Tran et al. 2015) from mmaction2's C3D, via FlexC3D (pool5 rounds up so that 8-frame
# clips fit; fc6 sized from clip_len x size). BatchNorm added: it trains from scratch here.
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
        num_classes=7,
        in_channels=4096,
        spatial_type=None,
        dropout_ratio=0.5,
        init_std=0.01,
        label_smooth_eps=0.1,
        topk=(1,),
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))
