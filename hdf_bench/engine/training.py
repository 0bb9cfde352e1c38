"""The one way hdf-bench trains: a :class:`~hdf_bench.engine.run.Run` through the mmengine
runner (the same path as ``mim train``), resumably.

Several runs train in parallel worker processes with :func:`train_many` (each worker with a
fixed number of threads, its console output in a log file, its progress polled by the parent).

Checkpoint policy: a run trained here is evaluated with its final checkpoint
(:func:`final_checkpoint`, no best-checkpoint selection); a folder trained elsewhere is read
with :func:`find_checkpoint` (the last checkpoint; the best one mmengine kept only when the
folder's config validated on a split other than the test split).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mmengine.config import Config

from hdf_bench.engine import cfg as cfgs
from hdf_bench.engine.run import ModelRef, Run

#: file written in each training work dir: what config, split and schedule it was trained with
TRAIN_RECORD = 'train_record.json'


def final_checkpoint(cfg: Config, work_dir: str | os.PathLike) -> Path:
    """Path of the checkpoint the last training iteration writes (``epoch_<max>.pth``)."""
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_epochs') is not None and 'Iter' not in str(train_cfg.get('type', '')):
        return Path(work_dir) / f'epoch_{int(train_cfg["max_epochs"])}.pth'
    if train_cfg.get('max_iters') is not None:
        return Path(work_dir) / f'iter_{int(train_cfg["max_iters"])}.pth'
    raise ValueError(f'config {cfg.filename}: train_cfg needs max_epochs or max_iters')


def validates_on_held_out(folder: str | os.PathLike) -> bool:
    """Whether the config mmengine dumped into ``folder`` validates on a split other than the
    test split (its val and test datasets differ beyond pipeline and test mode). ``False`` when
    no dumped config says so."""
    ignore = ('pipeline', 'test_mode')
    for path in sorted(Path(folder).glob('*.py')):
        try:
            cfg = Config.fromfile(str(path))
        except Exception:  # not a config (any python file may lie there)
            continue
        if not cfg.get('val_dataloader') or not cfg.get('test_dataloader'):
            return False
        val, test = ({k: v for k, v in cfgs.inner_dataset(cfg, loader).items()
                      if k not in ignore} for loader in ('val_dataloader', 'test_dataloader'))
        return val != test
    return False


def find_checkpoint(folder: str | os.PathLike) -> Path:
    """The checkpoint of a training run folder (mmengine's ``work_dir``) trained elsewhere.

    Order: the newest ``best*.pth`` only when the run validated on a held-out split
    (:func:`validates_on_held_out`; a best checkpoint picked on the test split would report
    test-selected numbers), then the file named in ``last_checkpoint``, then the newest
    ``*.pth`` other than ``best*``.

    Args:
        folder: the run folder of one model.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'run folder {folder} does not exist')
    best = sorted(folder.glob('best*.pth'), key=lambda p: p.stat().st_mtime)
    if best and validates_on_held_out(folder):
        return best[-1]
    marker = folder / 'last_checkpoint'
    if marker.is_file():
        path = Path(marker.read_text().strip())
        path = path if path.is_absolute() else folder / path.name
        if path.is_file():
            return path
    found = sorted((p for p in folder.glob('*.pth') if not p.name.startswith('best')),
                   key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f'no checkpoint (*.pth) in run folder {folder}')
    return found[-1]


def ref_from_run_folder(name: str, run_dir: str | os.PathLike) -> ModelRef:
    """A zoo model whose checkpoint lies in ``<run_dir>/<name>/`` (or is ``<run_dir>/<name>.pth``).

    The config is the one the folder was trained with (its :data:`TRAIN_RECORD`: e.g. the demo
    recipe's for ``hdf-bench demo`` runs), or the zoo config of that file name when the recorded
    path has moved; without a record (a bare ``.pth``), the zoo's CPU config.

    Args:
        name: zoo name (see ``hdf_bench.zoo``).
        run_dir: folder holding one training folder per model.
    """
    from hdf_bench import zoo

    ref = zoo.get(name).ref()  # ValueError listing the zoo names if unknown
    run_dir = Path(run_dir)
    single = run_dir / f'{name}.pth'
    if single.is_file():
        return ModelRef(ref.name, ref.config, str(single))
    folder = run_dir / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f'checkpoint of zoo model {name!r} not found: neither {single} nor {folder}/')
    checkpoint = find_checkpoint(folder)
    return ModelRef(ref.name, _trained_config(folder, name) or ref.config, str(checkpoint))


def _trained_config(folder: Path, name: str) -> str | None:
    """The config recorded in ``folder``'s training record (or the zoo config of its file
    name if that path is gone); None without a record."""
    from hdf_bench import zoo

    record = folder / TRAIN_RECORD
    if not record.is_file():
        return None
    try:
        config = json.loads(record.read_text()).get('config')
    except (json.JSONDecodeError, AttributeError) as err:
        raise ValueError(f'training record {record}: not a JSON object ({err})') from None
    if not config:
        return None
    if Path(config).is_file():
        return str(config)
    for recipe in zoo.RECIPES:
        try:
            path = zoo.get(name).config_path(recipe=recipe)
        except ValueError:  # no config of that recipe
            continue
        if path.name == Path(config).name:
            return str(path)
    raise FileNotFoundError(f'training record {record}: config {config} is gone and no zoo '
                            f'config of {name!r} has that file name')


def file_sha256(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _sha256_or_none(path: str | os.PathLike | None) -> str | None:
    return file_sha256(path) if path and os.path.isfile(path) else None


def _same_config(old: dict, new: dict) -> bool:
    """Whether two training records name the same config: the same file content (its SHA-256)
    and file name, wherever the checkout lies; a record without a hash (older versions) matches
    the same path, or the same file name where the recorded file is gone or has equal content."""
    old_path, new_path = old.get('config'), new.get('config')
    if not old_path or not new_path or Path(old_path).name != Path(new_path).name:
        return old_path == new_path
    old_sha = old.get('config_sha256') or _sha256_or_none(old_path)
    return old_sha is None or old_sha == new.get('config_sha256')


def _check_record(work_dir: Path, record: dict) -> None:
    """Refuse a work dir trained with another config, split or schedule; write the record.

    A checkout that moved (same config file content at another path) keeps its work dirs.
    """
    path = work_dir / TRAIN_RECORD
    if path.is_file():
        old = json.loads(path.read_text())
        diff = [k for k in ('split_sha256', 'max_epochs') if old.get(k) != record.get(k)]
        if not _same_config(old, record):
            diff.append('config')
        if diff:
            raise ValueError(
                f'work dir {work_dir} holds a training with a different {", ".join(diff)} '
                f'({ {k: old.get(k) for k in diff} } vs { {k: record.get(k) for k in diff} }); '
                'remove that folder or use another --run-dir')
    work_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + '\n')


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` did.

    Args:
        run: the run, with its final checkpoint and work dir set.
        status: ``trained``, ``resumed`` or ``skipped`` (final checkpoint already there).
        seconds: seconds spent training in this call (0 if skipped).
    """

    run: Run
    status: str
    seconds: float


def train(run: Run, work_dir: str | os.PathLike) -> TrainResult:
    """Train ``run`` into ``work_dir``; its final checkpoint is in the returned run.

    A finished run (its final checkpoint exists) is not trained again; an interrupted one
    resumes from the last checkpoint in ``work_dir`` (mmengine's ``resume=True``). A work dir
    trained with another config, training split or epoch budget is refused.

    Args:
        run: the model and its config, every edit applied (data, epochs, split, options).
        work_dir: folder of logs and checkpoints.
    """
    from mmengine.dist import get_rank
    from mmengine.runner import Runner

    cfg = cfgs.with_work_dir(run.cfg, work_dir)
    work_dir = Path(cfg.work_dir)
    final = final_checkpoint(cfg, work_dir)
    split = cfgs.inner_dataset(cfg, 'train_dataloader').get('ann_file')
    _check_record(work_dir, dict(
        config=str(run.model.config), config_sha256=_sha256_or_none(run.model.config),
        split=split, max_epochs=cfg.train_cfg.get('max_epochs'),
        split_sha256=_sha256_or_none(split)))
    seconds, status = 0.0, 'skipped'
    if not final.is_file():
        status = 'resumed' if (work_dir / 'last_checkpoint').is_file() else 'trained'
        cfg.resume, cfg.load_from = status == 'resumed', None
        stamp = time.strftime('%Y%m%d_%H%M%S')
        cfg.experiment_name = f'{run.name}_train_{stamp}_{os.getpid()}_{time.monotonic_ns()}'
        start = time.perf_counter()
        Runner.from_cfg(cfg).train()
        seconds = time.perf_counter() - start
        if not final.is_file() and get_rank() == 0:  # rank 0 writes checkpoints
            raise RuntimeError(f'training {run.name} finished without writing {final}')
    return TrainResult(run.edited(cfg).trained(final), status, seconds)


#: cost of a SAM step relative to a plain one (two forward-backward passes; DEMO_BUDGET.md)
SAM_STEP_COST = 2.3
#: environment variables fixing the threads of a training worker
THREAD_ENV = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS')


def train_cost(run: Run) -> float:
    """Relative cost of training ``run``: its steps, x :data:`SAM_STEP_COST` with SAM."""
    steps = int(run.cfg.train_cfg.get('max_epochs') or 1) * cfgs.iters_per_epoch(run.cfg)
    sam = 'SAM' in cfgs.type_name(run.cfg.get('optim_wrapper') or {})
    return steps * (SAM_STEP_COST if sam else 1.0)


def job_label(work_dir: str | os.PathLike) -> str:
    """Display label of a training: ``<parent folder>/<work dir>`` (e.g. ``train/hdf``)."""
    work_dir = Path(work_dir)
    return f'{work_dir.parent.name}/{work_dir.name}'


@contextlib.contextmanager
def _thread_env(threads: int | None) -> Iterator[None]:
    """Set :data:`THREAD_ENV` for processes started inside (restored afterwards)."""
    old = {k: os.environ.get(k) for k in THREAD_ENV}
    if threads:
        os.environ.update({k: str(threads) for k in THREAD_ENV})
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _init_worker(threads: int | None) -> None:
    import torch
    if threads:
        torch.set_num_threads(threads)


def _train_in_worker(run: Run, work_dir: Path, log_path: Path) -> TrainResult:
    """:func:`train` in a worker process, its stdout / stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, 'a') as log:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        return train(run, work_dir)


def train_many(jobs: Sequence[tuple[Run, str | os.PathLike]], workers: int = 2,
               threads: int | None = 1, log_dir: str | os.PathLike | None = None,
               progress_every_s: float = 30.0) -> list[TrainResult]:
    """:func:`train` every ``(run, work_dir)`` job in a pool of worker processes.

    Finished jobs (final checkpoint there) are skipped in this process. The others run in
    ``workers`` spawned processes, longest first (:func:`train_cost`); each worker sets
    :data:`THREAD_ENV` and ``torch.set_num_threads(threads)`` before building anything, and
    appends its console output (mmengine's environment and config dumps, iteration logs) to
    ``<log_dir>/<parent>_<work dir>.log`` (default ``<work_dir>/console.log``); mmengine's own
    log files stay in the work dir. A :class:`~hdf_bench.engine.progress.ProgressFileHook`
    writes ``progress.json`` into each work dir; this process shows it (tqdm bars on a
    terminal, else one line per training every ``progress_every_s`` seconds).

    Args:
        jobs: the runs (every edit applied) and their work dirs.
        workers: worker processes (>= 1).
        threads: torch / OpenMP threads per worker (None: leave the defaults).
        log_dir: folder of the console logs.
        progress_every_s: seconds between plain progress lines (no terminal).

    Returns:
        one :class:`TrainResult` per job, in the order of ``jobs``.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from hdf_bench.engine.progress import PROGRESS_FILE, ProgressBoard, read_progress

    if int(workers) < 1:
        raise ValueError(f'workers must be >= 1, got {workers!r}')
    if threads is not None and int(threads) < 1:
        raise ValueError(f'threads must be >= 1 or None, got {threads!r}')
    work_dirs = [Path(w).resolve() for _, w in jobs]
    if len(set(work_dirs)) != len(work_dirs):
        raise ValueError(f'train_many: two jobs share a work dir: {[str(w) for w in work_dirs]}')
    results: list[TrainResult | None] = [None] * len(jobs)
    todo = []
    for i, (run, _) in enumerate(jobs):
        if final_checkpoint(run.cfg, work_dirs[i]).is_file():
            results[i] = train(run, work_dirs[i])  # skipped: nothing to spawn
        else:
            todo.append(i)
    if not todo:
        return results
    todo.sort(key=lambda i: -train_cost(jobs[i][0]))
    labels = [job_label(work_dirs[i]) for i in todo]
    logs = [(Path(log_dir) / f'{job_label(work_dirs[i]).replace("/", "_")}.log' if log_dir
             else work_dirs[i] / 'console.log') for i in todo]
    for i, log in zip(todo, logs, strict=True):
        (work_dirs[i] / PROGRESS_FILE).unlink(missing_ok=True)
        print(f'   {job_label(work_dirs[i])}: log {log}', flush=True)
    board = ProgressBoard(labels, every_s=progress_every_s)
    finished = [False] * len(todo)
    errors = []
    context = multiprocessing.get_context('spawn')
    with _thread_env(threads), ProcessPoolExecutor(
            max_workers=min(int(workers), len(todo)), mp_context=context,
            initializer=_init_worker, initargs=(threads,)) as pool:
        futures = {}
        for k, i in enumerate(todo):
            run = jobs[i][0].edited(cfgs.with_hook(jobs[i][0].cfg,
                                                   dict(type='ProgressFileHook')))
            futures[pool.submit(_train_in_worker, run, work_dirs[i], logs[k])] = k
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                k = futures[future]
                finished[k] = True
                if future.cancelled():
                    continue
                board.finish(k, read_progress(work_dirs[todo[k]]))
                try:
                    results[todo[k]] = future.result()
                except Exception as err:  # noqa: BLE001 - reported with its log below
                    errors.append(f'{labels[k]}: {type(err).__name__}: {err} (log: {logs[k]})')
                    for other in pending:
                        other.cancel()
            board.update([read_progress(work_dirs[i]) for i in todo], finished)
    board.close()
    if errors:
        raise RuntimeError('training failed: ' + '; '.join(errors))
    return results
