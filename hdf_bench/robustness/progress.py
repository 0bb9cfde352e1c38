"""Progress bars and log lines of a sweep (tqdm on a terminal; plain lines otherwise)."""
from __future__ import annotations

import sys

from tqdm import tqdm


class Progress:
    """A bar over cells (with ETA) and one over the clips of the current cell.

    Args:
        total: number of cells this process will evaluate.
        quiet: no bars and no log lines.
        rank: process rank (bars and lines are labelled with it when ``world`` > 1).
        world: number of processes.
    """

    def __init__(self, total: int, quiet: bool = False, rank: int = 0, world: int = 1) -> None:
        self.quiet = quiet
        self.prefix = f'[rank {rank}] ' if world > 1 else ''
        self.bars = not quiet and sys.stderr.isatty()
        self.cells = tqdm(total=total, desc=f'{self.prefix}cells', unit='cell',
                          disable=not self.bars, position=rank if world > 1 else None,
                          dynamic_ncols=True)
        self.clips: tqdm | None = None

    def start_cell(self, label: str, num_clips: int) -> None:
        self.cells.set_postfix_str(label)
        self.clips = tqdm(total=num_clips, desc=f'{self.prefix}clips', unit='clip', leave=False,
                          disable=not self.bars, dynamic_ncols=True)

    def advance_clips(self, count: int) -> None:
        if self.clips is not None:
            self.clips.update(count)

    def end_cell(self) -> None:
        if self.clips is not None:
            self.clips.close()
            self.clips = None
        self.cells.update(1)

    def log(self, text: str) -> None:
        """A line on stdout (above the bars), unless quiet."""
        if self.quiet:
            return
        if self.bars:
            tqdm.write(self.prefix + text, file=sys.stdout)
        else:
            print(self.prefix + text, flush=True)

    def close(self) -> None:
        if self.clips is not None:
            self.clips.close()
        self.cells.close()
