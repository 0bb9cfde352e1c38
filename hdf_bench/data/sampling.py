"""Test-time frame sampling: segment centres, so that a clip of exactly ``clip_len`` frames is
used frame for frame.

mmaction2's ``UniformSample(test_mode=True)`` maps a 16-frame clip to frames
[0..8, 8, 9..14] (frame 8 twice, the last frame never). :class:`SegmentCentreSample` cuts the
clip's n frames into ``clip_len`` equal segments and takes the frame at each segment's centre,
``floor((i + 0.5) * n / clip_len)`` for i = 0 .. clip_len - 1: every frame once when
n == clip_len, frames repeated in temporal order when n < clip_len, evenly spread frames when
n > clip_len. Training keeps ``UniformSample``'s random frame within each segment.
"""
from __future__ import annotations

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def segment_centres(num_frames: int, clip_len: int) -> np.ndarray:
    """0-based indices ``floor((i + 0.5) * num_frames / clip_len)``, i < clip_len (integer maths).

    Args:
        num_frames: frames in the clip (>= 1).
        clip_len: frames to sample (>= 1).
    """
    if num_frames < 1 or clip_len < 1:
        raise ValueError(f'segment_centres needs num_frames >= 1 and clip_len >= 1, got '
                         f'num_frames={num_frames}, clip_len={clip_len}')
    i = np.arange(clip_len, dtype=np.int64)
    return (2 * i + 1) * num_frames // (2 * clip_len)


@TRANSFORMS.register_module()
class SegmentCentreSample(BaseTransform):
    """Deterministic test/val sampling of one clip at the segment centres.

    Required keys: ``total_frames``, ``start_index``. Added keys: ``frame_inds``, ``clip_len``,
    ``frame_interval`` (None), ``num_clips`` (1), as ``UniformSample`` adds them.

    Args:
        clip_len (int): frames of the sampled clip.
    """

    def __init__(self, clip_len: int) -> None:
        if int(clip_len) < 1:
            raise ValueError(f'SegmentCentreSample: clip_len must be >= 1, got {clip_len}')
        self.clip_len = int(clip_len)

    def transform(self, results: dict) -> dict:
        total = int(results['total_frames'])
        if total < 1:
            raise ValueError(f"SegmentCentreSample: clip {results.get('frame_dir', '?')} has "
                             f'total_frames={total}; expected at least 1 frame')
        inds = segment_centres(total, self.clip_len) + results.get('start_index', 0)
        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(clip_len={self.clip_len})'
