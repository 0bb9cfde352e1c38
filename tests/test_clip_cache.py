"""CachedRawFrameDecode: same frames as RawFrameDecode, decoded once, invalidated on change."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import hdf_bench  # noqa: F401  (registers the transform and readers)
from hdf_bench.data.clip_cache import CachedRawFrameDecode, clip_key
from hdf_bench.data.dfew import DFEWDataset


def _infos(root) -> list[dict]:
    init_default_scope('mmaction')
    return [DFEWDataset(str(root), pipeline=[], fold=1, split=split).get_data_info(i)
            for split in ('train', 'test')
            for i in range(len(DFEWDataset(str(root), pipeline=[], fold=1, split=split)))]


def _pipeline(decode: dict) -> Compose:
    init_default_scope('mmaction')
    return Compose([dict(type='UniformSample', clip_len=8, test_mode=True), decode,
                    dict(type='Resize', scale=(48, 48), keep_ratio=False),
                    dict(type='FormatShape', input_format='NCTHW'),
                    dict(type='PackActionInputs', meta_keys=('clip_id',))])


@pytest.mark.parametrize('where', ['memory', 'folder'])
def test_cached_pipeline_output_equals_decoded(synth_root, tmp_path, where):
    cache = 'memory' if where == 'memory' else str(tmp_path / 'cache')
    plain = _pipeline(dict(type='RawFrameDecode'))
    cached = _pipeline(dict(type='CachedRawFrameDecode', cache_dir=cache))
    for info in _infos(synth_root)[:6]:
        want = plain(dict(info))['inputs']
        for _ in range(2):  # first call fills the cache, the second reads it
            got = cached(dict(info))['inputs']
            assert got.dtype == want.dtype and bool((got == want).all())
    if where == 'folder':
        assert len(list((tmp_path / 'cache').rglob('*.npy'))) == 6


def test_random_frames_and_flip_do_not_alter_the_cache(synth_root, tmp_path):
    decode = CachedRawFrameDecode(cache_dir=str(tmp_path))
    info = _infos(synth_root)[0]
    before = np.array(decode.frames(dict(info)))
    init_default_scope('mmaction')
    train = Compose([dict(type='UniformSample', clip_len=8), decode,
                     dict(type='Flip', flip_ratio=1.0)])
    out = train(dict(info))
    assert np.array_equal(out['imgs'][0], before[out['frame_inds'][0]][:, ::-1])
    assert np.array_equal(np.array(decode.frames(dict(info))), before)


def test_changed_clip_is_decoded_again(synth_root, tmp_path):
    root = tmp_path / 'copy'
    import shutil
    shutil.copytree(synth_root, root)
    info = _infos(root)[0]
    decode = CachedRawFrameDecode(cache_dir=str(tmp_path / 'cache'))
    first = np.array(decode.frames(dict(info)))
    key = clip_key(info)
    path = os.path.join(info['frame_dir'], info['filename_tmpl'].format(info['offset']))
    img = np.zeros_like(cv2.imread(path))
    cv2.imwrite(path, img)
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    assert clip_key(info) != key
    again = np.array(decode.frames(dict(info)))
    assert not np.array_equal(again[0], first[0]) and np.array_equal(again[1:], first[1:])
    assert int(again[0].max()) <= 1  # the new black frame, not the cached one


def test_key_separates_roots_and_frame_counts(synth_root, tmp_path):
    import shutil
    other = tmp_path / 'other'
    shutil.copytree(synth_root, other)
    a, b = _infos(synth_root)[0], _infos(other)[0]
    assert clip_key(a) != clip_key(b)
    assert clip_key(a) != clip_key(dict(a, total_frames=a['total_frames'] - 1))


def test_bad_indices_and_missing_frames_are_named(synth_root, tmp_path):
    decode = CachedRawFrameDecode(cache_dir='memory')
    info = _infos(synth_root)[0]
    with pytest.raises(IndexError, match='outside'):
        decode(dict(info, frame_inds=np.array([0, info['total_frames']])))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        clip_key(dict(info, total_frames=info['total_frames'] + 5))


def test_demo_config_trains_through_the_cache(synth_root, tmp_path):
    from hdf_bench import zoo
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.engine.run import Run
    from hdf_bench.engine.training import train
    run = Run.load(zoo.get('x3d_s').ref(recipe='demo'), synth_root,
                   options={'train_dataloader.batch_size': 4})
    cfg = cfgs.with_clip_cache(cfgs.without_validation(run.cfg), tmp_path / 'cache')
    cfg = cfgs.with_epochs(cfg, 1, cfgs.iters_per_epoch(cfg))
    result = train(run.edited(cfg), tmp_path / 'run')
    assert Path(result.run.checkpoint).is_file()
    assert len(list((tmp_path / 'cache').rglob('*.npy'))) > 0
