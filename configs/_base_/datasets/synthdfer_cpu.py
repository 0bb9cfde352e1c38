# SynthDFER, small CPU input for the demo and CI: 8 frames at 64x64, same structure as
# synthdfer.py (generate a matching set with `hdf-bench synth --out data/synthdfer --size 64`).
dataset_type = 'DFEWDataset'
data_root = 'data/synthdfer'
fold = 1
clip_len = 8
img_size = 64
meta_keys = ('img_shape', 'clip_id')  # DFERMetric needs clip_id

# Short schedules need light augmentation: with the paper's random resized crop (area 0.08-1)
# and colour jitter, X3D-S and HDF stayed at chance after 3-8 CPU epochs (README, "Results").
# Here: random frame offsets within segments and horizontal flips only.
train_pipeline = [
    dict(type='UniformSample', clip_len=clip_len),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='UniformSample', clip_len=clip_len, test_mode=True),
    dict(type='RawFrameDecode'),
    # <- corruption transforms are inserted here (the index right after RawFrameDecode)
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = test_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='test',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='test',
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = dict(type='DFERMetric')
test_evaluator = val_evaluator
