# The HDF / M3DFEL optimiser recipe without SAM: AdamW (lr 5e-4, wd 0.05), 20 linear warm-up
# epochs then cosine to 5e-6, stepped per iteration; 300 epochs, validation every epoch.
max_epochs = 300
warmup_epochs = 20

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.05))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=5e-6,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# the recipe's batch is 256; set enable=True to scale lr linearly to another batch size
auto_scale_lr = dict(enable=False, base_batch_size=256)
