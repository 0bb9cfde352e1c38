# Static-frame baseline: a 2D ResNet-18 on every frame, scores averaged over the frames (TSN-style
# average consensus). ClipRecognizer2D takes the NCTHW clips of the shared data pipelines.
_base_ = ['./ce_head.py']

model = dict(
    type='ClipRecognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(
        type='TSNHead',
        in_channels=512,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1)))
