"""Corrupt the whole clip, not only the sampled frames: the semantics of an exported set.

``Corrupt`` acts on the frames the test sampler picked (e.g. 8 of a 40-frame clip). An exported
corrupted set (``hdf-bench export-c``) holds every frame of every clip corrupted as one clip, and
a model samples from that. :class:`CorruptWholeClip` gives the same inputs on the fly: it decodes
all frames of the clip (exactly as ``RawFrameDecode`` does), corrupts them, and keeps the sampled
ones. :func:`decode_frames` is the one decoder of both paths, so their pixels are equal.
"""
from __future__ import annotations

import os

import mmcv
import numpy as np
from mmaction.registry import TRANSFORMS

from hdf_bench.corruptions.api import corrupt
from hdf_bench.corruptions.transforms import Corrupt, clip_id_of


def decode_frame(path: str) -> np.ndarray:
    """One frame as ``RawFrameDecode`` decodes it: (H, W, 3) uint8 RGB (cv2 backend)."""
    with open(path, 'rb') as handle:
        content = handle.read()
    return mmcv.imfrombytes(content, channel_order='rgb', backend='cv2')


def decode_frames(frame_dir: str, filename_tmpl: str, offset: int, total: int) -> np.ndarray:
    """Every frame of a clip folder: (total, H, W, 3) uint8 RGB.

    Args:
        frame_dir: the clip's folder.
        filename_tmpl: frame name template with one ``{}`` field (the data info's).
        offset: number of the first frame.
        total: number of frames.
    """
    frames = [decode_frame(os.path.join(frame_dir, filename_tmpl.format(offset + i)))
              for i in range(total)]
    shapes = sorted({f.shape for f in frames})
    if len(shapes) != 1:
        raise ValueError(f'frames of {frame_dir} differ in size ({shapes}); a clip is '
                         'corrupted as one array, so its frames must share one size')
    return np.stack(frames)


@TRANSFORMS.register_module()
class CorruptWholeClip(Corrupt):
    """``Corrupt`` applied to all frames of the clip; ``imgs`` become the sampled ones.

    Goes where ``Corrupt`` goes (right after ``RawFrameDecode``); needs the data info's
    ``frame_dir``, ``filename_tmpl``, ``offset``, ``total_frames`` and the sampler's
    ``frame_inds``. Args as :class:`~hdf_bench.corruptions.transforms.Corrupt`.
    """

    def transform(self, results: dict) -> dict:
        """Decode and corrupt the whole clip, then pick ``frame_inds`` from it."""
        for key in ('frame_dir', 'filename_tmpl', 'total_frames', 'frame_inds'):
            if key not in results:
                raise KeyError(f'CorruptWholeClip expects results[{key!r}] (a frame-folder '
                               'data info, sampled and decoded before this step)')
        clip = decode_frames(results['frame_dir'], results['filename_tmpl'],
                             int(results.get('offset', 0)), int(results['total_frames']))
        out = corrupt(clip, self.name, self.severity, seed=self.seed,
                      clip_id=clip_id_of(results), per_frame=self.per_frame)
        inds = np.asarray(results['frame_inds']).reshape(-1) - int(results.get('start_index', 0))
        if inds.size and (inds.min() < 0 or inds.max() >= len(out)):
            raise ValueError(f'frame_inds {inds.tolist()} outside the {len(out)} frames of '
                             f'{results["frame_dir"]}')
        results['imgs'] = [out[i].copy() for i in inds]
        return results
