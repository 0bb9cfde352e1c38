"""A cache of pipeline outputs (corrupted or clean clips), shared by every model of a sweep.

One entry per (data list, test pipeline) -- the pipeline includes the corruption step with its
name, severity and seed -- so models with the same test pipeline are evaluated on identical
inputs, and the corruption is computed once. An entry is a folder::

    <cache>/<key>/clips.npy     (N, *sample_shape) array of the final pipeline output (the
                                ``inputs`` of ``PackActionInputs``, e.g. (N, 1, 3, T, H, W)
                                uint8), before the model's data preprocessor normalises it
    <cache>/<key>/index.json    clip ids and labels in row order, shape, dtype, the SHA-256
                                of ``clips.npy``, and what the key was made of (data set,
                                pipeline, versions)

An entry is built in a hidden temporary folder and renamed into place (atomic on POSIX), so a
reader sees a complete entry or none; a run killed mid-write leaves only a temporary folder,
which :meth:`ClipCache.remove_stale` deletes. :meth:`ClipCache.load` checks the checksum: a
damaged entry (unreadable, or its bytes changed) is dropped and reported as absent, so the
caller computes it again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdf_bench.results import atomic_write_text

#: bump when the layout or the meaning of an entry changes
CACHE_VERSION = 2
_TMP_PREFIX = '.tmp-'


def _stable_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, default=repr, separators=(',', ':'))


def _plain(obj):
    """Config dicts/lists -> plain python containers (for hashing)."""
    if hasattr(obj, 'to_dict'):
        obj = obj.to_dict()
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def pipeline_digest(pipeline: Sequence[dict]) -> str:
    """SHA-256 of a pipeline config (every step and argument; the corruption step included)."""
    return hashlib.sha256(_stable_json(_plain(list(pipeline))).encode()).hexdigest()


def data_digest(data_list: Sequence[dict]) -> str:
    """SHA-256 of a data list: every field of every clip, plus the mtime of each frame folder.

    The mtime catches a data set regenerated in place under the same file names.

    Args:
        data_list: the dataset's data infos, in order.
    """
    digest = hashlib.sha256()
    for info in data_list:
        digest.update(_stable_json(_plain(info)).encode())
        frame_dir = info.get('frame_dir')
        if frame_dir is not None:
            try:
                digest.update(str(os.stat(frame_dir).st_mtime_ns).encode())
            except OSError:
                digest.update(b'missing')
        digest.update(b'\n')
    return digest.hexdigest()


def cache_key(data_hash: str, pipeline: Sequence[dict], extra: dict | None = None) -> str:
    """Key of one cache entry.

    Args:
        data_hash: :func:`data_digest` of the data list.
        pipeline: the full test pipeline config (with the corruption step).
        extra: anything else that changes the pixels (e.g. library versions).
    """
    text = _stable_json(dict(version=CACHE_VERSION, data=data_hash,
                             pipeline=pipeline_digest(pipeline), extra=_plain(extra or {})))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class CachedClips:
    """A cache entry opened for reading.

    Args:
        inputs: memory-mapped (N, ...) array of pipeline outputs.
        clip_ids: clip id of each row.
        labels: label of each row.
        path: folder of the entry.
    """

    inputs: np.ndarray
    clip_ids: list[str]
    labels: list[int]
    path: Path

    def __len__(self) -> int:
        return len(self.clip_ids)


class CacheWriter:
    """Fills one entry batch by batch, then publishes it with :meth:`commit`.

    Args:
        cache: the cache.
        key: the entry's key.
        num: number of clips (rows).
        info: extra description stored in ``index.json``.
    """

    def __init__(self, cache: ClipCache, key: str, num: int, info: dict | None = None) -> None:
        self.cache = cache
        self.key = key
        self.num = num
        self.info = info or {}
        host = socket.gethostname().replace('-', '_')
        self.tmp = cache.root / f'{_TMP_PREFIX}{key}-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}'
        self.array: np.ndarray | None = None
        self.filled = 0

    def add(self, rows: np.ndarray) -> None:
        """Append rows (a batch of pipeline outputs, all of one shape and dtype)."""
        rows = np.asarray(rows)
        if self.array is None:
            self.tmp.mkdir(parents=True)
            self.array = np.lib.format.open_memmap(
                self.tmp / 'clips.npy', mode='w+', dtype=rows.dtype,
                shape=(self.num,) + rows.shape[1:])
        if rows.shape[1:] != self.array.shape[1:] or rows.dtype != self.array.dtype:
            raise ValueError(f'cache entry {self.key}: pipeline outputs differ in shape/dtype '
                             f'({rows.shape[1:]} {rows.dtype} vs {self.array.shape[1:]} '
                             f'{self.array.dtype}); this pipeline cannot be cached')
        end = self.filled + len(rows)
        if end > self.num:
            raise ValueError(f'cache entry {self.key}: more than {self.num} rows')
        self.array[self.filled:end] = rows
        self.filled = end

    def commit(self, clip_ids: Sequence[str], labels: Sequence[int]) -> Path:
        """Flush, write the index, and rename the entry into place; returns its folder."""
        if self.array is None or self.filled != self.num or len(clip_ids) != self.num:
            raise ValueError(f'cache entry {self.key}: {self.filled} of {self.num} rows written')
        self.array.flush()
        with open(self.tmp / 'clips.npy', 'rb+') as handle:
            os.fsync(handle.fileno())
        index = dict(version=CACHE_VERSION, key=self.key, clip_ids=[str(c) for c in clip_ids],
                     labels=[int(x) for x in labels], shape=list(self.array.shape),
                     dtype=str(self.array.dtype), sha256=_sha256(self.tmp / 'clips.npy'),
                     **self.info)
        del self.array
        self.array = None
        atomic_write_text(self.tmp / 'index.json', json.dumps(index))
        final = self.cache.path(self.key)
        try:
            os.rename(self.tmp, final)
        except OSError:
            # another process published the same entry first: identical content, keep theirs
            if not (final / 'index.json').is_file():
                raise
            self.abort()
        return final

    def abort(self) -> None:
        """Drop the temporary folder."""
        self.array = None
        shutil.rmtree(self.tmp, ignore_errors=True)


class ClipCache:
    """A folder of cache entries.

    Args:
        root: folder of the cache (created when needed).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f'cache {self.root} exists and is not a folder')
        #: one line per damaged entry :meth:`load` dropped (for the caller to report)
        self.dropped: list[str] = []

    def path(self, key: str) -> Path:
        return self.root / key

    def has(self, key: str) -> bool:
        return (self.path(key) / 'index.json').is_file()

    def load(self, key: str) -> CachedClips | None:
        """Open an entry (memory-mapped), or None if there is none or it was damaged (then it
        is deleted and a line added to :attr:`dropped`)."""
        folder = self.path(key)
        if not (folder / 'index.json').is_file():
            return None
        try:
            index = json.loads((folder / 'index.json').read_bytes().decode('utf-8'))
            if not isinstance(index, dict) or index.get('version') != CACHE_VERSION:
                raise ValueError(f'not an index of cache version {CACHE_VERSION}')
            if _sha256(folder / 'clips.npy') != index.get('sha256'):
                raise ValueError('clips.npy does not match its checksum')
            inputs = np.load(folder / 'clips.npy', mmap_mode='r')
            if list(inputs.shape) != index['shape'] or len(index['clip_ids']) != len(inputs):
                raise ValueError('index and array disagree')
        except (OSError, ValueError, KeyError, TypeError) as err:
            self._drop(folder, f'cache entry {folder} is damaged ({err}); recomputing it')
            return None
        return CachedClips(inputs, index['clip_ids'], index['labels'], folder)

    def _drop(self, folder: Path, why: str) -> None:
        host = socket.gethostname().replace('-', '_')
        tmp = self.root / f'{_TMP_PREFIX}{folder.name}-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}'
        try:
            os.rename(folder, tmp)
        except OSError:
            return  # another process dropped it first
        shutil.rmtree(tmp, ignore_errors=True)
        self.dropped.append(why)

    def writer(self, key: str, num: int, info: dict | None = None) -> CacheWriter:
        self.root.mkdir(parents=True, exist_ok=True)
        return CacheWriter(self, key, num, info)

    def remove_stale(self) -> int:
        """Delete temporary folders left by dead processes of this host; returns their number."""
        if not self.root.is_dir():
            return 0
        host = socket.gethostname().replace('-', '_')
        removed = 0
        for tmp in self.root.glob(f'{_TMP_PREFIX}*'):
            parts = tmp.name[len(_TMP_PREFIX):].split('-')
            if len(parts) != 4 or parts[1] != host or not parts[2].isdigit():
                continue
            if not _alive(int(parts[2])):
                shutil.rmtree(tmp, ignore_errors=True)
                removed += 1
        return removed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
