"""FERV39k reader: ``2_ClipsforFaceCrop/<Scene>/<Class>/<id>/*.jpg`` + ``4_setups`` lists."""
from __future__ import annotations

import os

from mmaction.registry import DATASETS

from hdf_bench.data.base import ClipEntry, FrameClipDataset, require_dir, require_file
from hdf_bench.data.classes import class_index
from hdf_bench.data.dfew import SPLITS, resolve_ann_file


def read_ferv39k_list(path: str) -> list[tuple[str, str, int]]:
    """Read a FERV39k setup list: no header, lines ``<Scene>/<Class>/<id> <ClassName>``.

    Returns:
        list of (clip path ``Scene/Class/id``, scene, canonical label).
    """
    clips = []
    seen: set[str] = set()
    with open(require_file(path, 'FERV39k split file'), encoding='utf-8-sig') as f:
        for line_no, line in enumerate(f, start=1):
            parts = line.split()
            if not parts:
                continue
            where = f'{path} line {line_no}'
            if len(parts) != 2:
                raise ValueError(f'{where}: expected "<Scene>/<Class>/<id> <ClassName>", '
                                 f'got {line.strip()!r}')
            clip, name = parts
            clip = clip.strip('/').replace('\\', '/')
            if clip.count('/') != 2:
                raise ValueError(f'{where}: clip path {clip!r} is not <Scene>/<Class>/<id>')
            try:
                label = class_index(name)
            except ValueError as err:
                raise ValueError(f'{where}: {err}') from None
            if clip in seen:
                raise ValueError(f'{where}: clip {clip} is listed twice')
            seen.add(clip)
            clips.append((clip, clip.split('/')[0], label))
    return clips


@DATASETS.register_module()
class FERV39kDataset(FrameClipDataset):
    """FERV39k (7 classes); each data info keeps its ``scene`` as metadata.

    Args:
        data_root: FERV39k root (holding ``2_ClipsforFaceCrop`` and ``4_setups``).
        pipeline: mmaction2 transforms.
        split: 'train' or 'test' (``4_setups/All_scenes/{split}_All.csv``).
        ann_file: optional list in the same format (absolute or relative to ``data_root``).
        clips_dir: folder of the face-crop clips under ``data_root``.
        **kwargs: ``on_missing``, ``check_frames``, ``test_mode``, ...
    """

    #: format of its split files (:mod:`hdf_bench.imbalance.formats` writes subsets in it)
    split_format = 'ferv39k'

    @staticmethod
    def split_file(data_root: str, fold: int | None = None, split: str = 'train') -> str:
        """The official split file of ``split`` under ``data_root`` (FERV39k has no folds)."""
        return os.path.join(data_root, '4_setups', 'All_scenes', f'{split}_All.csv')

    def __init__(self, data_root: str, pipeline: list, split: str = 'train',
                 ann_file: str | None = None, clips_dir: str = '2_ClipsforFaceCrop',
                 **kwargs) -> None:
        require_dir(data_root, 'FERV39k data_root')
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        if ann_file:
            ann_file = resolve_ann_file(ann_file, data_root)
        else:
            ann_file = require_file(self.split_file(data_root, None, split),
                                    'FERV39k split file')
        self.split = split
        self.clip_root = os.path.abspath(os.path.join(data_root, clips_dir))
        require_dir(self.clip_root, 'FERV39k clip folder')
        super().__init__(ann_file, pipeline, data_root, **kwargs)

    def read_split(self) -> list[ClipEntry]:
        return [ClipEntry(clip, os.path.join(self.clip_root, *clip.split('/')), label,
                          dict(scene=scene))
                for clip, scene, label in read_ferv39k_list(self.ann_file)]
