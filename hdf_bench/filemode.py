"""File permissions that follow the process umask (``tempfile.mkstemp`` makes files 0600)."""
from __future__ import annotations

import os


def current_umask() -> int:
    """The process umask, read from ``/proc`` where possible (no race with other threads)."""
    try:
        with open('/proc/self/status', encoding='ascii') as status:
            for line in status:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def apply_umask(fd: int, mode: int = 0o666) -> None:
    """Give the open file ``fd`` the mode ``open()`` would have given a new file."""
    os.fchmod(fd, mode & ~current_umask())
