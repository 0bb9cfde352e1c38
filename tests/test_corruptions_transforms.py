"""The registered mmaction2 transforms at the pipeline's corruption point."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose
from mmengine.registry import DefaultScope

import hdf_bench  # noqa: F401  (registers the transforms)
from hdf_bench.corruptions import corrupt
from hdf_bench.corruptions.testing import make_test_clip

CLIP = make_test_clip(frames=5, size=40)


def results(clip_id: str = '00017') -> dict:
    return {'imgs': list(CLIP), 'clip_id': clip_id, 'label': 2}


@pytest.mark.parametrize('name', ['gaussian_noise', 'fog', 'frame_drop', 'h264'])
def test_corrupt_transform_matches_corrupt(name):
    t = TRANSFORMS.build(dict(type='Corrupt', name=name, severity=3, seed=2))
    out = t(results())
    assert isinstance(out['imgs'], list) and len(out['imgs']) == len(CLIP)
    assert all(f.shape == CLIP.shape[1:] and f.dtype == np.uint8 for f in out['imgs'])
    assert np.array_equal(np.stack(out['imgs']), corrupt(CLIP, name, 3, seed=2, clip_id='00017'))
    assert out['label'] == 2 and name in repr(t)


def test_draw_depends_on_clip_id():
    t = TRANSFORMS.build(dict(type='Corrupt', name='gaussian_noise', severity=2))
    a, b = t(results('a'))['imgs'], t(results('b'))['imgs']
    assert not np.array_equal(np.stack(a), np.stack(b))


def test_in_a_pipeline_and_temporal_alias():
    with DefaultScope.overwrite_default_scope('mmaction'):
        pipeline = Compose([dict(type='Corrupt', name='contrast', severity=1),
                            dict(type='TemporalCorrupt', name='reverse', severity=5)])
    out = pipeline(results())
    expected = corrupt(CLIP, 'contrast', 1, clip_id='00017')[::-1]
    assert np.array_equal(np.stack(out['imgs']), expected)


def test_bad_configs_fail_at_build_time():
    with pytest.raises(ValueError, match='valid names'):
        TRANSFORMS.build(dict(type='Corrupt', name='blurr', severity=1))
    with pytest.raises(ValueError, match='severity'):
        TRANSFORMS.build(dict(type='Corrupt', name='fog', severity=7))
    with pytest.raises(ValueError, match='not a temporal corruption'):
        TRANSFORMS.build(dict(type='TemporalCorrupt', name='fog', severity=1))
