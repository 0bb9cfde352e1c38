"""The clip cache: keys that follow the pipeline and data, atomic entries, stale clean-up."""
from __future__ import annotations

import numpy as np
import pytest

from hdf_bench.robustness.cache import ClipCache, cache_key, data_digest

PIPELINE = [dict(type='SampleFrames', clip_len=4), dict(type='RawFrameDecode'),
            dict(type='Corrupt', name='fog', severity=2, seed=0), dict(type='Resize', scale=32)]


def test_key_changes_with_every_pipeline_argument_and_the_data(tmp_path):
    data = [dict(clip_id='1', frame_dir=str(tmp_path), label=0)]
    key = cache_key(data_digest(data), PIPELINE)
    assert key == cache_key(data_digest(data), [dict(s) for s in PIPELINE])
    for index, field, value in ((2, 'severity', 3), (2, 'seed', 1), (3, 'scale', 48)):
        changed = [dict(s) for s in PIPELINE]
        changed[index][field] = value
        assert cache_key(data_digest(data), changed) != key
    other = [dict(data[0], label=1)]
    assert cache_key(data_digest(other), PIPELINE) != key
    assert cache_key(data_digest(data), PIPELINE, dict(version='2')) != key


def test_entry_appears_only_when_committed(tmp_path):
    cache = ClipCache(tmp_path)
    writer = cache.writer('k', 3)
    writer.add(np.zeros((2, 1, 3, 2, 4, 4), np.uint8))
    assert not cache.has('k') and cache.load('k') is None
    with pytest.raises(ValueError, match='2 of 3 rows'):
        writer.commit(['a', 'b', 'c'], [0, 1, 2])
    writer.add(np.ones((1, 1, 3, 2, 4, 4), np.uint8))
    writer.commit(['a', 'b', 'c'], [0, 1, 2])
    entry = cache.load('k')
    assert entry.clip_ids == ['a', 'b', 'c'] and entry.labels == [0, 1, 2]
    assert entry.inputs.shape == (3, 1, 3, 2, 4, 4) and entry.inputs[2].min() == 1
    assert [p.name for p in tmp_path.iterdir()] == ['k']


def test_second_writer_of_the_same_entry_keeps_the_first(tmp_path):
    cache = ClipCache(tmp_path)
    writers = [cache.writer('k', 1), cache.writer('k', 1)]
    for writer in writers:
        writer.add(np.zeros((1, 2), np.uint8))
    for writer in writers:
        writer.commit(['a'], [0])
    assert [p.name for p in tmp_path.iterdir()] == ['k'] and cache.has('k')


def test_shape_change_is_an_error_and_stale_folders_are_removed(tmp_path):
    cache = ClipCache(tmp_path)
    writer = cache.writer('k', 2)
    writer.add(np.zeros((1, 2), np.uint8))
    with pytest.raises(ValueError, match='differ in shape'):
        writer.add(np.zeros((1, 3), np.uint8))
    assert cache.remove_stale() == 0  # its writer (this process) is alive
    dead = writer.tmp.with_name(writer.tmp.name.replace(f'-{__import__("os").getpid()}-',
                                                        '-999999999-'))
    writer.tmp.rename(dead)
    assert cache.remove_stale() == 1 and not dead.exists()
