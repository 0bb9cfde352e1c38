"""Training progress as a small JSON file in the work dir, for a parent process to poll.

:class:`ProgressFileHook` (registered, ``custom_hooks=[dict(type='ProgressFileHook')]``) writes
``<work_dir>/progress.json`` atomically every ``interval`` iterations and at the end:
``status`` (``running`` / ``done``), ``iter`` (iterations done), ``max_iters``, ``loss`` (last
iteration's), ``elapsed_s`` and ``eta_s`` (from this session's mean iteration time),
``updated`` (Unix time). :func:`read_progress` reads it back (None while it is missing).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from hdf_bench.results import atomic_write_text

#: the progress file in each training work dir
PROGRESS_FILE = 'progress.json'


@HOOKS.register_module()
class ProgressFileHook(Hook):
    """Write ``<work_dir>/progress.json`` every ``interval`` training iterations (rank 0).

    Args:
        interval: iterations between writes (the last iteration is always written).
    """

    priority = 'VERY_LOW'

    def __init__(self, interval: int = 1) -> None:
        if int(interval) < 1:
            raise ValueError(f'ProgressFileHook interval must be >= 1, got {interval!r}')
        self.interval = int(interval)
        self._start = time.monotonic()
        self._start_iter = 0
        self._loss: float | None = None

    def before_train(self, runner) -> None:
        self._start, self._start_iter = time.monotonic(), runner.iter
        self._write(runner, runner.iter, 'running')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if outputs and 'loss' in outputs:
            self._loss = float(outputs['loss'])
        done = runner.iter + 1  # the loop counts this iteration after the hooks
        if done % self.interval == 0 or done >= runner.max_iters:
            self._write(runner, done, 'running')

    def after_train(self, runner) -> None:
        self._write(runner, runner.iter, 'done')

    def _write(self, runner, done: int, status: str) -> None:
        if not is_main_process():
            return
        elapsed = time.monotonic() - self._start
        steps = done - self._start_iter
        eta = elapsed / steps * max(0, runner.max_iters - done) if steps > 0 else None
        atomic_write_text(Path(runner.work_dir) / PROGRESS_FILE, json.dumps(dict(
            status=status, iter=int(done), max_iters=int(runner.max_iters), loss=self._loss,
            elapsed_s=round(elapsed, 1), eta_s=None if eta is None else round(eta, 1),
            updated=time.time())))


def read_progress(work_dir: str | os.PathLike) -> dict | None:
    """The progress record of a work dir, or None if it has none (yet)."""
    path = Path(work_dir) / PROGRESS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return '?'
    return f'{seconds / 60:.1f} min' if seconds >= 60 else f'{seconds:.0f} s'


def progress_line(label: str, record: dict | None) -> str:
    """One console line of a training's progress (``record`` from :func:`read_progress`)."""
    if record is None:
        return f'{label}: waiting'
    loss = '-' if record.get('loss') is None else f'{record["loss"]:.3f}'
    text = f'{label}: {record["iter"]}/{record["max_iters"]} steps, loss {loss}'
    if record.get('status') == 'done':
        return f'{text}, done in {_minutes(record.get("elapsed_s"))}'
    return f'{text}, ETA {_minutes(record.get("eta_s"))}'


class ProgressBoard:
    """The parent's view of several trainings: tqdm bars on a terminal, else plain lines.

    Args:
        labels: one label per training, in display order.
        stream: where to write (default ``sys.stdout``).
        every_s: seconds between plain-line reports (no terminal).
    """

    def __init__(self, labels: list[str], stream=None, every_s: float = 30.0) -> None:
        import sys
        self.labels, self.stream, self.every_s = labels, stream or sys.stdout, every_s
        self._last = 0.0
        self.bars = None
        if getattr(self.stream, 'isatty', lambda: False)():
            from tqdm import tqdm
            width = max(len(lab) for lab in labels)
            self.bars = [tqdm(total=None, desc=lab.ljust(width), position=i, unit='step',
                              file=self.stream, leave=True) for i, lab in enumerate(labels)]

    def update(self, records: list[dict | None], finished: list[bool]) -> None:
        """Show the records (aligned with the labels); plain lines for unfinished trainings
        every ``every_s`` seconds."""
        if self.bars is not None:
            for bar, record in zip(self.bars, records, strict=True):
                if record is not None:
                    bar.total = record['max_iters']
                    bar.n = record['iter']
                    loss = record.get('loss')
                    bar.set_postfix_str(('' if loss is None else f'loss {loss:.3f} ')
                                        + f'ETA {_minutes(record.get("eta_s"))}', refresh=True)
            return
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            for label, record, done in zip(self.labels, records, finished, strict=True):
                if not done:
                    print(f'   {progress_line(label, record)}', file=self.stream, flush=True)

    def finish(self, index: int, record: dict | None) -> None:
        """Report that training ``index`` ended (its last record)."""
        if self.bars is not None:
            self.update([record if i == index else None for i in range(len(self.labels))],
                        [True] * len(self.labels))
        else:
            print(f'   {progress_line(self.labels[index], record)}', file=self.stream,
                  flush=True)

    def close(self) -> None:
        for bar in self.bars or []:
            bar.close()
