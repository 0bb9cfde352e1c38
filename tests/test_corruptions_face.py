"""Face corruptions: placement on SynthDFER landmarks, the landmark files, the transform."""
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.registry import init_default_scope

import hdf_bench  # noqa: F401  (registers the dataset and the transforms)
from hdf_bench.corruptions import FACE_NAMES, corrupt
from hdf_bench.corruptions.testing import make_test_clip
from hdf_bench.data.landmarks import LM, load_landmarks, prior_landmarks
from hdf_bench.data.synth.render import clip_landmarks, render_clip
from hdf_bench.data.synth.writer import frames_16

SIZE = 96
#: (seed, clip index, identity, label) of a clip whose head moves and rolls.
CLIP_ARGS = (0, 3, 1, 4, 12, SIZE)
CLIP = np.stack(render_clip(*CLIP_ARGS))[..., ::-1].copy()  # BGR -> RGB
LANDMARKS = clip_landmarks(*CLIP_ARGS)
UPPER = ('brow_left_inner', 'brow_right_outer', 'eye_left_top', 'eye_right_bottom')
EYES = ('eye_left_outer', 'eye_left_inner', 'eye_right_inner', 'eye_right_outer')
LOWER = ('mouth_left', 'mouth_right', 'lip_top', 'lip_bottom')


def changed_at(out: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """(T, len(names)) whether the pixel under each landmark changed."""
    xy = np.rint(LANDMARKS[:, [LM[n] for n in names]]).astype(int)
    t = np.arange(len(out))[:, None]
    return np.any(out[t, xy[..., 1], xy[..., 0]] != CLIP[t, xy[..., 1], xy[..., 0]], axis=-1)


def test_landmarks_move_with_the_head():
    assert LANDMARKS.shape == (12, len(LM), 2)
    assert np.ptp(LANDMARKS[:, LM['nose_tip']], axis=0).max() > 1.0
    left, right = LANDMARKS[:, LM['eye_left_outer'], 0], LANDMARKS[:, LM['eye_right_outer'], 0]
    assert (left < right).all() and (LANDMARKS[:, LM['forehead'], 1]
                                     < LANDMARKS[:, LM['chin'], 1]).all()


@pytest.mark.parametrize('name, hidden, visible', [
    ('upper_face_occlusion', UPPER, LOWER),
    ('eye_occlusion', EYES, LOWER + ('forehead',)),
    ('lower_face_occlusion', LOWER, UPPER),
])
def test_region_occluders_sit_on_the_landmarks(name, hidden, visible):
    out = corrupt(CLIP, name, 5, clip_id='a', landmarks=LANDMARKS)
    assert changed_at(out, hidden).all(), name
    assert not changed_at(out, visible).any(), name
    prior = corrupt(CLIP, name, 5, clip_id='a')
    assert not np.array_equal(out, prior)  # the landmarks, not the prior, placed it


def test_moving_occluder_crosses_the_face():
    out = corrupt(CLIP, 'moving_occluder', 5, clip_id='a', landmarks=LANDMARKS)
    mask = np.any(out != CLIP, axis=-1)
    cols = [np.flatnonzero(m.any(0)).mean() for m in mask]
    assert abs(cols[-1] - cols[0]) > SIZE / 3 and np.all(np.diff(cols) * (cols[-1] - cols[0]) > 0)


@pytest.mark.parametrize('name', ['patch_occlusion', 'eye_occlusion', 'lower_face_occlusion'])
def test_occluders_follow_the_landmarks(name):
    clip = make_test_clip(frames=5, size=80)
    shift = np.stack([np.arange(5) * 1.0, np.arange(5) * -2.0], axis=1)  # stays inside
    landmarks = prior_landmarks(5, 80, 80) + shift[:, None].astype(np.float32)
    out = corrupt(clip, name, 3, clip_id='b', landmarks=landmarks)
    centres = np.array([np.argwhere(np.any(f != c, -1)).mean(0)[::-1]
                        for f, c in zip(out, clip, strict=True)])
    assert np.abs(centres - centres[0] - shift).max() < 0.5, centres


@pytest.mark.parametrize('name', FACE_NAMES)
def test_per_frame_is_ignored_and_bad_landmarks_fail(name):
    clip = make_test_clip(frames=4, size=40)
    assert np.array_equal(corrupt(clip, name, 2, clip_id='c', per_frame=True),
                          corrupt(clip, name, 2, clip_id='c'))
    lm = prior_landmarks(4, 40, 40)
    assert np.array_equal(corrupt(clip, name, 2, clip_id='c', landmarks=lm),
                          corrupt(clip, name, 2, clip_id='c'))
    with pytest.raises(ValueError, match='landmarks must have shape'):
        corrupt(clip, name, 2, landmarks=lm[:3])


def test_rotation_drifts_and_constant_rotation_does_not():
    static = np.repeat(CLIP[:1], 6, axis=0)
    still = corrupt(static, 'rotation', 4, clip_id='d')
    drift = corrupt(static, 'rotation_drift', 4, clip_id='d')
    assert all(np.array_equal(still[0], f) for f in still[1:])
    assert np.array_equal(drift[0], static[0]) and not np.array_equal(drift[-1], drift[-2])


def test_generator_writes_landmarks_per_frame_folder(synth_root):
    import json
    manifest = json.loads((synth_root / 'synthdfer.json').read_text())
    assert manifest['format_version'] == 2 and manifest['landmarks']['names'][0] == 'forehead'
    cid, info = next(iter(manifest['clips'].items()))
    full, size = load_landmarks(str(synth_root / 'Landmarks' / 'clip_224x224' / f'{cid}.npz'))
    short, _ = load_landmarks(str(synth_root / 'Landmarks' / 'clip_224x224_16f' / f'{cid}.npz'))
    assert size == (64, 64) and len(full) == info['frames']
    assert np.array_equal(short, full[frames_16(info['frames'])])
    index = int(cid) - 1
    assert np.array_equal(full, clip_landmarks(0, index, info['identity'], info['label'],
                                               info['frames'], 64))


def test_corrupt_transform_reads_the_landmarks_of_the_sampled_frames(synth_root):
    init_default_scope('mmaction')
    pipeline = [dict(type='UniformSample', clip_len=5, test_mode=True),
                dict(type='RawFrameDecode'),
                dict(type='Corrupt', name='lower_face_occlusion', severity=5, seed=1)]
    dataset = DATASETS.build(dict(type='DFEWDataset', data_root=str(synth_root), fold=1,
                                  split='test', pipeline=pipeline, test_mode=True))
    info = dataset.get_data_info(0)
    out = dataset[0]
    points, _ = load_landmarks(info['landmarks_file'])
    clean = DATASETS.build(dict(type='DFEWDataset', data_root=str(synth_root), fold=1,
                                split='test', pipeline=pipeline[:2], test_mode=True))[0]
    expected = corrupt(clean['imgs'], 'lower_face_occlusion', 5, seed=1,
                       clip_id=info['clip_id'], landmarks=points[clean['frame_inds']])
    assert np.array_equal(np.stack(out['imgs']), expected)
    assert not np.array_equal(expected, corrupt(clean['imgs'], 'lower_face_occlusion', 5,
                                                seed=1, clip_id=info['clip_id']))
