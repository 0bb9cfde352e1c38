"""The files hdf-bench ships besides code: model configs, corruption suites, report specs.

In a checkout (or an editable install) they are the top-level ``configs/``, ``corruptions/``
and ``reports/`` folders. A wheel carries copies under ``hdf_bench/.mim/`` (made at build time
by ``setup.py``, as mmaction2 ships its ``.mim``), so a non-editable install finds them too.
"""
from __future__ import annotations

from pathlib import Path

#: the folders shipped as package data
KINDS = ('configs', 'corruptions', 'reports')
_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files (``configs``, ``corruptions`` or ``reports``)."""
    if kind not in KINDS:
        raise ValueError(f'unknown kind of shipped files {kind!r}; kinds: {", ".join(KINDS)}')
    for base in (_PACKAGE / '.mim', _PACKAGE.parent):
        if (base / kind).is_dir():
            return base / kind
    raise FileNotFoundError(f'the shipped {kind}/ folder is missing: neither '
                            f'{_PACKAGE / ".mim" / kind} nor {_PACKAGE.parent / kind} exists '
                            '(a broken install? reinstall hdf-bench)')


def shipped_file(rel: str) -> Path:
    """A shipped file by its path in the repository (``configs/hdf/...``, ``reports/...``)."""
    kind, _, rest = str(rel).replace('\\', '/').partition('/')
    return shipped_dir(kind) / rest
