"""Build a folder beside its target, then rename it into place; clear killed builds.

A build folder is ``.<name>.partial-<random>`` next to the target, with a lock file
``.<name>.partial-<random>.lock`` that its process holds (``flock``) while it builds. The OS
releases the lock when the process dies, even by ``kill -9``, so the next build can tell
the leftovers of a killed run (lock free, or no lock file) from a build still running.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_SUFFIX = '.lock'


def _prefix(out: Path) -> str:
    return f'.{out.name}.partial-'


def _new_lock(out: Path) -> tuple[int, str]:
    """Create and lock a new lock file (again if a cleaner removed it before it was locked)."""
    while True:
        fd, lock = tempfile.mkstemp(prefix=_prefix(out), suffix=LOCK_SUFFIX, dir=out.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                return fd, lock
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A new, empty, locked build folder beside ``out``, removed if the block fails.

    The block renames the folder into place when it succeeds; the lock file goes after it.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, lock = _new_lock(out)
    try:
        folder = Path(lock[:-len(LOCK_SUFFIX)])
        folder.mkdir()  # created after the lock: a folder without a lock file is stale
        try:
            yield folder
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    finally:
        Path(lock).unlink(missing_ok=True)  # unlinked before the lock is released
        os.close(fd)


def _held(lock: Path) -> bool:
    """True if a live process holds ``lock`` (False if it is free or missing)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def remove_stale(out: Path) -> list[Path]:
    """Remove the build folders (and lock files) that killed builds of ``out`` left behind.

    Returns:
        The folders removed; builds still running are left alone.
    """
    removed = []
    if not out.parent.is_dir():
        return removed
    prefix = _prefix(out)
    for entry in sorted(os.scandir(out.parent), key=lambda e: e.name):
        if not entry.name.startswith(prefix):
            continue
        path = Path(entry.path)
        lock = path if entry.name.endswith(LOCK_SUFFIX) else path.with_name(
            entry.name + LOCK_SUFFIX)
        if _held(lock):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        lock.unlink(missing_ok=True)
    return removed
