# SynthDFER, small CPU input for the demo, CI and the zoo table: 8 frames at 64x64, on DFEW's
# reader (generate a matching set with `hdf-bench synth --out data/synthdfer --size 64`).
_base_ = ['./dfew.py']

data_root = 'data/synthdfer'
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
    dict(type='SegmentCentreSample', clip_len=clip_len),  # every frame once if n == clip_len
    dict(type='RawFrameDecode'),
    # <- corruption transforms are inserted here (the index right after RawFrameDecode)
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = test_pipeline

__loader = dict(num_workers=0, persistent_workers=False)  # small clips: decoding in-process
train_dataloader = dict(__loader, batch_size=16,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(__loader, dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = dict(__loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
