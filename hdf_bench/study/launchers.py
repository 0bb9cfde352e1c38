"""Where the jobs of a study run: this process's machine, ``torchrun``, or Slurm.

- :class:`LocalLauncher` runs each job's command as a child process, one at a time, in plan
  order (its output appended to ``logs/<job>.log``).
- :class:`TorchrunLauncher` does the same, with trainings (and sweeps, whose cells are shared
  out over ranks) started by ``torchrun --standalone --nproc_per_node N`` with
  ``--launcher pytorch``: N GPUs of one machine through mmengine's distributed set-up.
- :class:`SlurmLauncher` writes one sbatch script per job under ``slurm/`` and submits it with
  ``--dependency=afterok:<ids>`` on the jobs it waits for; trainings run ``srun`` over
  ``--gpus`` tasks with ``--launcher slurm``. A rerun (or ``wait``) polls ``squeue`` and the
  exit-code file each script writes (``sacct`` for jobs killed before writing it), and submits
  failed jobs again.

Every launcher skips jobs whose state is ``done`` (and whose outputs exist) and jobs waiting on
jobs that are not done; a job that fails is retried on the next run, not in the same one.
"""
from __future__ import annotations

import getpass
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from hdf_bench.study.plan import Job
from hdf_bench.study.state import JobState, StateDir, atomic_write_text

Echo = Callable[[str], None]


def say(line: str) -> None:
    """Print a progress line at once (the output is often a file)."""
    print(line, flush=True)


def _now() -> str:
    return datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')


def deps_done(job: Job, states: StateDir) -> bool:
    return all(states.get(dep).status == 'done' for dep in job.deps)


def finished(job: Job, state: JobState) -> bool:
    """Done, and its outputs are still there."""
    return state.status == 'done' and job.outputs_exist()


class LocalLauncher:
    """Run jobs one after another as child processes of this one.

    Args:
        echo: where progress lines go.
    """

    name = 'local'

    def __init__(self, echo: Echo = say) -> None:
        self.echo = echo

    def command(self, job: Job) -> list[str]:
        """The command line this launcher runs for ``job``."""
        return list(map(str, job.command))

    def run(self, jobs: Sequence[Job], states: StateDir) -> None:
        """Run every job that is not done and whose dependencies are done, in order."""
        for job in jobs:
            state = states.get(job.id)
            if finished(job, state):
                continue
            if state.status == 'running' and not state.interrupted():
                self.echo(f'{job.id}: running elsewhere (pid {state.pid} on {state.host}); '
                          'skipped')
                continue
            if not deps_done(job, states):
                self.echo(f'{job.id}: waits for {", ".join(job.deps)}')
                continue
            self.execute(job, state, states)

    def execute(self, job: Job, state: JobState, states: StateDir) -> bool:
        """Run one job to its end; True if it is done."""
        command = self.command(job)
        log = states.log_path(job.id)
        log.parent.mkdir(parents=True, exist_ok=True)
        attempt = state.attempts + 1
        again = ' (again: interrupted)' if state.status == 'running' else ''
        self.echo(f'{job.id}: running{again}, attempt {attempt}; log {log}')
        start = time.monotonic()
        with open(log, 'a', encoding='utf-8') as handle:
            handle.write(f'\n==== {job.id} attempt {attempt} at {_now()}\n'
                         f'$ {shlex.join(command)}\n')
            handle.flush()
            proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
            states.put(state, status='running', log=str(log), command=command,
                       attempts=attempt, pid=proc.pid, host=socket.gethostname(),
                       slurm_id=None, script=None, returncode=None, reason=None)
            code = proc.wait()
        seconds = time.monotonic() - start
        if code == 0 and job.outputs_exist():
            states.put(state, status='done', returncode=0)
            self.echo(f'{job.id}: done ({seconds:.0f} s)')
            return True
        missing = ', '.join(p for p in job.outputs if not Path(p).is_file())
        reason = f'exit code {code}' if code else f'exit code 0 but missing {missing}'
        states.put(state, status='failed', returncode=code, reason=reason)
        self.echo(f'{job.id}: FAILED ({reason}); log {log}')
        return False


class TorchrunLauncher(LocalLauncher):
    """:class:`LocalLauncher` whose trainings and sweeps run on ``nproc`` ranks of this machine.

    Args:
        nproc: processes (GPUs) per training.
        echo: where progress lines go.
    """

    name = 'torchrun'

    def __init__(self, nproc: int, echo: Echo = say) -> None:
        super().__init__(echo)
        if nproc < 1:
            raise ValueError(f'--gpus must be >= 1, got {nproc}')
        self.nproc = nproc

    def command(self, job: Job) -> list[str]:
        command = list(map(str, job.command))
        if job.kind not in ('train', 'sweep'):
            return command
        head = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
                f'--nproc_per_node={self.nproc}', '-m', command[2]]
        tail = ['--launcher', 'pytorch'] if job.kind == 'train' else []
        return head + command[3:] + tail


SLURM_DONE = ('COMPLETED',)
SLURM_QUEUED = {'PENDING': 'submitted', 'CONFIGURING': 'submitted', 'REQUEUED': 'submitted',
                'RUNNING': 'running', 'COMPLETING': 'running', 'SUSPENDED': 'running'}


class SlurmLauncher:
    """Submit one sbatch job per study job; poll the queue.

    Args:
        partition: ``--partition`` (None: the cluster's default).
        gpus: GPUs (and tasks) per training; other jobs get one GPU.
        cpus_per_task: ``--cpus-per-task``.
        time_limit: ``--time`` (e.g. ``2-00:00:00``), or None.
        wait: poll until no job is queued or running (else submit and return).
        poll_s: seconds between polls.
        workdir: folder the scripts ``cd`` into (default: the current one).
        echo: where progress lines go.
    """

    name = 'slurm'

    def __init__(self, partition: str | None = None, gpus: int = 1, cpus_per_task: int = 8,
                 time_limit: str | None = None, wait: bool = True, poll_s: float = 60.0,
                 workdir: str | None = None, echo: Echo = say) -> None:
        if gpus < 1 or cpus_per_task < 1:
            raise ValueError(f'--gpus and --cpus-per-task must be >= 1, got {gpus}, '
                             f'{cpus_per_task}')
        self.partition, self.gpus, self.cpus = partition, gpus, cpus_per_task
        self.time_limit, self.wait, self.poll_s = time_limit, wait, poll_s
        self.workdir = workdir or os.getcwd()
        self.echo = echo

    def command(self, job: Job) -> list[str]:
        """What the job's sbatch script runs (through ``srun``)."""
        command = list(map(str, job.command))
        if job.kind == 'train':
            return ['srun', *command, '--launcher', 'slurm']
        return ['srun', '--ntasks=1', *command]

    def tasks(self, job: Job) -> int:
        return self.gpus if job.kind == 'train' else 1

    def script(self, job: Job, log: Path, rc_file: Path) -> str:
        """The sbatch script of ``job``."""
        lines = ['#!/bin/bash', f'#SBATCH --job-name=hdf-{job.id}', f'#SBATCH --output={log}',
                 '#SBATCH --open-mode=append', '#SBATCH --nodes=1',
                 f'#SBATCH --ntasks-per-node={self.tasks(job)}',
                 f'#SBATCH --gres=gpu:{self.tasks(job)}',
                 f'#SBATCH --cpus-per-task={self.cpus}']
        if self.partition:
            lines.append(f'#SBATCH --partition={self.partition}')
        if self.time_limit:
            lines.append(f'#SBATCH --time={self.time_limit}')
        about = f'{job.kind} of {job.model} fold {job.fold} seed {job.seed}'
        lines += [f'# {about}: written by hdf-bench study', f'cd {shlex.quote(self.workdir)}',
                  '# one rendezvous port per job (mmengine reads MASTER_PORT under srun)',
                  'export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))',
                  f'echo "==== {job.id} (slurm job $SLURM_JOB_ID) on $(hostname) at '
                  '$(date -u)"',
                  shlex.join(self.command(job)), 'rc=$?',
                  f'echo $rc > {shlex.quote(str(rc_file))}', 'exit $rc', '']
        return '\n'.join(lines)

    def rc_file(self, states: StateDir, job_id: str) -> Path:
        return states.root / f'{job_id}.rc'

    def run(self, jobs: Sequence[Job], states: StateDir) -> None:
        """Submit what can be submitted; with ``wait``, poll until nothing is queued."""
        tried: set[str] = set()
        while True:
            self.refresh(jobs, states)
            for job in jobs:
                state = states.get(job.id)
                if finished(job, state) or state.status in ('submitted', 'running'):
                    continue
                if job.id in tried:  # failed during this run: retried on the next one
                    continue
                waits = [states.get(dep) for dep in job.deps]
                if any(w.status in ('pending', 'failed') for w in waits):
                    self.echo(f'{job.id}: waits for a job that failed or was not submitted')
                    continue
                self.submit(job, state, [w.slurm_id for w in waits if w.status != 'done'],
                            states)
                tried.add(job.id)
            active = [j.id for j in jobs if states.get(j.id).status in ('submitted', 'running')]
            if not self.wait or not active:
                return
            time.sleep(self.poll_s)

    def submit(self, job: Job, state: JobState, after: list[str | None],
               states: StateDir) -> None:
        log = states.log_path(job.id)
        log.parent.mkdir(parents=True, exist_ok=True)
        rc_file = self.rc_file(states, job.id)
        rc_file.unlink(missing_ok=True)
        script = Path(states.root).parent / 'slurm' / f'{job.id}.sbatch'
        atomic_write_text(script, self.script(job, log, rc_file))
        args = ['sbatch', '--parsable']
        if after:
            args += [f'--dependency=afterok:{":".join(map(str, after))}',
                     '--kill-on-invalid-dep=yes']
        done = subprocess.run([*args, str(script)], capture_output=True, text=True)
        if done.returncode != 0:
            states.put(state, status='failed', reason=f'sbatch: {done.stderr.strip()}',
                       script=str(script), log=str(log))
            self.echo(f'{job.id}: sbatch FAILED: {done.stderr.strip()}')
            return
        slurm_id = done.stdout.strip().split(';')[0]
        states.put(state, status='submitted', slurm_id=slurm_id, script=str(script),
                   log=str(log), command=self.command(job), attempts=state.attempts + 1,
                   pid=None, host=None, returncode=None, reason=None)
        self.echo(f'{job.id}: submitted as slurm job {slurm_id}; log {log}')

    def refresh(self, jobs: Sequence[Job], states: StateDir) -> None:
        """Update submitted / running states from squeue, the exit-code files and sacct."""
        active = {s.slurm_id: (j, s) for j in jobs
                  for s in [states.get(j.id)] if s.status in ('submitted', 'running')}
        if not active:
            return
        queued = _squeue()
        gone = []
        for slurm_id, (job, state) in active.items():
            if slurm_id in queued:
                status = SLURM_QUEUED.get(queued[slurm_id], 'running')
                if status != state.status:
                    states.put(state, status=status)
                continue
            rc_file = self.rc_file(states, job.id)
            if rc_file.is_file():
                code = int(rc_file.read_text().strip() or 1)
                self._finish(job, state, states, code, f'exit code {code}')
            else:
                gone.append(slurm_id)
        accounted = _sacct(gone) if gone else {}
        for slurm_id in gone:
            job, state = active[slurm_id]
            slurm_state = accounted.get(slurm_id, 'UNKNOWN (left the queue without an exit code)')
            self._finish(job, state, states, 0 if slurm_state in SLURM_DONE else 1,
                         f'slurm state {slurm_state}')

    def _finish(self, job: Job, state: JobState, states: StateDir, code: int,
                reason: str) -> None:
        if code == 0 and job.outputs_exist():
            states.put(state, status='done', returncode=0)
            self.echo(f'{job.id}: done (slurm job {state.slurm_id})')
            return
        if code == 0:
            reason = f'{reason} but missing {", ".join(job.outputs)}'
        states.put(state, status='failed', returncode=code, reason=reason)
        self.echo(f'{job.id}: FAILED ({reason}); log {state.log}')


def _squeue() -> dict[str, str]:
    """slurm job id -> state of this user's queued jobs."""
    done = subprocess.run(['squeue', '-h', '-u', getpass.getuser(), '-o', '%i %T'],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f'squeue failed: {done.stderr.strip()}')
    pairs = (line.split() for line in done.stdout.splitlines() if line.strip())
    return {p[0]: p[1] for p in pairs if len(p) >= 2}


def _sacct(ids: list[str]) -> dict[str, str]:
    """slurm job id -> final state from sacct (empty where accounting is unavailable)."""
    try:
        done = subprocess.run(['sacct', '-n', '-P', '-X', '-o', 'JobID,State', '-j',
                               ','.join(ids)], capture_output=True, text=True)
    except FileNotFoundError:
        return {}
    states = {}
    for line in done.stdout.splitlines():
        job_id, _, state = line.partition('|')
        if state:
            states[job_id.strip()] = state.split()[0]
    return states


def make_launcher(name: str, gpus: int = 1, echo: Echo = say, **slurm) -> object:
    """The launcher called ``name`` (``local``, ``torchrun`` or ``slurm``)."""
    if name == 'local':
        return LocalLauncher(echo)
    if name == 'torchrun':
        return TorchrunLauncher(gpus, echo)
    if name == 'slurm':
        return SlurmLauncher(gpus=gpus, echo=echo, **slurm)
    raise ValueError(f'--launcher must be local, torchrun or slurm, got {name!r}')


__all__ = ['LocalLauncher', 'SlurmLauncher', 'TorchrunLauncher', 'make_launcher']
