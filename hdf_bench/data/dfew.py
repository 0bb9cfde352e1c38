"""DFEW reader (also reads SynthDFER, which is written in DFEW's layout)."""
from __future__ import annotations

import csv
import os

from mmaction.registry import DATASETS

from hdf_bench.data.base import ClipEntry, FrameClipDataset, require_dir, require_file
from hdf_bench.data.classes import CLASSES
from hdf_bench.data.landmarks import landmarks_path

DFEW_VARIANTS = ('clip_224x224', 'clip_224x224_16f')
SPLITS = ('train', 'test')
_SPELLINGS = ('single-labeled', 'single_labeled')


def dfew_split_file(data_root: str, fold: int, split: str) -> str:
    """Path of DFEW's official split CSV, accepting both folder spellings.

    Args:
        data_root: DFEW root (holding ``EmoLabel_DataSplit``).
        fold: 1..5.
        split: 'train' or 'test'.
    """
    if fold not in range(1, 6):
        raise ValueError(f'DFEW fold must be 1..5, got {fold!r}')
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    tried = [os.path.join(data_root, 'EmoLabel_DataSplit', f'{split}({spelling})',
                          f'set_{fold}.csv') for spelling in _SPELLINGS]
    for path in tried:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f'DFEW split file not found; tried {tried}')


def normalise_video_name(value: str, where: str) -> str:
    """``'1'``, ``'00001'``, ``'1.0'`` or ``'00001.mp4'`` -> ``'00001'``."""
    text = value.strip()
    stem = os.path.splitext(text)[0] if text.endswith(('.mp4', '.avi')) else text
    try:
        number = float(stem)
    except ValueError:
        number = float('nan')
    if number != number or number != int(number) or number < 0:
        raise ValueError(f'{where}: video_name {value!r} is not a clip number')
    if int(number) > 99999:
        raise ValueError(f'{where}: video_name {value!r} has more than 5 digits')
    return f'{int(number):05d}'


def read_dfew_csv(path: str) -> list[tuple[str, int]]:
    """Read a DFEW split CSV: header ``video_name,label``, labels 1..7.

    Returns:
        list of (5-digit clip id, canonical 0-based label).
    """
    with open(require_file(path, 'DFEW split file'), newline='', encoding='utf-8-sig') as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f'{path} is empty; expected a header "video_name,label"')
    header = [cell.strip().lower() for cell in rows[0]]
    if 'video_name' not in header or 'label' not in header:
        raise ValueError(f'{path}: header is {rows[0]}, expected "video_name,label"')
    name_col, label_col = header.index('video_name'), header.index('label')
    clips: list[tuple[str, int]] = []
    seen: set[str] = set()
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f'{path} line {line_no}'
        if len(row) <= max(name_col, label_col):
            raise ValueError(f'{where}: expected "video_name,label", got {row}')
        clip_id = normalise_video_name(row[name_col], where)
        raw = row[label_col].strip()
        try:
            value = float(raw)
        except ValueError:
            value = float('nan')
        if value != value or value != int(value) or not 1 <= int(value) <= len(CLASSES):
            raise ValueError(f'{where}: label {raw!r} is not a DFEW label; expected 1..7 '
                             f'(1 {CLASSES[0]} ... 7 {CLASSES[6]})')
        if clip_id in seen:
            raise ValueError(f'{where}: clip {clip_id} is listed twice')
        seen.add(clip_id)
        clips.append((clip_id, int(value) - 1))
    return clips


def resolve_ann_file(ann_file: str, data_root: str) -> str:
    """An absolute path is kept; a relative one is tried under ``data_root``, then as given."""
    candidates = [ann_file] if os.path.isabs(ann_file) else [
        os.path.join(data_root, ann_file), ann_file]
    for path in candidates:
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise FileNotFoundError(f'annotation file {ann_file!r} not found; tried {candidates}')


@DATASETS.register_module()
class DFEWDataset(FrameClipDataset):
    """DFEW's single-labelled 7-class task, from the official layout.

    ``Clip/<variant>/<5-digit id>/`` holds the frames; labels come from
    ``EmoLabel_DataSplit/{train,test}(single-labeled)/set_<fold>.csv`` (1-based, mapped to
    the canonical 0-based order, which is DFEW's). Where ``Landmarks/<variant>/<id>.npz``
    exists (SynthDFER writes it), the data info gets its path as ``landmarks_file``.

    Args:
        data_root: DFEW (or SynthDFER) root.
        pipeline: mmaction2 transforms.
        fold: 1..5.
        split: 'train' or 'test'.
        variant: 'clip_224x224' (all frames) or 'clip_224x224_16f' (16 frames).
        ann_file: optional CSV in DFEW's format replacing the official split (absolute, or
            relative to ``data_root``), e.g. a long-tailed training split.
        **kwargs: ``on_missing``, ``check_frames``, ``test_mode``, ... (see
            :class:`~hdf_bench.data.base.FrameClipDataset`).
    """

    #: format of its split files (:mod:`hdf_bench.imbalance.formats` writes subsets in it)
    split_format = 'dfew'

    @staticmethod
    def split_file(data_root: str, fold: int = 1, split: str = 'train') -> str:
        """The official split file of ``fold`` / ``split`` under ``data_root``."""
        return dfew_split_file(data_root, fold, split)

    def __init__(self, data_root: str, pipeline: list, fold: int = 1, split: str = 'train',
                 variant: str = 'clip_224x224', ann_file: str | None = None,
                 **kwargs) -> None:
        require_dir(data_root, 'DFEW data_root')
        if variant not in DFEW_VARIANTS:
            raise ValueError(f'DFEW variant must be one of {DFEW_VARIANTS}, got {variant!r}')
        if ann_file:
            ann_file = resolve_ann_file(ann_file, data_root)
        else:
            ann_file = dfew_split_file(data_root, fold, split)
        self.fold, self.split, self.variant = fold, split, variant
        self.clip_root = os.path.abspath(os.path.join(data_root, 'Clip', variant))
        require_dir(self.clip_root, f'DFEW frame folder for variant {variant!r}:')
        super().__init__(ann_file, pipeline, data_root, **kwargs)

    def read_split(self) -> list[ClipEntry]:
        entries = []
        for clip_id, label in read_dfew_csv(self.ann_file):
            landmarks = landmarks_path(self.data_root, self.variant, clip_id)
            extra = {'landmarks_file': landmarks} if os.path.isfile(landmarks) else {}
            entries.append(ClipEntry(clip_id, os.path.join(self.clip_root, clip_id), label, extra))
        return entries
