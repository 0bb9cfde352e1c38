# MAFW, 5 folds. With map_to_basic=False (default) labels follow MAFW's 11 classes:
# the 7 basic ones in canonical order, then contempt, anxiety, helplessness,
# disappointment (hdf_bench.data.classes.MAFW_CLASSES); set map_to_basic=True (and
# num_classes=7) to keep only the 7 basic classes.
# Short clips (< 16 frames): UniformSample repeats frames in temporal order (no looping).
dataset_type = 'MAFWDataset'
data_root = 'data/MAFW'
fold = 1
map_to_basic = False
classes = ['happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust', 'fear', 'contempt',
           'anxiety', 'helplessness', 'disappointment']
num_classes = 7 if map_to_basic else 11
clip_len = 16
img_size = 112
meta_keys = ('img_shape', 'clip_id')  # DFERMetric needs clip_id

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
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, map_to_basic=map_to_basic,
                 split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, map_to_basic=map_to_basic,
                 split='test',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, fold=fold, map_to_basic=map_to_basic,
                 split='test',
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = dict(type='DFERMetric', classes=classes[:num_classes])
test_evaluator = val_evaluator
