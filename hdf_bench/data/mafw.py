"""MAFW reader: 11 classes (or the 7 basic ones with ``map_to_basic=True``)."""
from __future__ import annotations

import os

from mmaction.registry import DATASETS

from hdf_bench.data.base import ClipEntry, FrameClipDataset, require_dir, require_file
from hdf_bench.data.classes import CLASSES, MAFW_CLASSES, class_index
from hdf_bench.data.dfew import SPLITS, resolve_ann_file

FRAME_FOLDERS = ('frames', 'faces')


def read_mafw_list(path: str) -> list[tuple[str, int]]:
    """Read a MAFW split list: lines ``03747.mp4 anger``.

    Returns:
        list of (clip id without extension, index in :data:`MAFW_CLASSES`).
    """
    clips = []
    seen: set[str] = set()
    with open(require_file(path, 'MAFW split file'), encoding='utf-8-sig') as f:
        for line_no, line in enumerate(f, start=1):
            parts = line.split()
            if not parts:
                continue
            where = f'{path} line {line_no}'
            if len(parts) != 2:
                raise ValueError(f'{where}: expected "<id>.mp4 <label>", got {line.strip()!r}')
            clip_id = os.path.splitext(parts[0])[0]
            try:
                label = class_index(parts[1], MAFW_CLASSES)
            except ValueError as err:
                raise ValueError(f'{where}: {err}') from None
            if clip_id in seen:
                raise ValueError(f'{where}: clip {clip_id} is listed twice')
            seen.add(clip_id)
            clips.append((clip_id, label))
    return clips


@DATASETS.register_module()
class MAFWDataset(FrameClipDataset):
    """MAFW single-labelled clips, ``split/single/no_caption/set_<fold>/{train,test}.txt``.

    Labels follow :data:`MAFW_CLASSES` (the 7 canonical classes first, then contempt,
    anxiety, helplessness, disappointment). With ``map_to_basic=True`` clips of the 4
    non-basic classes are dropped (counted in :attr:`num_non_basic`) and labels index
    :data:`CLASSES`.

    Args:
        data_root: MAFW root (holding ``split`` and ``data``).
        pipeline: mmaction2 transforms.
        fold: 1..5.
        split: 'train' or 'test'.
        ann_file: optional list in the same format (absolute or relative to ``data_root``).
        frames: 'frames' (``data/frames/<id>``), 'faces' (``data/faces/<id>``) or 'auto'
            (frames if that folder exists, else faces).
        map_to_basic: keep only the 7 basic classes.
        **kwargs: ``on_missing``, ``check_frames``, ``test_mode``, ...
    """

    #: format of its split files (:mod:`hdf_bench.imbalance.formats` writes subsets in it)
    split_format = 'mafw'

    @staticmethod
    def split_file(data_root: str, fold: int = 1, split: str = 'train') -> str:
        """The official split file of ``fold`` / ``split`` under ``data_root``."""
        return os.path.join(data_root, 'split', 'single', 'no_caption', f'set_{fold}',
                            f'{split}.txt')

    def __init__(self, data_root: str, pipeline: list, fold: int = 1, split: str = 'train',
                 ann_file: str | None = None, frames: str = 'auto', map_to_basic: bool = False,
                 **kwargs) -> None:
        require_dir(data_root, 'MAFW data_root')
        if fold not in range(1, 6):
            raise ValueError(f'MAFW fold must be 1..5, got {fold!r}')
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        if frames == 'auto':
            present = [name for name in FRAME_FOLDERS
                       if os.path.isdir(os.path.join(data_root, 'data', name))]
            if not present:
                raise FileNotFoundError(
                    f'MAFW frame folder not found: expected {data_root}/data/frames or '
                    f'{data_root}/data/faces')
            frames = present[0]
        elif frames not in FRAME_FOLDERS:
            raise ValueError(f"frames must be 'auto' or one of {FRAME_FOLDERS}, got {frames!r}")
        if ann_file:
            ann_file = resolve_ann_file(ann_file, data_root)
        else:
            ann_file = require_file(self.split_file(data_root, fold, split), 'MAFW split file')
        self.fold, self.split, self.map_to_basic = fold, split, map_to_basic
        self.num_non_basic = 0
        self.clip_root = os.path.abspath(os.path.join(data_root, 'data', frames))
        require_dir(self.clip_root, 'MAFW frame folder')
        classes = CLASSES if map_to_basic else MAFW_CLASSES
        super().__init__(ann_file, pipeline, data_root, classes=classes, **kwargs)

    def read_split(self) -> list[ClipEntry]:
        entries = []
        self.num_non_basic = 0
        for clip_id, label in read_mafw_list(self.ann_file):
            if self.map_to_basic and label >= len(CLASSES):
                self.num_non_basic += 1
                continue
            entries.append(ClipEntry(clip_id, os.path.join(self.clip_root, clip_id), label))
        return entries
