"""The acceptance run: its command line, the step loop with its time guards, the JSON and table.

Each step gets a share of the budget (what a step leaves over goes to later ones). Inside a step
a soft guard skips sub-measurements that would not fit (with a note); with ``--isolate`` (the
default on CUDA) each step also runs in a child process that is stopped at its deadline, so a
hang cannot eat the run, and a crash in one step does not stop the next.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hdf_bench.acceptance.profile import PROFILES, STEP_SHARES, STEPS, TARGETS
from hdf_bench.acceptance.record import Context, StepRecord

#: seconds a stopped child gets beyond its deadline before it is killed
GRACE_S = 20
JSON_NAME, MD_NAME = 'acceptance.json', 'acceptance.md'


def step_module(name: str):
    """The module holding step ``name``'s ``run(ctx, record)``."""
    return importlib.import_module(f'hdf_bench.acceptance.{name}')


def run_step(name: str, ctx: Context, path: Path) -> StepRecord:
    """Run one step in this process; errors become a FAIL with the traceback's last line."""
    rec = StepRecord(name, path=path)
    rec.save()
    start = time.time()
    error = None
    try:
        step_module(name).run(ctx, rec)
    except Exception as err:  # noqa: BLE001  (a failing step must not stop the others)
        traceback.print_exc()
        error = f'{type(err).__name__}: {err}'.splitlines()[0][:500]
    rec.finish(time.time() - start, error)
    return rec


def run_isolated(name: str, ctx: Context, path: Path, args: argparse.Namespace) -> StepRecord:
    """Run one step in a child process, killed ``GRACE_S`` after the step's deadline."""
    cmd = [sys.executable, '-m', 'hdf_bench.acceptance', '--child', name, '--deadline',
           str(ctx.deadline), '--device', ctx.device, '--profile', ctx.profile.name,
           '--work', str(ctx.work), '--out', str(args.out)]
    # the child imports this checkout's hdf_bench even when it is not installed
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    start = time.time()
    error = None
    try:
        code = subprocess.run(cmd, env=env,
                              timeout=max(1.0, ctx.time_left()) + GRACE_S).returncode
        if code not in (0, 1):
            error = f'child process exited with code {code}'
    except subprocess.TimeoutExpired:
        error = f'stopped by the wall-clock guard after {time.time() - start:.0f} s'
    rec = StepRecord.load(path) if path.is_file() else StepRecord(name, path=path)
    if error is not None or rec.status == 'running':
        rec.finish(time.time() - start, rec.error or error or 'the step did not finish')
    return rec


def _targets(records: list[StepRecord]) -> list[dict]:
    values = {}
    for rec in records:
        values.update(rec.figures.get('targets') or {})
    out = []
    for target in TARGETS:
        value = values.get(target.key)
        out.append(dict(key=target.key, text=target.text, goal=target.goal, unit=target.unit,
                        value=value, met=target.met(value)))
    return out


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return 'n/a'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def markdown(summary: dict) -> str:
    """The run as Markdown: steps, targets, training-step and inference tables."""
    env = summary['environment']
    lines = [f"# hdf-bench acceptance run ({summary['profile']['name']} profile, "
             f"{summary['device']})", '',
             f"{summary['created']}; {env.get('gpu', 'CPU')}; torch {env.get('torch')}, "
             f"CUDA {env.get('cuda')}; {summary['seconds']:.0f} s in all.", '',
             '| step | result | seconds | checks | notes |', '| --- | --- | --- | --- | --- |']
    for step in summary['steps']:
        failed = [c['name'] for c in step['checks'] if not c['ok']]
        checks = f"{sum(c['ok'] for c in step['checks'])}/{len(step['checks'])} ok"
        if failed:
            checks += '; failed: ' + ', '.join(failed)
        if step.get('error'):
            checks += f"; error: {step['error']}"
        lines.append(f"| {step['name']} | {step['status']} | {step['seconds']:.0f} | "
                     f"{checks} | {'; '.join(step['notes']) or ''} |")
    lines += ['', '| target | goal | measured | met |', '| --- | --- | --- | --- |']
    if summary['profile']['name'] != 'gpu':
        lines[-2:-2] = ['Targets are for one H100/H200 with the gpu profile; at these toy sizes '
                        'they are only printed.', '']
    for t in summary['targets']:
        met = {True: 'yes', False: 'no', None: 'not measured'}[t['met']]
        lines.append(f"| {t['text']} | {t['goal']} {t['unit']} | {_fmt(t['value'])} | {met} |")
    train = _figures(summary, 'training').get('train_step')
    if train:
        lines += ['', f"Training step, batch {train['batch']}, input {train['input']}, "
                      f"{train['dtype']} (runner path = `model.train_step` with its optim "
                      'wrapper; bare = plain PyTorch loop):', '',
                  '| model | runner clips/s | bare clips/s | runner overhead |',
                  '| --- | --- | --- | --- |']
        for name, row in train['models'].items():
            lines.append(f"| {name} | {row['runner_clips_per_s']:.1f} | "
                         f"{row['bare_clips_per_s']:.1f} | {100 * row['runner_overhead']:+.1f} % |")
    infer = _figures(summary, 'inference').get('inference')
    if infer:
        lines += ['', 'Inference (clips/s, ms per call, max|diff|/max|eager fp32 logits|):', '',
                  '| batch | model | variant | clips/s | ms | error |',
                  '| --- | --- | --- | --- | --- | --- |']
        for batch, models in infer.items():
            for name, variants in models.items():
                for variant, row in variants.items():
                    lines.append(f"| {batch} | {name} | {variant} | "
                                 f"{_fmt(row.get('clips_per_s'), 1)} | {_fmt(row.get('ms'))} | "
                                 f"{row['err']:.1e} |")
    return '\n'.join(lines) + '\n'


def _figures(summary: dict, step: str) -> dict:
    return next((s['figures'] for s in summary['steps'] if s['name'] == step), {})


def run_acceptance(out: str | os.PathLike, device: str = 'cuda', profile: str = 'gpu',
                   work: str | os.PathLike | None = None, steps: tuple[str, ...] = STEPS,
                   budget_s: float | None = None, isolate: bool | None = None) -> dict:
    """Run the acceptance steps; write ``acceptance.json`` and ``acceptance.md`` into ``out``.

    Args:
        out: output folder.
        device: 'cuda' or 'cpu'.
        profile: 'gpu' (one H100/H200) or 'tiny' (the CPU check).
        work: work folder (data, runs, store); default a folder in the system's temp dir.
        steps: steps to run, in order.
        budget_s: wall-clock budget of the run (default: the profile's).
        isolate: each step in a child process (default: on CUDA only).

    Returns:
        dict: what ``acceptance.json`` holds.
    """
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise ValueError(f'unknown steps {unknown}; steps: {", ".join(STEPS)}')
    prof = PROFILES[profile]
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(work or Path(tempfile.gettempdir()) / f'hdf_acceptance_{profile}').resolve()
    (work / 'steps').mkdir(parents=True, exist_ok=True)
    isolate = device == 'cuda' if isolate is None else isolate
    args = argparse.Namespace(out=out)
    start = time.time()
    end = start + (budget_s or prof.budget_s)
    records = []
    for i, name in enumerate(steps):
        share = STEP_SHARES[name] / sum(STEP_SHARES[s] for s in steps[i:])
        deadline = time.time() + share * (end - time.time())
        ctx = Context(prof, device, work, deadline)
        print(f'\n== step {i + 1}/{len(steps)}: {name} ({ctx.time_left():.0f} s)', flush=True)
        path = work / 'steps' / f'{name}.json'
        path.unlink(missing_ok=True)
        rec = run_isolated(name, ctx, path, args) if isolate else run_step(name, ctx, path)
        records.append(rec)
        failed = [c['name'] for c in rec.checks if not c['ok']]
        print(f"{rec.status} {name} ({rec.seconds:.0f} s): "
              f"{sum(c['ok'] for c in rec.checks)}/{len(rec.checks)} checks"
              + (f"; failed: {', '.join(failed)}" if failed else '')
              + (f'; error: {rec.error}' if rec.error else ''), flush=True)
    env = next((r.figures.get('environment') for r in records if r.name == 'environment'),
               None) or _environment()
    summary = dict(created=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(start)),
                   device=device, profile=prof.to_dict(), environment=env,
                   seconds=time.time() - start, steps=[r.to_dict() for r in records],
                   targets=_targets(records),
                   passed=all(r.status == 'PASS' for r in records))
    print()
    for t in summary['targets']:
        verdict = {True: 'met', False: 'MISSED', None: 'not measured'}[t['met']]
        print(f"TARGET {t['text']}: {_fmt(t['value'])} {t['unit']} -> {verdict}")
    if prof.name != 'gpu':
        print('(targets are for one H100/H200 with the gpu profile; here they are only printed)')
    (out / JSON_NAME).write_text(json.dumps(summary, indent=1))
    (out / MD_NAME).write_text(markdown(summary))
    print(f"\n{'PASS' if summary['passed'] else 'FAIL'}: {out / JSON_NAME}, {out / MD_NAME}")
    return summary


def _environment() -> dict:
    import torch

    env = dict(torch=torch.__version__, cuda=torch.version.cuda)
    if torch.cuda.is_available():
        env['gpu'] = torch.cuda.get_device_name()
    return env


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the acceptance run (shared by the script and ``hdf-bench doctor``)."""
    parser.add_argument('--out', required=True, help='output folder (acceptance.json, .md)')
    parser.add_argument('--device', choices=('cuda', 'cpu'), default='cuda')
    parser.add_argument('--tiny', action='store_true',
                        help='the tiny profile (the CPU check that the steps run)')
    parser.add_argument('--work', help='work folder (data, runs, store); default: temp dir')
    parser.add_argument('--steps', default=','.join(STEPS),
                        help='comma-separated steps (default: %(default)s)')
    parser.add_argument('--budget', type=float, help='wall-clock budget in seconds '
                        f"(default: gpu {PROFILES['gpu'].budget_s:.0f}, "
                        f"tiny {PROFILES['tiny'].budget_s:.0f})")
    parser.add_argument('--isolate', action=argparse.BooleanOptionalAction, default=None,
                        help='each step in a child process stopped at its deadline '
                             '(default: on CUDA)')


def run_from_args(args: argparse.Namespace) -> int:
    """Run from parsed :func:`add_arguments` options; 0 if every step passed, else 1."""
    import torch

    if args.device == 'cuda' and not torch.cuda.is_available():
        print('error: --device cuda: no CUDA device (use --device cpu --tiny)', file=sys.stderr)
        return 2
    steps = tuple(s.strip() for s in args.steps.split(',') if s.strip())
    summary = run_acceptance(args.out, args.device, 'tiny' if args.tiny else 'gpu', args.work,
                             steps, args.budget, args.isolate)
    return 0 if summary['passed'] else 1


def main(argv: list[str] | None = None) -> int:
    """``python scripts/gpu_acceptance.py`` / ``python -m hdf_bench.acceptance``."""
    parser = argparse.ArgumentParser(prog='gpu_acceptance', description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument('--child', choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument('--deadline', type=float, help=argparse.SUPPRESS)
    parser.add_argument('--profile', choices=tuple(PROFILES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one step, in a child process of run_isolated
        ctx = Context(PROFILES[args.profile], args.device, Path(args.work), args.deadline)
        rec = run_step(args.child, ctx, ctx.work / 'steps' / f'{args.child}.json')
        return 0 if rec.status == 'PASS' else 1
    return run_from_args(args)
