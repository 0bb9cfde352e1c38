"""Every severity scale is monotone: distortion grows from severity 1 to 5."""
import numpy as np
import pytest

from hdf_bench.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from hdf_bench.corruptions.testing import make_test_clip

CLIP16 = make_test_clip(frames=16, size=112)
SEEDS = range(4)
#: Temporal corruptions that reorder/hold frames: measured on the source-index sequence.
INDEX_BASED = ('frame_drop', 'frame_rate', 'freeze', 'reverse', 'jumble', 'box_jumble')
#: Occlusions: a random occluder colour swamps PSNR, so they are measured by the area hidden.
OCCLUSIONS = ('upper_face_occlusion', 'eye_occlusion', 'lower_face_occlusion', 'patch_occlusion',
              'moving_occluder')
#: Corruptions measured over a 16-frame clip (they act across frames).
LONG = ('temporal_motion_blur', 'jitter', 'h264', 'crop_jitter', 'rotation_drift',
        'moving_occluder')


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def source_indices(out: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Which clean frame each output frame is (the test clip's frames are all distinct)."""
    flat = clean.reshape(len(clean), -1)
    return np.array([int(np.flatnonzero((flat == f.reshape(-1)).all(1))[0]) for f in out])


def occluded_share(out: np.ndarray, clean: np.ndarray) -> float:
    """Fraction of pixels (over all frames) the corruption changed."""
    return float(np.mean(np.any(out != clean, axis=-1)))


def broken_successions(src: np.ndarray) -> float:
    """Fraction of cuts, holds and jumps: frame pairs where src[t + 1] != src[t] + 1."""
    return float(np.mean(np.diff(src) != 1))


def displaced(src: np.ndarray) -> float:
    """Fraction of frames not shown at their original time."""
    return float(np.mean(src != np.arange(len(src))))


def displacement(src: np.ndarray) -> float:
    """Mean distance |src[t] - t| a frame moved, in frames."""
    return float(np.mean(np.abs(src - np.arange(len(src)))))


#: Disorder measure per corruption. Frame-rate reduction holds every frame pair from r = 2 on,
#: so it is measured by the frames it replaces (1 - 1/r); box jumble by the cuts it makes
#: (swapping two halves displaces every frame but makes only one cut); jumble, a local
#: shuffle, by how far frames move.
DISORDER = {name: broken_successions for name in INDEX_BASED} | {
    'frame_rate': displaced, 'jumble': displacement}


def test_test_clip_frames_are_distinct():
    flat = CLIP16.reshape(16, -1)
    assert len({f.tobytes() for f in flat}) == 16


PSNR_BASED = [n for n in CORRUPTIONS if n not in INDEX_BASED + OCCLUSIONS]


@pytest.mark.parametrize('name', PSNR_BASED)
def test_psnr_falls_with_severity(name):
    clip = CLIP16 if name in LONG else CLIP16[:4]
    scores = [np.mean([psnr(corrupt(clip, name, s, seed=k, clip_id='m'), clip) for k in SEEDS])
              for s in SEVERITIES]
    assert np.all(np.diff(scores) < 0), (name, np.round(scores, 2))


@pytest.mark.parametrize('name', PSNR_BASED)
def test_psnr_roughly_monotone_at_64px(name):
    clip = make_test_clip(frames=16 if name in LONG else 4, size=64)
    scores = [np.mean([psnr(corrupt(clip, name, s, seed=k, clip_id='m'), clip) for k in SEEDS])
              for s in SEVERITIES]
    assert scores[0] > scores[-1] and np.all(np.diff(scores) < 0.3), (name, np.round(scores, 2))


@pytest.mark.parametrize('name', INDEX_BASED)
def test_temporal_disorder_rises_with_severity(name):
    scores = [np.mean([DISORDER[name](source_indices(corrupt(CLIP16, name, s, seed=k, clip_id='m'),
                                               CLIP16)) for k in range(8)])
              for s in SEVERITIES]
    assert np.all(np.diff(scores) > 0), (name, np.round(scores, 3))


@pytest.mark.parametrize('size', [112, 64])
@pytest.mark.parametrize('name', OCCLUSIONS)
def test_occluded_area_grows_with_severity(name, size):
    clip = make_test_clip(frames=16 if name in LONG else 4, size=size)
    scores = [np.mean([occluded_share(corrupt(clip, name, s, seed=k, clip_id='m'), clip)
                       for k in SEEDS]) for s in SEVERITIES]
    assert scores[0] > 0.005 and np.all(np.diff(scores) > 0), (name, np.round(scores, 3))
