"""Arguments shared by several subcommands: output folders and the missing-clip policy."""
from __future__ import annotations

import argparse
import os


def folder_arg(text: str) -> str:
    """An argparse ``type`` for a folder that may not exist yet, but must not be a file."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f'{text} is a file; expected a folder (new or existing)')
    return text


def add_on_stale(parser: argparse.ArgumentParser) -> None:
    """Add ``--on-stale {recompute,error}`` (a stored cell computed from other inputs)."""
    from hdf_bench.results.provenance import ON_STALE
    parser.add_argument('--on-stale', choices=ON_STALE, default='recompute',
                        help='a stored cell computed from another checkpoint, config, data, '
                             'corruption code or condition: recompute it, or stop naming what '
                             'changed (default: %(default)s)')


def add_on_missing(parser: argparse.ArgumentParser) -> None:
    """Add ``--on-missing {error,skip}`` (what to do with a clip whose frames are missing)."""
    from hdf_bench.data.base import ON_MISSING
    parser.add_argument('--on-missing', choices=ON_MISSING, default=None,
                        help='a clip whose frame folder is missing, empty or broken: error '
                             '(default) or skip it and count it (for data sets whose config '
                             'does not set on_missing)')
