"""Bad values give clear errors; tiny frames still pixelate; written files follow the umask."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from hdf_bench.corruptions import Corrupt, corrupt
from hdf_bench.results.io import atomic_write_text


@pytest.mark.parametrize('seed', ['abc', 1.5, None, True])
def test_corrupt_rejects_a_seed_that_is_not_an_int(seed):
    clip = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(TypeError, match=f'seed must be an int, got .*{seed!r}'):
        corrupt(clip, 'gaussian_noise', 1, seed=seed)
    with pytest.raises(TypeError, match='seed must be an int'):
        Corrupt('gaussian_noise', 1, seed=seed)


def test_corrupt_accepts_numpy_integer_seeds():
    clip = np.full((2, 8, 8, 3), 100, np.uint8)
    same = corrupt(clip, 'gaussian_noise', 2, seed=np.int64(3), clip_id='c')
    assert np.array_equal(same, corrupt(clip, 'gaussian_noise', 2, seed=3, clip_id='c'))


@pytest.mark.parametrize('shape', [(1, 1), (2, 2), (3, 5), (2, 9)])
def test_pixelate_on_tiny_frames(shape):
    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, (3, *shape, 3), dtype=np.uint8)
    for severity in range(1, 6):
        out = corrupt(clip, 'pixelate', severity)
        assert out.shape == clip.shape and out.dtype == np.uint8
    if min(shape) >= 2:  # the strongest severity averages the frame into one block per side
        out = corrupt(clip, 'pixelate', 5)
        assert len(np.unique(out[0].reshape(-1, 3), axis=0)) < len(
            np.unique(clip[0].reshape(-1, 3), axis=0))


def test_pixelate_unchanged_where_it_worked():
    """Frames large enough for the block size keep albumentations' output byte for byte."""
    import albumentations as A
    import cv2

    clip = np.random.default_rng(1).integers(0, 256, (2, 40, 24, 3), dtype=np.uint8)
    down = A.Downscale(scale_range=(0.125, 0.125), p=1.0, interpolation_pair={
        'downscale': cv2.INTER_AREA, 'upscale': cv2.INTER_NEAREST_EXACT})
    expected = np.stack([down(image=f)['image'] for f in clip])
    assert np.array_equal(corrupt(clip, 'pixelate', 5), expected)


@pytest.mark.parametrize('umask', [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        atomic_write_text(tmp_path / 'a.json', '{}')
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / 'a.json').stat().st_mode) == 0o666 & ~umask
