# M3DFEL (Wang et al., CVPR 2023), re-implemented (hdf_bench.models.m3dfel): the clip is a bag of
# 4 instances; 3D ResNet-18 per instance -> BiLSTM -> DMIN self-attention -> Conv1d -> FC.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='M3DFELBackbone', num_instances=4, lstm_hidden=512, lstm_layers=2),
    cls_head=dict(
        type='M3DFELHead',
        num_classes=7,
        in_channels=1024,
        num_instances=4,
        num_heads=8,
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
