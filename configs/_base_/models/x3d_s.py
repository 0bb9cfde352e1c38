# Plain X3D-S (gamma_w 1, gamma_b 2.25, gamma_d 2.2) with a CE head (label smoothing 0.1), 7 classes.
model = dict(
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(
        type='I3DHead',
        num_classes=7,
        in_channels=432,
        spatial_type='avg',
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
