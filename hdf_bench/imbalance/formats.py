"""Readers and writers of the official split files of DFEW, FERV39k and MAFW.

Each entry keeps its source line verbatim, so a written subset is byte-for-byte in the data
set's own format (ids spelled as in the source, same class spelling):

- ``dfew``: CSV with header ``video_name,label``; labels 1-based in DFEW's order.
- ``ferv39k``: no header, ``<Scene>/<Class>/<id> <ClassName>`` (e.g. ``Action/Sad/0010 Sad``).
- ``mafw``: no header, ``<id>.mp4 <class>`` (e.g. ``03747.mp4 anger``); 11 classes, labels
  index :data:`hdf_bench.data.classes.MAFW_CLASSES` (the 7 canonical first).

Labels and ids are read exactly as the data readers of :mod:`hdf_bench.data` read them
(:func:`reference_pairs` runs those readers), so a written subset is checked with them.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdf_bench.data.classes import CLASSES, MAFW_CLASSES, class_index
from hdf_bench.data.dfew import normalise_video_name, read_dfew_csv
from hdf_bench.data.ferv39k import read_ferv39k_list
from hdf_bench.data.mafw import read_mafw_list

FORMATS = ('dfew', 'ferv39k', 'mafw')
DFEW_HEADER = 'video_name,label'


@dataclass(frozen=True)
class SplitEntry:
    """One clip of a split file.

    Args:
        clip_id: canonical id (DFEW: 5-digit; FERV39k: ``Scene/Class/id``; MAFW: file stem).
        label: 0-based index into the format's class list.
        line: the source line, stripped of surrounding whitespace.
    """

    clip_id: str
    label: int
    line: str


@dataclass(frozen=True)
class Split:
    """A parsed split file.

    Args:
        fmt: one of :data:`FORMATS`.
        entries: clips in file order.
        header: the header line (DFEW) or ``None``.
        source: where it was read from (for messages).
    """

    fmt: str
    entries: tuple[SplitEntry, ...]
    header: str | None = None
    source: str = '<text>'

    @property
    def classes(self) -> tuple[str, ...]:
        return format_classes(self.fmt)

    def class_counts(self) -> np.ndarray:
        """Clips per class, in class order."""
        labels = np.array([e.label for e in self.entries], dtype=np.int64)
        return np.bincount(labels, minlength=len(self.classes))


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f'split format must be one of {FORMATS}, got {fmt!r}')
    return fmt


def format_classes(fmt: str) -> tuple[str, ...]:
    """Class list (label order) of a split format."""
    return MAFW_CLASSES if check_format(fmt) == 'mafw' else CLASSES


def label_index(fmt: str, name: str) -> int:
    """0-based label of a class name in a format's class list (aliases allowed for 7 classes)."""
    return class_index(name, format_classes(fmt))


def _parse_dfew(lines: list[tuple[int, str]], source: str) -> tuple[str, list[SplitEntry]]:
    if not lines:
        raise ValueError(f'{source}: empty DFEW split; expected header {DFEW_HEADER!r}')
    header_no, header = lines[0]
    columns = [c.strip().lower() for c in header.split(',')]
    if 'video_name' not in columns or 'label' not in columns:
        raise ValueError(f'{source}:{header_no}: DFEW header must be {DFEW_HEADER!r}, '
                         f'got {header!r}')
    id_col, label_col = columns.index('video_name'), columns.index('label')
    entries = []
    for no, line in lines[1:]:
        cells = [c.strip() for c in line.split(',')]
        if len(cells) != len(columns):
            raise ValueError(f'{source}:{no}: expected {len(columns)} comma-separated fields '
                             f'({header!r}), got {line!r}')
        clip_id = normalise_video_name(cells[id_col], f'{source}:{no}')
        raw_label = cells[label_col]
        try:
            value = float(raw_label)
        except ValueError:
            value = float('nan')
        if not (math.isfinite(value) and value == int(value) and 1 <= value <= len(CLASSES)):
            raise ValueError(f'{source}:{no}: DFEW label must be an integer 1..{len(CLASSES)} '
                             f'(1-based), got {raw_label!r}')
        label = int(value)
        entries.append(SplitEntry(clip_id, label - 1, line))
    return header, entries


def _parse_pairs(lines: list[tuple[int, str]], fmt: str, source: str) -> list[SplitEntry]:
    entries = []
    for no, line in lines:
        parts = line.split()
        if len(parts) != 2:
            example = 'Action/Sad/0010 Sad' if fmt == 'ferv39k' else '03747.mp4 anger'
            raise ValueError(f'{source}:{no}: expected 2 space-separated fields like '
                             f'{example!r}, got {line!r}')
        path, name = parts
        try:
            if fmt == 'ferv39k':
                clip_id = path.strip('/').replace('\\', '/')
                if clip_id.count('/') != 2:
                    raise ValueError(f'clip path must be <Scene>/<Class>/<id>, got {path!r}')
                label = label_index(fmt, name)
            else:
                clip_id, label = os.path.splitext(path)[0], label_index(fmt, name)
        except ValueError as err:
            raise ValueError(f'{source}:{no}: {err}') from None
        entries.append(SplitEntry(clip_id, label, line))
    return entries


def parse_split_text(text: str, fmt: str, source: str = '<text>') -> Split:
    """Parse the text of a split file.

    Args:
        text: file contents (BOM, CRLF and blank lines tolerated).
        fmt: ``dfew``, ``ferv39k`` or ``mafw``.
        source: name used in error messages.
    """
    check_format(fmt)
    text = text.lstrip('\ufeff')
    lines = [(no, line.strip()) for no, line in enumerate(text.splitlines(), 1) if line.strip()]
    header = None
    if fmt == 'dfew':
        header, entries = _parse_dfew(lines, source)
    else:
        entries = _parse_pairs(lines, fmt, source)
    seen: set[str] = set()
    for entry in entries:
        if entry.clip_id in seen:
            raise ValueError(f'{source}: clip {entry.clip_id!r} is listed more than once')
        seen.add(entry.clip_id)
    return Split(fmt=fmt, entries=tuple(entries), header=header, source=source)


def read_split(path: str | os.PathLike, fmt: str) -> Split:
    """Read a split file in its data set's own format (see :func:`parse_split_text`)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f'split file {path} does not exist')
    return parse_split_text(path.read_text(encoding='utf-8'), fmt, source=str(path))


def format_split(split: Split, entries: list[SplitEntry] | tuple[SplitEntry, ...]) -> str:
    """Text of a split file holding ``entries`` in the format (and header) of ``split``."""
    lines = [split.header or DFEW_HEADER] if split.fmt == 'dfew' else []
    lines += [e.line for e in entries]
    return '\n'.join(lines) + '\n'


def reference_pairs(path: str | os.PathLike, fmt: str) -> list[tuple[str, int]]:
    """``(clip_id, label)`` per clip as the data set's reader in :mod:`hdf_bench.data` reads it."""
    path = str(path)
    if check_format(fmt) == 'dfew':
        return read_dfew_csv(path)
    if fmt == 'ferv39k':
        return [(clip, label) for clip, _, label in read_ferv39k_list(path)]
    return read_mafw_list(path)
