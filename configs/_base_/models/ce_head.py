# The baselines' classification head settings: 7 classes, dropout 0.5, cross-entropy with label
# smoothing 0.1, clip scores averaged as probabilities. Leaves set the head type and in_channels.
_base_ = ['./preprocessor.py']

model = dict(
    cls_head=dict(
        num_classes=7,
        dropout_ratio=0.5,
        init_std=0.01,
        label_smooth_eps=0.1,
        topk=(1,),
        average_clips='prob'))
