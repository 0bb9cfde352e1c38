# Static-frame baseline: a 2D ResNet-18 on every frame, scores averaged over the frames (TSN-style
# average consensus). ClipRecognizer2D takes the NCTHW clips of the shared data pipelines.
model = dict(
    type='ClipRecognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(
        type='TSNHead',
        num_classes=7,
        in_channels=512,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
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
