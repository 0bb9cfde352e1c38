# TSM (Lin et al. 2019) on a 2D ResNet-18 (mmaction2's ResNetTSM + TSMHead), 1/8 of the channels
# shifted in time. num_segments (backbone and head) must equal the clip length: 16 here, 8 in
# the CPU leaves.
_base_ = ['./static_r18.py']

model = dict(
    backbone=dict(type='ResNetTSM', pretrained2d=False, num_segments=16, shift_div=8),
    cls_head=dict(type='TSMHead', num_segments=16, is_shift=True))
