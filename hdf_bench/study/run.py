"""Run a study: plan, launch what is not done, then report (resumable at every step)."""
from __future__ import annotations

from collections.abc import Callable

from hdf_bench.study.launchers import LocalLauncher, finished, say
from hdf_bench.study.plan import Plan, StudySpec, format_plan, make_plan
from hdf_bench.study.state import StateDir
from hdf_bench.study.summary import merge_cells, write_summary


def _report_stale(plan: Plan, states: StateDir) -> None:
    """Reset a finished report whose inputs changed after it (a job rerun since)."""
    for job in plan.jobs:
        if job.kind != 'report':
            continue
        state = states.get(job.id)
        if state.status == 'done' and any(states.get(d).updated > state.updated
                                          for d in job.deps):
            states.put(state, status='pending')


def _reports(plan: Plan, states: StateDir, echo: Callable[[str], None]) -> None:
    """Run the report jobs on this machine once their inputs are done."""
    spec = plan.spec
    local = LocalLauncher(echo)
    for job in plan.jobs:
        if job.kind != 'report' or finished(job, states.get(job.id)):
            continue
        if not all(states.get(d).status == 'done' for d in job.deps):
            continue
        sources = [spec.imbalance_dir(f, job.seed) / 'results' for f in spec.fold_names]
        merge_cells([s for s in sources if s.is_dir()], spec.store(job.seed))
        local.execute(job, states.get(job.id), states)


def status_lines(plan: Plan, states: StateDir) -> tuple[list[str], bool, bool]:
    """Lines on what is done, queued and failed; (lines, all done, any failed)."""
    counts: dict[str, int] = {}
    failed = []
    for job in plan.jobs:
        state = states.get(job.id)
        if finished(job, state):
            status = 'done'
        else:  # a 'done' job whose outputs are gone runs again
            status = 'pending' if state.status == 'done' else state.status
        counts[status] = counts.get(status, 0) + 1
        if status == 'failed':
            failed.append(f'  {job.id}: {state.reason or "failed"}; log {state.log}')
    lines = ['jobs: ' + ', '.join(f'{n} {s}' for s, n in sorted(counts.items()))]
    if failed:
        lines += ['failed (retried on the next run with the same arguments):', *failed]
    return lines, counts.get('done', 0) == len(plan.jobs), bool(failed)


def run_study(spec: StudySpec, launcher, dry_run: bool = False,
              echo: Callable[[str], None] = say) -> int:
    """Plan the study, run (or submit) what is not done, and write the reports.

    Args:
        spec: what the study covers.
        launcher: a launcher of :mod:`hdf_bench.study.launchers`.
        dry_run: print the plan (with the commands the launcher would run) and stop.
        echo: where progress lines go.

    Returns:
        0 when every job is done (or only queued jobs remain), 1 if a job failed.
    """
    plan = make_plan(spec)
    if dry_run:
        echo(format_plan(plan, launcher.command))
        return 0
    for path in plan.materialize():
        echo(f'warning: {path} changed since the last run; finished jobs are not rerun with it '
             '(use a new --run-dir for other settings)')
    states = StateDir(spec.run)
    launcher.run([j for j in plan.jobs if j.kind != 'report'], states)
    _report_stale(plan, states)
    _reports(plan, states, echo)
    lines, complete, failed = status_lines(plan, states)
    if any(j.kind == 'report' and finished(j, states.get(j.id)) for j in plan.jobs):
        stores = {seed: spec.store(seed) for seed in spec.seeds}
        title = f'Study: {spec.dataset}, {spec.recipe} recipe'
        table = write_summary(spec.run, stores, title, spec.models, spec.leave_scenes_out)
        lines.append(f'study table: {table}; reports: {spec.run / "report"}')
    for line in lines:
        echo(line)
    if not complete and not failed:
        echo('not finished: rerun the same command to continue (finished jobs are skipped)')
    return 1 if failed else 0
