# SynthDFER for the CPU demo: the 'demo' SynthDFER preset (`hdf-bench synth --preset demo`,
# balanced classes, clearer expressions, fewer distractors; docs/DEMO_BUDGET.md), 4 frames at
# 48x48 (X3D-S learned there in 120 CPU steps: DEMO_BUDGET.md E3), flips only, and every clip
# decoded once into a uint8 cache (CachedRawFrameDecode; `clip_cache_dir` None =
# $HDF_BENCH_CLIP_CACHE or ~/.cache/hdf_bench/clips, 'memory' = in the process; `hdf-bench demo`
# puts it under its run folder with engine.cfg.with_clip_cache) shared by the epochs, the
# sweep's clean evaluation and the imbalance trainings.
_base_ = ['./synthdfer_cpu.py']

data_root = 'data/synthdfer_demo'
clip_len = 4
img_size = 48
meta_keys = {{_base_.meta_keys}}
clip_cache_dir = None
decode = dict(type='CachedRawFrameDecode', cache_dir=clip_cache_dir)

train_pipeline = [
    dict(type='UniformSample', clip_len=clip_len),
    decode,
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='SegmentCentreSample', clip_len=clip_len),
    decode,
    # <- corruption transforms are inserted here (the index right after the decode)
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = test_pipeline

train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
