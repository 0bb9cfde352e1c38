# SynthDFER (procedural, DFEW layout; `hdf-bench synth --out data/synthdfer`).
# Paper recipe: 16 frames at 112x112; train: random resized crop (area 0.08-1), flip,
# colour jitter; test: 16 uniformly sampled frames resized to 112.
# Short clips (< 16 frames): UniformSample repeats frames in temporal order (no looping).
# Old-style config: `fold`, `clip_len`, `img_size` are read here when this file is parsed;
# to change one in a leaf config, override the dataloader keys, e.g.
#   train_dataloader = dict(dataset=dict(fold=2)); val_dataloader = dict(dataset=dict(fold=2))
dataset_type = 'DFEWDataset'
data_root = 'data/synthdfer'
fold = 1
clip_len = 16
img_size = 112
meta_keys = ('img_shape', 'clip_id')  # DFERMetric needs clip_id

train_pipeline = [
    dict(type='UniformSample', clip_len=clip_len),
    dict(type='RawFrameDecode'),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ColorJitter', brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05),
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
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='test',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, split='test',
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = dict(type='DFERMetric')
test_evaluator = val_evaluator
