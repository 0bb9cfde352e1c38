"""Shared fixtures: a tiny SynthDFER and fake DFEW / FERV39k / MAFW layouts with quirks."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np
import pytest

# Small, fast SynthDFER: 21 clips of 64x64, some shorter than 16 frames.
TINY_SYNTH = dict(identities=7, clips_per_identity=3, size=64, min_frames=6, max_frames=24,
                  short_fraction=0.3, seed=0)


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory) -> Path:
    """Root of a tiny SynthDFER (21 clips, 64x64, DFEW layout), generated once per session."""
    from hdf_bench.data.synth import SynthConfig, generate_synthdfer
    root = tmp_path_factory.mktemp('synthdfer') / 'synthdfer'
    generate_synthdfer(root, SynthConfig(**TINY_SYNTH))
    return root


def write_frames(folder: str | os.PathLike, names: Iterable[str], size: int = 8) -> None:
    """Write tiny decodable images named ``names`` into ``folder`` (created)."""
    os.makedirs(folder, exist_ok=True)
    for k, name in enumerate(names):
        img = np.full((size, size, 3), (10 * k) % 256, np.uint8)
        cv2.imwrite(os.path.join(folder, name), img)


@pytest.fixture
def make_dfew(tmp_path) -> Callable[..., Path]:
    """Factory for a fake DFEW: 4 clips, unpadded int video_name in the CSVs.

    Quirks: ``spelling`` of the split folders ('single-labeled' or 'single_labeled'),
    16f frames named 1.jpg..16.jpg, clip 00003 with 11 frames (< 16), labels 1-based.
    Returns the root; clips 1-3 are in train fold 1, clip 4 in test fold 1.
    """
    def make(spelling: str = 'single-labeled', frames: dict[int, int] | None = None) -> Path:
        root = tmp_path / f'DFEW-{spelling}'
        frames = frames or {1: 20, 2: 17, 3: 11, 4: 30}
        for clip, n in frames.items():
            cid = f'{clip:05d}'
            write_frames(root / 'Clip' / 'clip_224x224' / cid,
                         [f'{cid}_{t:05d}.jpg' for t in range(1, n + 1)])
            write_frames(root / 'Clip' / 'clip_224x224_16f' / cid,
                         [f'{t}.jpg' for t in range(1, 17)])
        labels = {1: 1, 2: 7, 3: 6, 4: 3}
        for split, clips in (('train', (1, 2, 3)), ('test', (4,))):
            folder = root / 'EmoLabel_DataSplit' / f'{split}({spelling})'
            folder.mkdir(parents=True, exist_ok=True)
            rows = ''.join(f'{c},{labels[c]}\n' for c in clips)
            (folder / 'set_1.csv').write_text('video_name,label\n' + rows)
        return root
    return make


@pytest.fixture
def make_ferv39k(tmp_path) -> Callable[..., Path]:
    """Factory for a fake FERV39k: 3 clips in 2 scenes, no-header space-separated lists."""
    def make() -> Path:
        root = tmp_path / 'FERV39k'
        clips = {'Action/Sad/0010': ('Sad', 12), 'Daily/Happy/0002': ('Happy', 9),
                 'Action/Fear/0100': ('Fear', 20)}
        for clip, (_, n) in clips.items():
            write_frames(root / '2_ClipsforFaceCrop' / clip,
                         [f'{t:04d}.jpg' for t in range(1, n + 1)])
        setups = root / '4_setups' / 'All_scenes'
        setups.mkdir(parents=True)
        lines = [f'{clip} {name}' for clip, (name, _) in clips.items()]
        (setups / 'train_All.csv').write_text('\n'.join(lines[:2]) + '\n')
        (setups / 'test_All.csv').write_text(lines[2] + '\n')
        return root
    return make


@pytest.fixture
def make_mafw(tmp_path) -> Callable[..., Path]:
    """Factory for a fake MAFW: 4 clips (2 non-basic), png frames under data/frames."""
    def make(folder: str = 'frames') -> Path:
        root = tmp_path / 'MAFW'
        clips = {'03747': 'anger', '00012': 'contempt', '00100': 'happiness',
                 '00007': 'helplessness'}
        for k, clip in enumerate(clips):
            write_frames(root / 'data' / folder / clip,
                         [f'{t}.png' for t in range(1, 8 + 3 * k)])
        split = root / 'split' / 'single' / 'no_caption' / 'set_1'
        split.mkdir(parents=True)
        (split / 'train.txt').write_text(''.join(f'{c}.mp4 {n}\n' for c, n in clips.items()))
        (split / 'test.txt').write_text('00100.mp4 happiness\n')
        return root
    return make
