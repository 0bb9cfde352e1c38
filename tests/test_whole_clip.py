"""CorruptWholeClip: corrupt every frame of the clip, keep the sampled ones."""
from __future__ import annotations

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from hdf_bench.corruptions import APPEARANCE, TEMPORAL_NAMES, corrupt
from hdf_bench.corruptions.testing import make_test_clip
from hdf_bench.corruptions.whole_clip import decode_frames


def _pipeline(step: dict, info: dict, clip_len: int = 4) -> dict:
    steps = [dict(type='UniformSample', clip_len=clip_len, test_mode=True),
             dict(type='RawFrameDecode'), step]
    results = dict(info, modality='RGB', start_index=0)
    for cfg in steps:
        results = TRANSFORMS.build(cfg)(results)
    return results


def test_whole_clip_inputs_are_the_sampled_frames_of_the_corrupted_clip(make_dfew):
    root = make_dfew()
    frame_dir = str(root / 'Clip' / 'clip_224x224' / '00004')
    info = dict(frame_dir=frame_dir, filename_tmpl='00004_{:05d}.jpg', offset=1,
                total_frames=30, clip_id='00004')
    results = _pipeline(dict(type='CorruptWholeClip', name='reverse', severity=5), info)
    whole = corrupt(decode_frames(frame_dir, '00004_{:05d}.jpg', 1, 30), 'reverse', 5,
                    clip_id='00004')
    inds = results['frame_inds']
    assert len(inds) == 4 and np.array_equal(np.stack(results['imgs']), whole[inds])
    sampled = _pipeline(dict(type='Corrupt', name='reverse', severity=5), info)
    assert not np.array_equal(np.stack(sampled['imgs']), np.stack(results['imgs']))


def test_whole_clip_needs_a_frame_folder_info():
    step = TRANSFORMS.build(dict(type='CorruptWholeClip', name='contrast', severity=1))
    with pytest.raises(KeyError, match="results\\['frame_dir'\\]"):
        step(dict(imgs=[np.zeros((4, 4, 3), np.uint8)]))


def test_appearance_draws_do_not_depend_on_the_clip_length():
    """Why the default sweep (sampled frames) and --whole-clip agree for appearance corruptions
    and differ for temporal ones (README, corrupted test sets)."""
    clip, idx = make_test_clip(12, 48), [1, 4, 7, 10]
    for name in APPEARANCE:
        assert np.array_equal(corrupt(clip[idx], name, 3, clip_id='c'),
                              corrupt(clip, name, 3, clip_id='c')[idx]), name
    differ = [n for n in TEMPORAL_NAMES if not np.array_equal(
        corrupt(clip[idx], n, 3, clip_id='c'), corrupt(clip, n, 3, clip_id='c')[idx])]
    assert len(differ) >= len(TEMPORAL_NAMES) - 1
