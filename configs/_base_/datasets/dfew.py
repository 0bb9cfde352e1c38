# DFEW (single-labelled 7-class task), 5 folds. Paper recipe: 16 frames at 112x112.
# The other data set configs inherit its pipelines and loader settings.
# `variant`: 'clip_224x224' (all frames) or 'clip_224x224_16f' (the official 16 frames).
# Training: UniformSample (a random frame in each of 16 segments). Test/val: SegmentCentreSample
# (the centre frame of each segment, floor((i + 0.5) * n / 16): a 16-frame clip frame for frame;
# mmaction2's UniformSample(test_mode=True) repeats frame 8 and drops frame 15).
# Short clips (< 16 frames): both repeat frames in temporal order (no looping).
# Old-style config: to change the fold in a leaf config override the dataloaders, e.g.
#   train_dataloader = dict(dataset=dict(fold=2)); val_dataloader = dict(dataset=dict(fold=2))
dataset_type = 'DFEWDataset'
data_root = 'data/DFEW'
fold = 1
variant = 'clip_224x224'
clip_len = 16
img_size = 112
# DFERMetric needs clip_id; scene is FERV39k's (PackActionInputs skips keys a sample lacks)
meta_keys = ('img_shape', 'clip_id', 'scene')

train_pipeline = [
    dict(type='UniformSample', clip_len=clip_len),
    dict(type='RawFrameDecode'),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),  # HDF.md
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='SegmentCentreSample', clip_len=clip_len),  # every frame once if n == clip_len
    dict(type='RawFrameDecode'),
    # <- corruption transforms are inserted here (the index right after RawFrameDecode)
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = test_pipeline

train_dataloader = dict(
    batch_size=128,  # x GPUs x accumulative_counts = 256 (schedules/adamw_paper.py)
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, variant=variant,
                 split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, variant=variant,
                 split='test',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, variant=variant,
                 split='test',
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = dict(type='DFERMetric')
test_evaluator = val_evaluator
