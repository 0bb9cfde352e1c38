# The HDF / M3DFEL optimiser recipe without SAM: AdamW (lr 5e-4, wd 0.05), 20 linear warm-up
# epochs then cosine to 5e-6, stepped per iteration; 300 epochs, validation every epoch.
max_epochs = 300
warmup_epochs = 20

# The recipe's batch is 256 clips per optimizer step, globally:
#   per-GPU batch (train_dataloader.batch_size: 128, datasets/dfew.py) x GPUs x accumulation
# The default (128 x 1 GPU x 2) is 256 on one GPU; on 2 GPUs set accumulative_counts = 1.
# What fits per step (ESTIMATE, no GPU was used): X3D-S and HDF save ~230 MiB of activations per
# 16x112x112 clip for backward in fp32 (measured on CPU with saved-tensor hooks; CUDA adds
# workspace and allocator slack), so 128 clips need ~30 GiB: fine on an H100 (80 GB); an H200
# (141 GB) should take all 256 in one step (batch_size=256, accumulative_counts=1, ~60 GiB).
# SAM's two passes run one after the other and do not raise the peak.
accumulative_counts = 2
optim_wrapper = dict(
    type='OptimWrapper',
    accumulative_counts=accumulative_counts,
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

# lr 5e-4 is for 256 clips per step; other global batches scale it linearly. mmengine's scaling
# counts GPUs x per-GPU batch but not gradient accumulation, hence 256 // accumulative_counts
# (change accumulative_counts above, not here, in a leaf: override both if you must)
auto_scale_lr = dict(enable=True, base_batch_size=256 // accumulative_counts)
