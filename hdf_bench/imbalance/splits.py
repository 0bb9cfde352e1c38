"""Write a long-tailed subset of a training split, in the data set's own split format.

Sampling is per class: a ``numpy`` Generator seeded from ``(seed, class index)`` picks the
planned number of clips without replacement; the chosen lines keep their source order. The same
inputs therefore give byte-identical files, and the draw of one class does not depend on the
others. A manifest JSON (``<split file name>.manifest.json``) is written next to the split.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hdf_bench.filemode import apply_umask
from hdf_bench.imbalance.formats import (
    format_classes,
    format_split,
    label_index,
    read_split,
    reference_pairs,
)
from hdf_bench.imbalance.profiles import condition_name, plan_counts
from hdf_bench.results import atomic_write_text


@dataclass(frozen=True)
class Manifest:
    """What a long-tailed split is and how it was made.

    Args:
        format: split format (``dfew``, ``ferv39k``, ``mafw``).
        source_split: absolute path of the full training split.
        source_sha256: hash of the source split's bytes.
        split_path: absolute path of the written subset.
        profile: ``exp``, ``step`` or ``reverse``.
        rho: imbalance ratio.
        seed: sampling seed.
        condition: store condition name, e.g. ``exp_rho10``.
        classes: class names in label order.
        order: class names by rank, head first (after ``reverse`` mirroring).
        n_max: effective head count after the availability cap.
        available: clips per class in the source split (class order).
        chosen: clips per class in the subset (class order) = the training class counts.
        num_clips: total clips in the subset.
    """

    format: str
    source_split: str
    source_sha256: str
    split_path: str
    profile: str
    rho: float
    seed: int
    condition: str
    classes: list[str]
    order: list[str]
    n_max: int
    available: list[int]
    chosen: list[int]
    num_clips: int

    @property
    def train_class_counts(self) -> list[int]:
        return list(self.chosen)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + '\n'


def manifest_path(split_path: str | os.PathLike) -> Path:
    """Where the manifest of a split file lives."""
    split_path = Path(split_path)
    return split_path.with_name(split_path.name + '.manifest.json')


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Read a manifest written by :func:`make_longtail_split`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        return Manifest(**data)
    except FileNotFoundError:
        raise ValueError(f'manifest {path} does not exist') from None
    except (json.JSONDecodeError, TypeError) as err:
        raise ValueError(f'manifest {path} is not a valid long-tail manifest: {err}') from None


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'seed must be a non-negative integer, got {seed!r}')
    return int(seed)


def _order_indices(order: Sequence[int | str] | None, fmt: str) -> list[int] | None:
    if order is None:
        return None
    if isinstance(order, str):
        raise ValueError(f'order must be a list of class indices or names, got {order!r}')
    return [label_index(fmt, item) if isinstance(item, str) else item for item in order]


def sample_indices(labels: np.ndarray, counts: Sequence[int], seed: int) -> np.ndarray:
    """Sorted positions of the chosen entries: ``counts[c]`` of class ``c`` each.

    Args:
        labels: label of each entry, in file order.
        counts: how many entries to keep per class.
        seed: the class-``c`` draw uses ``numpy.random.default_rng([seed, c])``.
    """
    chosen = []
    for cls, count in enumerate(counts):
        members = np.flatnonzero(labels == cls)
        if count > members.size:
            raise ValueError(f'class {cls}: cannot choose {count} of {members.size} clips')
        rng = np.random.default_rng([seed, cls])
        chosen.append(members[rng.choice(members.size, size=int(count), replace=False)])
    return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, np.int64)


def write_checked(path: Path, text: str, fmt: str, expected: list[tuple[str, int]]) -> None:
    """Atomically write a split file after the data set's own reader has read the temp file
    back as exactly ``expected`` ``(clip_id, label)`` pairs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        apply_umask(fd)
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        got = reference_pairs(tmp, fmt)
        if got != expected:
            raise RuntimeError(f'{fmt} reader reads the subset for {path} differently from '
                               f'what was chosen ({len(got)} vs {len(expected)} clips)')
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_longtail_split(source_split: str | os.PathLike, fmt: str, out_path: str | os.PathLike,
                        profile: str, rho: float, seed: int,
                        order: Sequence[int | str] | None = None,
                        n_max: int | None = None) -> Manifest:
    """Write a long-tailed subset of ``source_split`` and its manifest; return the manifest.

    Args:
        source_split: the full training split file, in format ``fmt``.
        fmt: ``dfew``, ``ferv39k`` or ``mafw``.
        out_path: the subset's split file (its manifest goes next to it).
        profile: ``exp``, ``step`` or ``reverse`` (see :mod:`hdf_bench.imbalance.profiles`).
        rho: imbalance ratio, >= 1 (1 = balanced).
        seed: sampling seed (non-negative integer).
        order: class indices or names by rank, head first; default descending by availability.
        n_max: requested head count; capped so every class fits.
    """
    classes = format_classes(fmt)
    seed = _check_seed(seed)
    source_path, out_path = Path(source_split).resolve(), Path(out_path).resolve()
    if source_path == out_path:
        raise ValueError(f'out_path {out_path} would overwrite the source split')
    split = read_split(source_path, fmt)
    plan = plan_counts(split.class_counts(), profile, rho,
                       order=_order_indices(order, fmt), n_max=n_max)
    labels = np.array([e.label for e in split.entries], dtype=np.int64)
    keep = sample_indices(labels, plan.counts, seed)
    chosen = [split.entries[i] for i in keep]
    text = format_split(split, chosen)
    manifest = Manifest(
        format=fmt, source_split=str(source_path),
        source_sha256=hashlib.sha256(source_path.read_bytes()).hexdigest(),
        split_path=str(out_path), profile=profile, rho=plan.rho, seed=seed,
        condition=condition_name(profile, plan.rho), classes=list(classes),
        order=[classes[i] for i in plan.order], n_max=plan.n_max,
        available=list(plan.available), chosen=list(plan.counts), num_clips=int(keep.size))
    write_checked(out_path, text, fmt, [(e.clip_id, e.label) for e in chosen])
    atomic_write_text(manifest_path(out_path), manifest.to_json())
    return manifest
