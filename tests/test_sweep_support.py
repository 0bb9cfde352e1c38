"""Shared pieces of the sweep tests: a tiny data set in DFEW layout, a tiny model config and
checkpoint, and a two-corruption suite. No tests here (imported by ``test_sweep_*.py``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

#: two corruptions x one severity x one seed; ``Condition`` objects are made by the tests
SUITE = [dict(name='gaussian_noise', severity=3, seed=0, group='noise'),
         dict(name='brightness', severity=2, seed=0, group='digital')]

CONFIG = """
default_scope = 'mmaction'
custom_imports = dict(imports=['hdf_bench'], allow_failed_imports=False)
model = dict(
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=0.5, gamma_b=1.0, gamma_d=1.0, num_stages=2,
                  spatial_strides=(2, 2)),
    cls_head=dict(type='I3DHead', in_channels=32, num_classes=7, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[114.75] * 3,
                           std=[57.375] * 3, format_shape='NCTHW'))
test_pipeline = [
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, {size})),
    dict(type='CenterCrop', crop_size={size}),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=('clip_id',)),
]
test_dataloader = dict(
    batch_size=4, num_workers=0,
    dataset=dict(type='DFEWDataset', data_root={root!r}, fold=1, split='test',
                 pipeline=test_pipeline, test_mode=True))
test_evaluator = dict(type='DFERMetric')
dataset_name = 'tinydfew'
"""


SUITE_FILE = """
corruptions = ['gaussian_noise', 'brightness']
severities = [1, 2, 3, 4, 5]
seeds = [0, 1]
"""


def make_root(folder: Path, clips: int = 10, frames: int = 6, size: int = 40) -> Path:
    """A tiny DFEW-layout data set (random-ish JPEG frames, labels cycling over 7 classes)."""
    import cv2

    rng = np.random.default_rng(0)
    split = folder / 'EmoLabel_DataSplit' / 'test(single-labeled)'
    split.mkdir(parents=True)
    lines = ['video_name,label']
    for n in range(1, clips + 1):
        clip = folder / 'Clip' / 'clip_224x224' / f'{n:05d}'
        clip.mkdir(parents=True)
        base = rng.integers(0, 256, size=(size, size, 3))
        for f in range(1, frames + 1):
            frame = np.clip(base + rng.integers(-20, 20, size=base.shape), 0, 255)
            cv2.imwrite(str(clip / f'{f:05d}.jpg'), frame.astype(np.uint8))
        lines.append(f'{n},{(n - 1) % 7 + 1}')
    (split / 'set_1.csv').write_text('\n'.join(lines) + '\n')
    return folder


def make_model(folder: Path, root: Path, size: int = 32, seed: int = 0,
               pipeline_without_decode: bool = False) -> tuple[Path, Path]:
    """Write a tiny config and a random checkpoint; returns (config, checkpoint)."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401

    folder.mkdir(parents=True, exist_ok=True)
    text = CONFIG.format(root=str(root), size=size)
    if pipeline_without_decode:
        text = text.replace("    dict(type='RawFrameDecode'),\n", '')
    config = folder / f'tiny_{size}_{seed}.py'
    config.write_text(text)
    init_default_scope('mmaction')
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(config).model)
    with torch.no_grad():  # spread the logits so that predictions differ between clips
        model.cls_head.fc_cls.weight.mul_(200.0)
    checkpoint = folder / f'tiny_{size}_{seed}.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    return config, checkpoint


def subprocess_env() -> dict:
    """Environment for CLI subprocesses: one thread, repo importable, no bars."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    env['PYTHONPATH'] = os.pathsep.join([str(REPO), str(TESTS), env.get('PYTHONPATH', '')])
    return env


def cli(*args: str) -> list[str]:
    """Command line of ``hdf-bench`` with the current interpreter."""
    return [sys.executable, '-m', 'hdf_bench.cli.main', *args]

