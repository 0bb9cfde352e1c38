"""Decode each clip once: a uint8 frame cache inside mmaction2's pipeline.

:class:`CachedRawFrameDecode` is a drop-in replacement for mmaction2's ``RawFrameDecode``
(RGB frames): the first time a clip is seen it decodes **all** of its frames and stores them
as one ``(total_frames, H, W, 3)`` uint8 array; later calls (the next epochs, the sweep's
clean evaluation, the imbalance trainings, another process) pick the sampled frames from that
array instead of decoding JPEGs again. Its output equals ``RawFrameDecode``'s.

Storage: ``cache_dir='memory'`` keeps the arrays in the process; a folder keeps one ``.npy``
per clip there (written atomically, read memory-mapped, so processes share it through the
page cache). The key hashes the clip folder's real path, the naming template, offset and
frame count, and the size and modification time of the first and last frame file: another
data root, clip or frame count never collides, and a regenerated clip is decoded again.
"""
from __future__ import annotations

import hashlib
import os
import tempfile

import numpy as np
from mmaction.datasets.transforms.loading import RawFrameDecode
from mmaction.registry import TRANSFORMS

#: environment variable naming the default cache folder
CACHE_ENV = 'HDF_BENCH_CLIP_CACHE'
MEMORY = 'memory'


def default_cache_dir() -> str:
    """``$HDF_BENCH_CLIP_CACHE``, else ``~/.cache/hdf_bench/clips``."""
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser('~'), '.cache',
                                                      'hdf_bench', 'clips')


def _frame_path(results: dict, index: int) -> str:
    return os.path.join(results['frame_dir'],
                        results['filename_tmpl'].format(index + results.get('offset', 0)))


def clip_key(results: dict) -> str:
    """Cache key of the clip described by a pipeline ``results`` dict (see module doc)."""
    total = int(results['total_frames'])
    parts = [os.path.realpath(results['frame_dir']), results['filename_tmpl'],
             str(results.get('offset', 0)), str(total), results.get('modality', 'RGB')]
    for index in sorted({0, total - 1}):
        path = _frame_path(results, index)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise FileNotFoundError(f'frame {path} of clip {results["frame_dir"]} does not '
                                    f'exist (total_frames={total})') from None
        parts += [str(st.st_size), str(st.st_mtime_ns)]
    return hashlib.sha1('\0'.join(parts).encode()).hexdigest()


@TRANSFORMS.register_module()
class CachedRawFrameDecode(RawFrameDecode):
    """``RawFrameDecode`` that decodes each clip once into a uint8 cache.

    Required keys: ``frame_dir``, ``filename_tmpl``, ``frame_inds``, ``total_frames``,
    ``modality`` (RGB only), ``offset`` (optional). Added keys: ``imgs``, ``img_shape``,
    ``original_shape``.

    Args:
        cache_dir: a folder (created on use), ``'memory'`` for a per-process cache, or None
            for :func:`default_cache_dir`.
        kwargs: passed to ``RawFrameDecode`` (``io_backend``, ``decoding_backend``).
    """

    def __init__(self, cache_dir: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cache_dir = default_cache_dir() if cache_dir is None else str(cache_dir)
        self._memory: dict[str, np.ndarray] = {}

    def _decode_all(self, results: dict) -> np.ndarray:
        full = dict(results, frame_inds=np.arange(int(results['total_frames'])))
        imgs = super().transform(full)['imgs']
        shapes = {img.shape for img in imgs}
        if len(shapes) != 1:
            raise ValueError(f'clip {results["frame_dir"]}: frames differ in size {shapes}; '
                             'the clip cache needs one size per clip')
        return np.ascontiguousarray(np.stack(imgs), dtype=np.uint8)

    def frames(self, results: dict) -> np.ndarray:
        """All frames of the clip, ``(total_frames, H, W, 3)`` uint8 RGB (read-only)."""
        if results.get('modality', 'RGB') != 'RGB':
            raise ValueError(f'CachedRawFrameDecode reads RGB frames only, got modality '
                             f'{results.get("modality")!r} for {results["frame_dir"]}')
        key = clip_key(results)
        if self.cache_dir == MEMORY:
            if key not in self._memory:
                self._memory[key] = self._decode_all(results)
            return self._memory[key]
        path = os.path.join(self.cache_dir, key[:2], key + '.npy')
        if not os.path.isfile(path):
            stack = self._decode_all(results)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix='.npy.tmp', dir=os.path.dirname(path))
            try:
                with os.fdopen(fd, 'wb') as f:
                    np.save(f, stack)
                os.replace(tmp, path)  # atomic: readers never see a partial array
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        return np.load(path, mmap_mode='r')

    def transform(self, results: dict) -> dict:
        """Pick ``frame_inds`` from the clip's cached frames (copies, writable)."""
        stack = self.frames(results)
        inds = np.asarray(results['frame_inds'])
        if inds.ndim != 1:
            inds = np.squeeze(inds)
            results['frame_inds'] = inds
        if inds.size and (inds.min() < 0 or inds.max() >= len(stack)):
            raise IndexError(f'clip {results["frame_dir"]}: frame indices {inds.tolist()} '
                             f'outside 0..{len(stack) - 1}')
        imgs = [np.array(stack[i]) for i in inds.tolist()]
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(cache_dir={self.cache_dir!r})'
