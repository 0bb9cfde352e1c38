"""The test-time sampler: segment centres, every frame once for a clip of clip_len frames, and
used by every test and val pipeline of every config."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.config import Config

import hdf_bench  # noqa: F401  (registers the sampler)
from hdf_bench.data.sampling import SegmentCentreSample, segment_centres

CONFIGS = Path(__file__).resolve().parents[1] / 'configs'


def sample(total: int, clip_len: int = 16, start_index: int = 0) -> list[int]:
    step = TRANSFORMS.build(dict(type='SegmentCentreSample', clip_len=clip_len))
    out = step(dict(total_frames=total, start_index=start_index))
    assert out['clip_len'] == clip_len and out['num_clips'] == 1
    assert out['frame_inds'].dtype == np.int32
    return out['frame_inds'].tolist()


def test_a_16_frame_clip_is_used_frame_for_frame():
    assert sample(16) == list(range(16))
    # mmaction2's test-mode UniformSample repeats frame 8 and never reads frame 15
    uniform = TRANSFORMS.build(dict(type='UniformSample', clip_len=16, test_mode=True))
    old = uniform(dict(total_frames=16, start_index=0))['frame_inds'].tolist()
    assert old.count(8) == 2 and 15 not in old


@pytest.mark.parametrize('total, expected', [
    # floor((i + 0.5) * n / 16), written out
    (11, [0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9, 10]),
    (17, [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16]),
    (40, [1, 3, 6, 8, 11, 13, 16, 18, 21, 23, 26, 28, 31, 33, 36, 38]),
])
def test_other_lengths_take_segment_centres(total, expected):
    assert sample(total) == expected
    assert sample(total) == [int(np.floor((i + 0.5) * total / 16)) for i in range(16)]
    assert set(sample(total)) == set(range(total)) or total > 16  # short clips: every frame


def test_start_index_offsets_and_deterministic():
    assert sample(16, start_index=1) == list(range(1, 17))
    assert sample(40) == sample(40)
    assert segment_centres(1, 4).tolist() == [0, 0, 0, 0]


def test_rejects_bad_sizes():
    with pytest.raises(ValueError, match='clip_len'):
        SegmentCentreSample(0)
    with pytest.raises(ValueError, match='total_frames=0'):
        sample(0)


def _leaf_configs() -> list[Path]:
    return sorted(p for p in CONFIGS.rglob('*.py') if '_base_' not in p.parts)


def test_every_test_and_val_pipeline_uses_it_and_training_stays_random():
    leaves = _leaf_configs()
    assert len(leaves) > 30
    for path in leaves:
        cfg = Config.fromfile(str(path))
        for loader in ('test_dataloader', 'val_dataloader'):
            if cfg.get(loader) is None:
                continue
            first = cfg[loader].dataset.pipeline[0]
            assert first['type'] == 'SegmentCentreSample', (path.name, loader)
            assert first['clip_len'] == cfg.clip_len, path.name
        train_first = cfg.train_dataloader.dataset.pipeline[0]
        assert train_first['type'] == 'UniformSample', path.name
        assert not train_first.get('test_mode', False), path.name
