"""The test split of a data set in its own layout: which clips, where their frames are, and
which split file lists them.

A data set's reader (:mod:`hdf_bench.data`) parses the split; every path is kept relative to
the data root, so an exported set repeats the source layout below ``<out>/<unit>/``. The split
file is copied verbatim (it already lists exactly the test clips, in the data set's own format).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DATASETS = ('dfew', 'ferv39k', 'mafw', 'synthdfer')
#: reader (registered dataset type) of each data set; SynthDFER is written in DFEW's layout
READERS = {'dfew': 'DFEWDataset', 'ferv39k': 'FERV39kDataset', 'mafw': 'MAFWDataset',
           'synthdfer': 'DFEWDataset'}
FOLDED = ('dfew', 'mafw', 'synthdfer')


@dataclass(frozen=True)
class SourceClip:
    """One test clip of the source data set.

    Args:
        clip_id: the reader's clip id (what corruption draws depend on).
        rel_dir: the clip's frame folder relative to the data root.
        filename_tmpl: frame name template (``{}`` = frame number).
        offset: number of the first frame.
        total_frames: number of frames.
    """

    clip_id: str
    rel_dir: str
    filename_tmpl: str
    offset: int
    total_frames: int

    def frame_names(self) -> list[str]:
        return [self.filename_tmpl.format(self.offset + i) for i in range(self.total_frames)]


@dataclass(frozen=True)
class SourceSplit:
    """The test split of one data set copy.

    Args:
        dataset: one of :data:`DATASETS`.
        data_root: absolute path of the source root.
        fold: fold (None for FERV39k).
        options: reader options that select the layout (DFEW ``variant``, MAFW ``frames``).
        split_file: the split file, relative to the data root.
        clips: the test clips, in split-file order.
    """

    dataset: str
    data_root: str
    fold: int | None
    options: dict
    split_file: str
    clips: tuple[SourceClip, ...]

    def reader_cfg(self, data_root: str) -> dict:
        """Config of the reader for this split under ``data_root`` (the source or an export)."""
        cfg = dict(type=READERS[self.dataset], data_root=str(data_root), pipeline=[],
                   split='test', test_mode=True, **self.options)
        if self.fold is not None:
            cfg['fold'] = self.fold
        return cfg


def _relative(path: str, root: str, what: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel.startswith(os.pardir):
        raise ValueError(f'{what} {path} lies outside the data root {root}')
    return rel


def read_test_split(dataset: str, data_root: str | os.PathLike, fold: int | None = None,
                    variant: str | None = None, frames: str | None = None) -> SourceSplit:
    """Read the test split of a data set copy with its own reader.

    Args:
        dataset: ``dfew``, ``ferv39k``, ``mafw`` or ``synthdfer``.
        data_root: root of the copy.
        fold: 1..5 for DFEW, MAFW and SynthDFER (default 1); FERV39k has none.
        variant: DFEW/SynthDFER frame folder (default ``clip_224x224``).
        frames: MAFW frame folder, ``frames`` or ``faces`` (default: the one present).
    """
    from mmaction.registry import DATASETS as REGISTRY

    import hdf_bench  # noqa: F401 - registers the readers

    if dataset not in DATASETS:
        raise ValueError(f'--dataset must be one of {DATASETS}, got {dataset!r}')
    if dataset in FOLDED:
        fold = 1 if fold is None else int(fold)
    elif fold is not None:
        raise ValueError(f'{dataset} has no folds (its test split is one list); drop --fold')
    if variant is not None and dataset not in ('dfew', 'synthdfer'):
        raise ValueError(f'--variant is a DFEW layout option; {dataset} has none')
    if frames is not None and dataset != 'mafw':
        raise ValueError(f'--frames is a MAFW option; {dataset} has none')
    options: dict = {}
    if dataset in ('dfew', 'synthdfer'):
        options['variant'] = variant or 'clip_224x224'
    root = os.path.abspath(data_root)
    cfg = dict(type=READERS[dataset], data_root=root, pipeline=[], split='test',
               test_mode=True, **options, **({} if frames is None else dict(frames=frames)))
    if fold is not None:
        cfg['fold'] = fold
    reader = REGISTRY.build(cfg)
    if dataset == 'mafw':  # record the folder 'auto' chose, so the export repeats it
        options['frames'] = os.path.basename(reader.clip_root)
    clips = tuple(SourceClip(str(info['clip_id']), _relative(info['frame_dir'], root, 'clip'),
                             info['filename_tmpl'], int(info['offset']),
                             int(info['total_frames']))
                  for info in (reader.get_data_info(i) for i in range(len(reader))))
    return SourceSplit(dataset, root, fold, options,
                     _relative(reader.ann_file, root, 'split file'), clips)
