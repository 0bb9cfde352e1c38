# A short run for CPU demos and CI, without SAM: the paper's optimiser, 1 warm-up epoch, cosine.
_base_ = ['./adamw_paper.py']

max_epochs = 4
warmup_epochs = 1

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=5e-6,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
