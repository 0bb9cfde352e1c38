# M3DFEL (Wang et al., CVPR 2023), re-implemented (hdf_bench.models.m3dfel): the clip is a bag of
# 4 instances; 3D ResNet-18 per instance -> BiLSTM -> DMIN self-attention -> Conv1d -> FC.
_base_ = ['./ce_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='M3DFELBackbone', num_instances=4, lstm_hidden=512, lstm_layers=2),
    cls_head=dict(
        type='M3DFELHead',
        in_channels=1024,
        num_instances=4,
        num_heads=8))
