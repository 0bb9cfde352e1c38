# M3DFEL (Wang et al., CVPR 2023), re-implemented (hdf_bench.models.m3dfel): the clip is a bag of
# 4 instances; 3D ResNet-18 per instance -> BiLSTM -> x * sigmoid(DMIN(MHSA(x))) -> Conv1d -> FC.
# The official model starts from torchvision's Kinetics-400 R3D-18: set
# model.backbone.pretrained to a LOCAL copy of r3d_18-b3b3357e.pth (nothing is downloaded);
# without it the model trains from scratch: call it "M3DFEL (scratch)" in tables.
_base_ = ['./ce_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='M3DFELBackbone', num_instances=4, lstm_hidden=512, lstm_layers=2,
        pretrained=None),
    cls_head=dict(
        type='M3DFELHead',
        in_channels=1024,
        num_instances=4,
        num_heads=8))
