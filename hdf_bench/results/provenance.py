"""Where a cell's numbers came from: digests of what the evaluation read.

A cell's ``provenance`` is a flat dict of digests (:func:`checkpoint`, :func:`config`, the data
digest of :func:`hdf_bench.robustness.cache.data_digest`, :func:`corruption_code` and the
condition). A stored cell is reused only when its provenance equals the one the new run would
write; :func:`changes` names what differs.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

#: ``--on-stale`` choices: recompute a stale cell, or refuse naming what changed
ON_STALE = ('recompute', 'error')


class StaleCellError(ValueError):
    """A stored cell was computed from other inputs than this run's (``on_stale='error'``)."""


def digest_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stable_json(obj) -> str:
    """JSON with sorted keys; objects JSON cannot hold are written as their type name (never a
    ``repr`` with a memory address, which would differ between processes)."""
    return json.dumps(obj, sort_keys=True, separators=(',', ':'),
                      default=lambda o: f'<{type(o).__module__}.{type(o).__qualname__}>')


def _plain(obj):
    if hasattr(obj, 'to_dict'):
        obj = obj.to_dict()
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


@lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (memoised per path, size and mtime)."""
    stat = os.stat(path)
    return _file_digest(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


def checkpoint(path: str | os.PathLike) -> str:
    """Digest of a checkpoint file: a model retrained under the same name gets another one."""
    return file_digest(path)


def weights(model) -> str:
    """Digest of an in-memory model's weights (an outside model with no checkpoint file):
    its ``state_dict`` tensors' names, shapes and bytes; a non-module callable: its type."""
    state = getattr(model, 'state_dict', None)
    if not callable(state):
        return digest_text(f'{type(model).__module__}.{type(model).__qualname__}')
    h = hashlib.sha256()
    for name, tensor in state().items():
        h.update(f'{name}:{tuple(tensor.shape)}:{tensor.dtype}'.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


#: the config keys a test result depends on (the trained weights are the checkpoint's digest;
#: how and where a run was trained, logged or resumed does not change its predictions)
EVAL_KEYS = ('model', 'test_dataloader', 'test_cfg', 'test_evaluator', 'dataset_name')


def config(cfg) -> str:
    """Digest of the evaluation part of a resolved config (every edit applied: data root,
    fold, options): the keys of :data:`EVAL_KEYS`."""
    plain = _plain(cfg)
    if isinstance(plain, dict):
        plain = {k: plain.get(k) for k in EVAL_KEYS}
    return digest_text(stable_json(plain))


def corruption_code() -> str:
    """Digest of the corruption code (every ``hdf_bench/corruptions`` source file)."""
    import hdf_bench.corruptions as package

    digest = hashlib.sha256()
    for path in sorted(Path(package.__file__).parent.rglob('*.py')):
        digest.update(path.name.encode() + b'\0' + path.read_bytes() + b'\0')
    return digest.hexdigest()


def changes(stored: Mapping | None, current: Mapping) -> list[str]:
    """Names of the provenance fields that differ (``provenance`` if the cell has none)."""
    if not isinstance(stored, Mapping) or not stored:
        return ['provenance (the cell records none)']
    return [name for name in sorted(set(stored) | set(current))
            if stored.get(name) != current.get(name)]


def short(value) -> str:
    """A digest as the report shows it (first 12 hex digits)."""
    return str(value)[:12] if value else '-'


def model_checkpoints(frame) -> dict[str, str]:
    """Per model of a :func:`~hdf_bench.results.read_frame` frame, the short checkpoint
    digest(s) its cells record (``a, b`` when cells of several checkpoints are mixed; ``-`` for
    cells written without provenance)."""
    found: dict[str, set[str]] = {}
    for model, record in zip(frame['model'], frame['record'], strict=True):
        digest = (record.get('provenance') or {}).get('checkpoint')
        found.setdefault(model, set()).add(short(digest))
    return {model: ', '.join(sorted(digests)) for model, digests in found.items()}
