"""Scan a clip's frame folder: numeric order, naming template, contiguity.

mmaction2's ``RawFrameDecode`` reads ``frame_dir / filename_tmpl.format(idx + offset)``.
:func:`scan_frames` infers ``filename_tmpl`` and ``offset`` from the files on disk and
checks that they form one contiguous numbered run (``1.jpg .. 16.jpg``,
``00001_00001.jpg ..``, ``0001.png ..``). A folder that is not such a run raises a
:class:`FrameFolderError` naming the folder and the problem; readers never guess.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from hdf_bench.errors import BadFileError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
_NUMBERED = re.compile(r'^(?P<prefix>.*?)(?P<num>\d+)(?P<ext>\.[A-Za-z]+)$')


class FrameFolderError(BadFileError):
    """A clip's frame folder is missing, empty or not a contiguous numbered run, or a frame
    does not decode."""


@dataclass(frozen=True)
class FrameRun:
    """A contiguous run of numbered frames in one folder.

    Args:
        frame_dir: absolute path of the folder.
        filename_tmpl: template with one ``{}`` field for the frame number.
        offset: number of the first frame (``RawFrameDecode`` adds it to 0-based indices).
        total_frames: number of frames.
    """

    frame_dir: str
    filename_tmpl: str
    offset: int
    total_frames: int

    def path(self, index: int) -> str:
        """Path of the ``index``-th frame (0-based)."""
        return os.path.join(self.frame_dir, self.filename_tmpl.format(index + self.offset))


def numeric_key(name: str) -> tuple:
    """Sort key that orders ``2.jpg`` before ``10.jpg`` (numbers compare as integers)."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r'(\d+)', name))


def _template(prefix: str, ext: str, digits: list[str], frame_dir: str) -> str:
    if all(str(int(d)) == d for d in digits):
        return f'{prefix}{{}}{ext}'
    widths = {len(d) for d in digits}
    if len(widths) == 1:
        return f'{prefix}{{:0{widths.pop()}d}}{ext}'
    raise FrameFolderError(
        f'frame folder {frame_dir} mixes zero-padded and unpadded frame numbers '
        f'(e.g. {prefix}{digits[0]}{ext}); expected one naming scheme')


def scan_frames(frame_dir: str, check_sizes: bool = True) -> FrameRun:
    """Describe the numbered frames of ``frame_dir``.

    Args:
        frame_dir: folder holding the frames of one clip.
        check_sizes: also check that no frame file is empty (one ``stat`` per file).

    Returns:
        FrameRun: template, offset and count for ``RawFrameDecode``.

    Raises:
        FileNotFoundError: the folder does not exist.
        FrameFolderError: the folder holds no image, holds images with
            several name patterns, has gaps or duplicate numbers, or an empty file.
    """
    if not os.path.isdir(frame_dir):
        raise FileNotFoundError(f'clip frame folder {frame_dir} does not exist')
    groups: dict[tuple[str, str], list[str]] = {}
    names: dict[str, str] = {}
    with os.scandir(frame_dir) as entries:
        for entry in entries:
            if not entry.name.lower().endswith(IMAGE_EXTENSIONS):
                continue
            match = _NUMBERED.match(entry.name)
            if match is None:
                raise FrameFolderError(
                    f'frame {entry.path} has no frame number; expected names like '
                    f'1.jpg, 00001.jpg or <id>_00001.jpg')
            key = (match['prefix'], match['ext'])
            groups.setdefault(key, []).append(match['num'])
            names[entry.name] = entry.path
            if check_sizes and entry.stat().st_size == 0:
                raise FrameFolderError(f'frame {entry.path} is empty (0 bytes)')
    if not groups:
        raise FrameFolderError(
            f'clip frame folder {frame_dir} holds no image ({"/".join(IMAGE_EXTENSIONS)})')
    if len(groups) > 1:
        found = sorted(f'{p}<n>{e}' for p, e in groups)
        raise FrameFolderError(
            f'frame folder {frame_dir} mixes name patterns {found}; expected one')
    (prefix, ext), digits = next(iter(groups.items()))
    tmpl = _template(prefix, ext, digits, frame_dir)
    numbers = sorted(int(d) for d in digits)
    if len(set(numbers)) != len(numbers):
        raise FrameFolderError(f'frame folder {frame_dir} has duplicate frame numbers')
    first = numbers[0]
    for expected, got in zip(range(first, first + len(numbers)), numbers, strict=False):
        if expected != got:
            raise FrameFolderError(
                f'frame folder {frame_dir} has a gap: frame {tmpl.format(expected)} is '
                f'missing (found {len(numbers)} frames numbered {first}..{numbers[-1]}); '
                f'expected a contiguous run')
    return FrameRun(os.path.abspath(frame_dir), tmpl, first, len(numbers))


def decode_frame(path: str) -> None:
    """Decode one frame as training does (mmcv's cv2 backend, as ``RawFrameDecode``).

    ``cv2.imread`` accepts a truncated JPEG (it fills the rest grey) where ``cv2.imdecode``,
    which training uses, returns nothing; so the audit decodes the file's bytes.

    Raises:
        FrameFolderError: the file does not decode (truncated, garbled, not an image).
    """
    import cv2
    import mmcv

    with open(path, 'rb') as handle:
        data = handle.read()
    try:
        image = mmcv.imfrombytes(data, flag='color', channel_order='rgb', backend='cv2')
    except cv2.error:  # mmcv converts the colour order of a failed (None) decode
        image = None
    if image is None:
        raise FrameFolderError(f'frame {path} cannot be decoded as an image (truncated or not '
                               f'an image, {len(data)} bytes); replace it or drop its clip')
