# HDF on X3D-S: a DAM after each of the 4 stages, DSM head (CE + distribution-aware contrast +
# information bottleneck, gradient-driven scaling). Train it with a SAM schedule (hdf_paper.py).
_base_ = ['./preprocessor.py']

model = dict(
    type='HDF',
    backbone=dict(
        type='X3DDAM',
        gamma_w=1,
        gamma_b=2.25,
        gamma_d=2.2,
        dam_stages=(0, 1, 2, 3),
        dam_cfg=dict(branches='both')),
    cls_head=dict(
        type='DSMHead',
        num_classes=7,
        in_channels=432,
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob',
        loss_cls=dict(
            type='DSMLoss',
            tau=0.07,
            eta=0.2,
            alpha=10.0,
            beta=0.1,
            ib_weight=1.0,
            label_smoothing=0.1,
            variant='paper')))

# Several GPUs: SAM's two passes and the gradient norm that DSM consumes need this DDP wrapper
# (mmengine's own calls neither); one device ignores it.
model_wrapper_cfg = dict(type='SAMDistributedDataParallel')
