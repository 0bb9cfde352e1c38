"""Per-job state files in the run folder: ``state/<job>.json``, written atomically.

A state records the job's status (``pending``, ``submitted``, ``running``, ``done``,
``failed``), its log file, the command, the attempt number, and where it runs (a local process id
and host, or a Slurm job id). A killed study leaves ``running`` states whose process is gone;
:meth:`JobState.interrupted` tells them apart from live ones, and they run again.
"""
from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hdf_bench.results.io import atomic_write_text

STATUSES = ('pending', 'submitted', 'running', 'done', 'failed')


@dataclass
class JobState:
    """The state of one job (see the module docstring)."""

    job: str
    status: str = 'pending'
    log: str = ''
    command: list[str] = field(default_factory=list)
    attempts: int = 0
    pid: int | None = None
    host: str | None = None
    slurm_id: str | None = None
    script: str | None = None
    returncode: int | None = None
    reason: str | None = None
    updated: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f'job {self.job}: status must be one of {STATUSES}, '
                             f'got {self.status!r}')

    def interrupted(self) -> bool:
        """True for a local ``running`` state whose process no longer exists on this host."""
        if (self.status != 'running' or self.slurm_id is not None
                or self.host != socket.gethostname()):
            return False
        if self.pid is None:
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class StateDir:
    """The ``state/`` folder of a run: one JSON file per job.

    Args:
        run_dir: the study's run folder.
    """

    def __init__(self, run_dir: str | os.PathLike) -> None:
        self.root = Path(run_dir) / 'state'
        self.logs = Path(run_dir) / 'logs'

    def path(self, job_id: str) -> Path:
        return self.root / f'{job_id}.json'

    def log_path(self, job_id: str) -> Path:
        return self.logs / f'{job_id}.log'

    def get(self, job_id: str) -> JobState:
        """The job's state (``pending`` with its log path if it has none yet)."""
        path = self.path(job_id)
        if not path.is_file():
            return JobState(job_id, log=str(self.log_path(job_id)))
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f'job state {path} is not valid JSON ({err}); delete it to rerun '
                             'the job') from err
        return JobState(**data)

    def put(self, state: JobState, **changes) -> JobState:
        """Write ``state`` with ``changes`` applied (and the time stamped); returns it."""
        for key, value in changes.items():
            setattr(state, key, value)
        state.__post_init__()
        state.updated = time.time()
        atomic_write_text(self.path(state.job), json.dumps(asdict(state), indent=1))
        return state

    def all(self, job_ids) -> dict[str, JobState]:
        return {job_id: self.get(job_id) for job_id in job_ids}
