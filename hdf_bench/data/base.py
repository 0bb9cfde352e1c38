"""Shared base of the frame-folder readers: clip list -> mmaction2 data infos."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mmaction.datasets import BaseActionDataset
from mmengine.logging import print_log

from hdf_bench.data.classes import CLASSES
from hdf_bench.data.frames import FrameFolderError, FrameRun, decode_frame, scan_frames

ON_MISSING = ('error', 'skip')
CHECK_FRAMES = ('none', 'size', 'decode')
#: ``on_missing`` of data sets built without one (set by :func:`default_on_missing`)
_DEFAULTS = dict(on_missing='error')


@contextmanager
def default_on_missing(policy: str) -> Iterator[None]:
    """Within the block, data sets whose config sets no ``on_missing`` use ``policy``.

    The command line's ``--on-missing`` goes through here, so that every data set a command
    builds (training, validation, test) follows it without each caller passing it on.
    """
    if policy not in ON_MISSING:
        raise ValueError(f'on_missing must be one of {ON_MISSING}, got {policy!r}')
    previous = _DEFAULTS['on_missing']
    _DEFAULTS['on_missing'] = policy
    try:
        yield
    finally:
        _DEFAULTS['on_missing'] = previous


@dataclass
class ClipEntry:
    """One line of a split file, before its frame folder is scanned.

    Args:
        clip_id: id unique within the data set (e.g. DFEW's 5-digit id).
        frame_dir: the clip's frame folder.
        label: class index in the data set's class list.
        extra: metadata copied into the data info (e.g. ``scene``).
    """

    clip_id: str
    frame_dir: str
    label: int
    extra: dict[str, Any] = field(default_factory=dict)


def require_dir(path: str, what: str) -> str:
    """Return ``path`` if it is a folder, else raise FileNotFoundError naming ``what``."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{what} {path} does not exist (or is not a folder)')
    return path


def require_file(path: str, what: str) -> str:
    """Return ``path`` if it is a file, else raise FileNotFoundError naming ``what``."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    return path


class FrameClipDataset(BaseActionDataset):
    """Base of DFEW/FERV39k/MAFW readers; subclasses implement :meth:`read_split`.

    Each data info holds ``frame_dir``, ``total_frames``, ``label``, ``filename_tmpl``,
    ``offset`` and ``clip_id`` (see docs/CONTRACTS.md), plus the entry's metadata.

    Args:
        ann_file: the split file.
        pipeline: mmaction2 transforms.
        data_root: root folder of the data set.
        on_missing: 'error' raises on a missing/empty/broken clip folder; 'skip' drops the
            clip, counts it (:attr:`skipped`) and logs a warning; None: 'error' unless
            :func:`default_on_missing` (the command line's ``--on-missing``) says otherwise.
        check_frames: 'none', 'size' (no empty frame file; default) or 'decode' (every
            frame decodes; slow, for auditing a data set).
        classes: class names in label order (metainfo ``classes``).
        **kwargs: passed to :class:`mmaction.datasets.BaseActionDataset`.
    """

    def __init__(self, ann_file: str, pipeline: list, data_root: str,
                 on_missing: str | None = None, check_frames: str = 'size',
                 classes: tuple[str, ...] = CLASSES, **kwargs) -> None:
        on_missing = _DEFAULTS['on_missing'] if on_missing is None else on_missing
        if on_missing not in ON_MISSING:
            raise ValueError(f'on_missing must be one of {ON_MISSING}, got {on_missing!r}')
        if check_frames not in CHECK_FRAMES:
            raise ValueError(f'check_frames must be one of {CHECK_FRAMES}, got {check_frames!r}')
        self.on_missing = on_missing
        self.check_frames = check_frames
        #: (clip_id, reason) of every clip dropped with ``on_missing='skip'``
        self.skipped: list[tuple[str, str]] = []
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        metainfo.setdefault('classes', tuple(classes))
        # absolute paths: mmengine would prefix a relative ann_file with data_root once more
        super().__init__(os.path.abspath(ann_file), pipeline=pipeline,
                         data_root=os.path.abspath(data_root), metainfo=metainfo, **kwargs)

    def read_split(self) -> list[ClipEntry]:
        """Parse :attr:`ann_file` into clip entries (no file-system checks on frames)."""
        raise NotImplementedError

    def _scan(self, entry: ClipEntry) -> FrameRun:
        run = scan_frames(entry.frame_dir, check_sizes=self.check_frames != 'none')
        if self.check_frames == 'decode':
            for index in range(run.total_frames):
                decode_frame(run.path(index))
        return run

    def load_data_list(self) -> list[dict]:
        """Read the split file and scan every clip's frame folder."""
        data_list = []
        self.skipped = []
        for entry in self.read_split():
            try:
                run = self._scan(entry)
            except (FrameFolderError, FileNotFoundError) as err:
                if self.on_missing == 'error':
                    raise type(err)(f'{err} (clip {entry.clip_id} of {self.ann_file}; '
                                    "--on-missing skip, or on_missing='skip' in the data set "
                                    'config, drops such clips)') from None
                self.skipped.append((entry.clip_id, str(err)))
                continue
            data_list.append(dict(
                frame_dir=run.frame_dir, total_frames=run.total_frames, label=entry.label,
                filename_tmpl=run.filename_tmpl, offset=run.offset, clip_id=entry.clip_id,
                **entry.extra))
        if self.skipped:
            examples = '; '.join(f'{cid}: {why}' for cid, why in self.skipped[:3])
            print_log(f'{type(self).__name__}: skipped {len(self.skipped)} clip(s) of '
                      f'{self.ann_file} with missing or broken frames, e.g. {examples}',
                      logger='current', level=30)
        if not data_list:
            raise ValueError(f'{self.ann_file} yields no usable clip '
                             f'({len(self.skipped)} skipped)')
        return data_list

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline; a failure names the clip, and the frame if one does not decode."""
        try:
            return super().prepare_data(idx)
        except Exception as err:
            info = self.get_data_info(idx)
            where = f'clip {info.get("clip_id")} of {self.ann_file}'
            try:  # the usual cause is a damaged frame: decode the clip's frames to name it
                run = FrameRun(info['frame_dir'], info['filename_tmpl'], info.get('offset', 0),
                               info['total_frames'])
                for index in range(run.total_frames):
                    decode_frame(run.path(index))
            except (FrameFolderError, OSError) as frame_err:
                raise type(frame_err)(f'{frame_err} ({where})') from err
            except KeyError:
                pass
            raise RuntimeError(f'loading {where} from {info.get("frame_dir")} failed: '
                               f'{type(err).__name__}: {err}') from err
