# A short run for CPU demos, CI and the zoo table, without SAM: HDF's optimiser (AdamW, weight
# decay 0.05) with a one-cycle shape that learns within a few epochs: linear warm-up from lr/25
# over the first 30 % of the run to 3e-3, then cosine to 1e-6, stepped per iteration. The
# paper's lr of 5e-4 with one warm-up epoch left X3D-S at chance after 3-8 epochs on SynthDFER.
_base_ = ['./adamw_paper.py']

max_epochs = 4
warmup_epochs = 0.3 * max_epochs

optim_wrapper = dict(accumulative_counts=1, optimizer=dict(lr=3e-3))
auto_scale_lr = dict(enable=False)  # lr chosen for this batch (16)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.04, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-6,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
