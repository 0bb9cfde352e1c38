"""What an exported corrupted set holds, and how it is recorded.

Layout of an export ``<out>``::

    <out>/manifest.json                    what was exported, from what, with which code;
                                           one record per unit (written last, by rank 0)
    <out>/plan.json                        the manifest without the unit records (written first;
                                           a resumed export must have the same plan)
    <out>/[seed<k>/]<corruption>/<severity>/   one unit: the test split in the data set's
                                           layout (frames as PNG, the split file verbatim)
    <out>/checksums/[seed<k>/]<corruption>/<severity>.sha256   ``sha256sum -c`` format, paths
                                           relative to ``<out>``; one line per file of the unit
    <out>/checksums/[seed<k>/]<corruption>/<severity>.json     the unit's record (marks it done)

``seed<k>/`` appears only when the suite has several seeds. Nothing in the manifest depends on
the machine, the time or the paths, so two exports of one source with one code are identical
byte for byte.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

FORMAT = 'hdf-bench corrupted set'
FORMAT_VERSION = 1
MANIFEST = 'manifest.json'
PLAN = 'plan.json'
CHECKSUMS = 'checksums'
PARTIAL = '.partial'
#: frames are written as PNG (lossless: a reader decodes exactly the corrupted pixels)
FRAME_EXT = '.png'
PNG_COMPRESSION = 3


@dataclass(frozen=True)
class Unit:
    """One (corruption, severity, seed) of an export.

    Args:
        corruption: corruption name.
        severity: 1..5.
        seed: seed of the draws.
        multi_seed: the suite has several seeds (the unit path then starts with ``seed<k>/``).
    """

    corruption: str
    severity: int
    seed: int
    multi_seed: bool = False

    @property
    def rel(self) -> str:
        """The unit's folder relative to the export root (POSIX separators)."""
        head = f'seed{self.seed}/' if self.multi_seed else ''
        return f'{head}{self.corruption}/{self.severity}'

    @property
    def label(self) -> str:
        return f'{self.corruption}/s{self.severity}/seed{self.seed}'

    def checksum_file(self, out: Path) -> Path:
        return Path(out, CHECKSUMS, f'{self.rel}.sha256')

    def record_file(self, out: Path) -> Path:
        return Path(out, CHECKSUMS, f'{self.rel}.json')


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def dumps(obj) -> str:
    """The one JSON spelling of every record (sorted keys, so equal content = equal bytes)."""
    return json.dumps(obj, indent=1, sort_keys=True) + '\n'


def read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f'{what} {path} does not exist') from None
    except json.JSONDecodeError as err:
        raise ValueError(f'{what} {path} is not valid JSON: {err}') from err


def parse_checksums(path: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of a ``sha256sum`` file."""
    table = {}
    for no, line in enumerate(Path(path).read_text().splitlines(), start=1):
        digest, sep, name = line.partition('  ')
        if not sep or len(digest) != 64:
            raise ValueError(f'{path} line {no}: expected "<sha256>  <path>", got {line!r}')
        table[name] = digest
    return table


def format_checksums(table: dict[str, str]) -> str:
    return ''.join(f'{table[name]}  {name}\n' for name in sorted(table))


def code_digest() -> dict:
    """What the corrupted pixels depend on: the corruption code and the libraries it calls."""
    import albumentations
    import av
    import cv2
    import numpy
    import scipy

    import hdf_bench
    from hdf_bench import corruptions

    folder = Path(corruptions.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob('*.py')):
        digest.update(path.name.encode() + b'\0' + path.read_bytes() + b'\0')
    return dict(hdf_bench=hdf_bench.__version__, corruptions_sha256=digest.hexdigest(),
                numpy=numpy.__version__, opencv=cv2.__version__, scipy=scipy.__version__,
                albumentations=albumentations.__version__, av=av.__version__)


class ExportedSet:
    """An export read back: its manifest and the folder of each unit.

    Args:
        root: the export's folder (holding ``manifest.json``).
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).absolute()
        self.manifest = read_json(self.root / MANIFEST, 'export manifest')
        if self.manifest.get('format') != FORMAT:
            raise ValueError(f'{self.root / MANIFEST} is not a {FORMAT} manifest')
        if self.manifest.get('format_version') != FORMAT_VERSION:
            raise ValueError(f'{self.root / MANIFEST}: format_version '
                             f'{self.manifest.get("format_version")}, this code reads '
                             f'{FORMAT_VERSION}')
        self.units = {(u['corruption'], u['severity'], u['seed']): u
                      for u in self.manifest['units']}

    @property
    def per_frame(self) -> bool:
        return bool(self.manifest['suite']['per_frame'])

    def unit_dir(self, corruption: str, severity: int, seed: int,
                 per_frame: bool = False) -> Path:
        """The data root of one unit; a clear error if the export lacks it."""
        if bool(per_frame) != self.per_frame:
            raise ValueError(f'export {self.root} was drawn with per_frame={self.per_frame}, '
                             f'the sweep asks for per_frame={bool(per_frame)}')
        unit = self.units.get((corruption, int(severity), int(seed)))
        if unit is None:
            have = ', '.join(f'{c}/s{s}/seed{k}' for c, s, k in self.units)
            raise ValueError(f'export {self.root} has no {corruption}/s{severity}/seed{seed}; '
                             f'it holds: {have}')
        return self.root / unit['dir']
