"""Behaviour of the corruption entry point: shapes, determinism, seeds, bad input."""
import numpy as np
import pytest

from hdf_bench.corruptions import (
    APPEARANCE,
    CORRUPTIONS,
    DETERMINISTIC,
    FACE_NAMES,
    GROUPS,
    TEMPORAL_NAMES,
    corrupt,
    group_of,
)
from hdf_bench.corruptions.testing import make_test_clip

CLIP = make_test_clip(frames=6, size=48)


def test_groups_partition_the_corruptions():
    grouped = [n for names in GROUPS.values() for n in names]
    assert sorted(grouped) == sorted(CORRUPTIONS) and len(grouped) == len(set(grouped))
    assert set(GROUPS) == {'noise', 'blur', 'weather', 'digital', 'style', 'temporal', 'face'}
    assert set(APPEARANCE) | set(TEMPORAL_NAMES) | set(FACE_NAMES) == set(CORRUPTIONS)
    assert len(CORRUPTIONS) == 34 + 9 and group_of('eye_occlusion') == 'face'
    assert not set(GROUPS) & set(CORRUPTIONS)
    assert group_of('h264') == 'temporal' and group_of('jpeg') == 'digital'


@pytest.mark.parametrize('name', list(CORRUPTIONS))
def test_shape_dtype_and_reproducibility(name):
    out = corrupt(CLIP, name, 3, seed=1, clip_id='c1')
    assert out.dtype == np.uint8 and out.shape == CLIP.shape
    assert not np.array_equal(out, CLIP)
    again = corrupt(list(CLIP), name, 3, seed=1, clip_id='c1')
    assert again.tobytes() == out.tobytes()
    assert out is not CLIP and not np.shares_memory(out, CLIP)


@pytest.mark.parametrize('name', sorted(set(CORRUPTIONS) - DETERMINISTIC))
def test_random_corruptions_depend_on_seed_and_clip_id(name):
    base = corrupt(CLIP, name, 3, seed=0, clip_id='a')
    assert any(not np.array_equal(base, corrupt(CLIP, name, 3, seed=s, clip_id='a'))
               for s in range(1, 5))
    assert any(not np.array_equal(base, corrupt(CLIP, name, 3, seed=0, clip_id=c))
               for c in ('b', 'c', 'd', 'e'))


@pytest.mark.parametrize('name', sorted(DETERMINISTIC))
def test_deterministic_corruptions_ignore_seed(name):
    assert np.array_equal(corrupt(CLIP, name, 2, seed=0, clip_id='a'),
                          corrupt(CLIP, name, 2, seed=7, clip_id='b'))


@pytest.mark.parametrize('name', list(CORRUPTIONS))
def test_small_odd_sizes(name):
    clip = make_test_clip(frames=3, size=64)[:, :17, :15]
    out = corrupt(clip, name, 5, seed=0)
    assert out.shape == clip.shape and out.dtype == np.uint8


def test_clip_consistent_noise_by_default_and_fresh_per_frame_on_request():
    static = np.repeat(CLIP[:1], 4, axis=0)
    same = corrupt(static, 'gaussian_noise', 3)
    assert all(np.array_equal(same[0], f) for f in same[1:])
    fresh = corrupt(static, 'gaussian_noise', 3, per_frame=True)
    assert not np.array_equal(fresh[0], fresh[1])
    assert np.array_equal(fresh, corrupt(static, 'gaussian_noise', 3, per_frame=True))


def test_temporal_corruptions_keep_frames_from_the_clip():
    for name in ('frame_drop', 'frame_rate', 'freeze', 'reverse', 'jumble', 'box_jumble'):
        out = corrupt(CLIP, name, 4, clip_id='x')
        assert all(any(np.array_equal(f, g) for g in CLIP) for f in out), name


@pytest.mark.parametrize('name', ['nope', 'Gaussian_Noise', 3, None])
def test_unknown_name_lists_valid_names(name):
    with pytest.raises(ValueError, match='gaussian_noise.*h264'):
        corrupt(CLIP, name, 1)


@pytest.mark.parametrize('severity', [0, 6, -1, 2.0, '3', True, None])
def test_bad_severity(severity):
    with pytest.raises(ValueError, match='severity'):
        corrupt(CLIP, 'fog', severity)


def test_bad_clips():
    with pytest.raises(TypeError, match='uint8'):
        corrupt(CLIP.astype(np.float32), 'fog', 1)
    with pytest.raises(ValueError, match=r'\(T, H, W, 3\)'):
        corrupt(CLIP[0], 'fog', 1)
    with pytest.raises(ValueError, match=r'\(T, H, W, 3\)'):
        corrupt(np.zeros((2, 8, 8, 4), np.uint8), 'fog', 1)
    with pytest.raises(ValueError, match='share one shape'):
        corrupt([CLIP[0], CLIP[1, :10]], 'fog', 1)
    with pytest.raises(ValueError, match='non-empty'):
        corrupt([], 'fog', 1)
    with pytest.raises(TypeError):
        corrupt('clip', 'fog', 1)


def test_h264_round_trip_is_byte_identical_call_after_call():
    """x264's macroblock-tree rate control (on in the veryfast preset) made the output depend on
    earlier calls: with two clips and two CRFs in turn, a second round already differed. With
    it off the round trip is a function of its input."""
    from hdf_bench.corruptions.compression import encode_decode_h264

    rng = np.random.default_rng(0)
    rng.random((4, 48, 48, 3))  # clips on which the old settings varied
    clips = [(gen.random((5, 33, 47, 3)) * 255).astype(np.uint8)
             for gen in (rng, np.random.default_rng(1))]
    outputs: dict = {}
    for _ in range(15):
        for i, clip in enumerate(clips):
            for crf in (23, 30):
                outputs.setdefault((i, crf), set()).add(encode_decode_h264(clip, crf).tobytes())
    assert all(len(v) == 1 for v in outputs.values()), {k: len(v) for k, v in outputs.items()}
