"""``hdf-bench demo``: the whole mission on SynthDFER, end to end, resumable.

Stages, each skipped when its output is already in the run folder:

1. generate SynthDFER (DFEW layout) -> ``RUN/data/synthdfer``
2. every training up front, in parallel worker processes (``train_many``): HDF and baselines
   -> ``RUN/train/<model>``, and the long-tailed trainings -> ``RUN/imbalance/<cond>/<model>``;
   console logs -> ``RUN/logs``, decoded clips -> ``RUN/clips``
3. corruption sweep over a suite -> ``RUN/results`` (store), ``RUN/cache`` (corrupted clips);
   one line per model: clean WAR / UAR with its 95 % CI, learned or not
4. long-tailed evaluation and label-prior shift (trainings done in 2) -> same store
5. forward latency of the models, timed in this process (pytest-benchmark's JSON shape)
   -> ``RUN/latency.json``
6. the report -> ``RUN/report`` (Markdown, HTML, LaTeX, CSV)
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from hdf_bench.resources import shipped_file
from hdf_bench.results import atomic_write_text


@dataclass(frozen=True)
class Preset:
    """Sizes of one demo run.

    Args:
        identities: SynthDFER identities (folds split by identity).
        clips_per_identity: clips per identity.
        size: SynthDFER image side in pixels.
        models: zoo models to train and sweep (the first baseline is the report's reference).
        epochs: training epochs of each model.
        suite: corruption suite name.
        imbalance_models: models trained on the long-tailed split(s), each for the optimizer
            steps of its balanced training (whole epochs of the smaller split, rounded up).
        rhos: imbalance ratios of the long-tailed splits.
        latency: time the models' forward (batch 1 and 16, random weights).
        device: ``cpu`` or ``cuda``.
        recipe: the zoo configs to train (:data:`hdf_bench.zoo.RECIPES`): ``cpu`` (8 x 64 x 64),
            ``demo`` (SynthDFER 'demo', 4 x 48 x 48, clip cache) or ``paper`` (16 x 112 x 112,
            the paper's optimiser and schedule shape, stretched to ``epochs``).
        synth: SynthDFER preset (``synth_preset``) the sizes above apply to; None for the
            default SynthDFER.
    """

    identities: int
    clips_per_identity: int
    size: int
    models: tuple[str, ...]
    epochs: int
    suite: str
    imbalance_models: tuple[str, ...]
    rhos: tuple[float, ...]
    latency: bool = True
    device: str = 'cpu'
    recipe: str = 'cpu'
    synth: str | None = None

    def model(self, name: str):
        """Zoo model ``name`` with this preset's config (:class:`hdf_bench.engine.run.ModelRef`)."""
        from hdf_bench import zoo
        return zoo.get(name).ref(recipe=self.recipe)


PRESETS: dict[str, Preset] = {
    # the default: predicted ~25 minutes on a quiet 2-core CPU (docs/DEMO_BUDGET.md: 180 steps
    # a model; X3D-S reached UAR 61.5 % there)
    'default': Preset(identities=30, clips_per_identity=40, size=64,
                      models=('hdf', 'x3d_s', 'static_r18'), epochs=3, suite='quick',
                      imbalance_models=('hdf', 'x3d_s'), rhos=(10.0,),
                      recipe='demo', synth='demo'),
    # a minute or two: what the test suite runs
    'smoke': Preset(identities=6, clips_per_identity=5, size=48,
                    models=('hdf', 'x3d_s', 'static_r18'), epochs=1, suite='quick',
                    imbalance_models=('hdf',), rhos=(10.0,), latency=False,
                    recipe='demo', synth='demo'),
    # for a GPU: more data, longer schedules, every corruption
    'full': Preset(identities=120, clips_per_identity=40, size=112,
                   models=('hdf', 'x3d_s', 'r3d18', 'r2plus1d18', 'tsm_r18', 'static_r18',
                           'm3dfel'),
                   epochs=30, suite='default', imbalance_models=('hdf', 'x3d_s'),
                   rhos=(1.0, 10.0, 100.0), device='cuda',
                   recipe='paper'),
}


def _stage(name: str, log: list[dict]):
    """Context printing a stage banner and recording its wall time in ``log``."""
    class _Stage:
        def __enter__(self):
            print(f'\n== {name}', flush=True)
            self.start = time.perf_counter()
            return self

        def __exit__(self, *exc):
            seconds = time.perf_counter() - self.start
            log.append(dict(stage=name, seconds=round(seconds, 1), ok=exc[0] is None))
            print(f'== {name}: {seconds:.0f} s', flush=True)
            return False
    return _Stage()


def generate_data(run: Path, preset: Preset) -> Path:
    """SynthDFER in DFEW layout at the preset's sizes under ``run/data/synthdfer`` (reused if
    complete)."""
    from hdf_bench.data.synth.ensure import ensure_synthdfer
    from hdf_bench.data.synth.writer import SynthConfig, synth_preset

    sizes = dict(identities=preset.identities, clips_per_identity=preset.clips_per_identity,
                 size=preset.size)
    config = synth_preset(preset.synth, **sizes) if preset.synth else SynthConfig(**sizes)
    return ensure_synthdfer(run / 'data' / 'synthdfer', config)


def prepare(run: Path, data_root: Path, preset: Preset, name: str):
    """Zoo model ``name`` as a :class:`~hdf_bench.engine.run.Run` on the demo data: no
    validation during training, decoded clips cached under ``run/clips``."""
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.engine.run import Run

    job = Run.load(preset.model(name), data_root, options=_device_options(preset))
    return job.edited(cfgs.with_clip_cache(cfgs.without_validation(job.cfg), run / 'clips'))


def imbalance_steps(run: Path, data_root: Path, preset: Preset) -> int:
    """Optimizer steps of each long-tailed training: those of the balanced training of the
    first imbalance model (the demo's configs share the batch size)."""
    from hdf_bench.engine import cfg as cfgs

    job = prepare(run, data_root, preset, preset.imbalance_models[0])
    return preset.epochs * cfgs.iters_per_epoch(job.cfg)


def plan_trainings(run: Path, data_root: Path, preset: Preset) -> tuple[list, list]:
    """Every training of the demo: ``(main, imbalance)`` lists of ``(Run, work_dir)`` jobs
    (the long-tailed splits are written here; see :func:`plan_imbalance`)."""
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.imbalance.experiment import plan_imbalance

    main = []
    for name in preset.models:
        job = prepare(run, data_root, preset, name)
        job = job.edited(cfgs.with_epochs(job.cfg, preset.epochs, cfgs.iters_per_epoch(job.cfg)))
        main.append((job, run / 'train' / name))
    planned = plan_imbalance([prepare(run, data_root, preset, name)
                              for name in preset.imbalance_models], list(preset.rhos), run,
                             log=None, steps=imbalance_steps(run, data_root, preset))
    return main, [(job.run, job.work_dir) for job in planned]


def train_all(run: Path, data_root: Path, preset: Preset, workers: int,
              threads: int | None) -> list:
    """Train the main models and the long-tailed ones in one worker pool; return the main
    models' trained runs (final checkpoints)."""
    from hdf_bench.engine.training import train_many

    main, imbalanced = plan_trainings(run, data_root, preset)
    jobs = main + imbalanced
    print(f'-- {len(jobs)} trainings ({len(main)} models, {len(imbalanced)} long-tailed) in '
          f'{workers} worker process{"es" * (workers != 1)}, {threads or "default"} '
          f'thread{"s" * (threads != 1)} each; console logs in {run / "logs"}', flush=True)
    results = train_many(jobs, workers=workers, threads=threads, log_dir=run / 'logs')
    for (_, work_dir), result in zip(jobs, results, strict=True):
        print(f'   {work_dir.parent.name}/{work_dir.name}: {result.status} '
              f'({result.seconds:.0f} s) {result.run.checkpoint}', flush=True)
    return [result.run for result in results[:len(main)]]


def _device_options(preset: Preset) -> dict:
    return {} if preset.device == 'cpu' else {'env_cfg.dist_cfg.backend': 'nccl'}


def sweep(run: Path, preset: Preset, trained: list) -> None:
    """Clean + corrupted evaluation of every trained run into the results store."""
    from hdf_bench.robustness.sweep import format_summary, run_sweep, summarize

    frame = run_sweep(trained, preset.suite, run / 'results', cache_dir=run / 'cache',
                      device=preset.device)
    print(format_summary(summarize(frame)))


def learned_lines(store_root: Path, models: tuple[str, ...]) -> list[str]:
    """One line per model with a clean cell: WAR, UAR with its 95 % CI, learned or not
    (:func:`hdf_bench.evaluation.learned.learned_verdict`)."""
    from hdf_bench.evaluation.learned import learned_verdict
    from hdf_bench.results import Axis, ResultsStore, read_frame

    frame = read_frame(ResultsStore(store_root))
    clean = frame[frame['axis'] == Axis.CLEAN.value] if not frame.empty else frame
    lines = []
    for name in models:
        rows = clean[clean['model'] == name] if not clean.empty else clean
        if rows.empty:
            continue
        row = rows.iloc[0]
        cols = row['record']['predictions']
        v = learned_verdict(cols['labels'], cols['preds'], len(row['classes']))
        lines.append(f'{name}: clean WAR {v.war:.1%}, UAR {v.uar:.1%} '
                     f'[95 % CI {v.uar_low:.1%}, {v.uar_high:.1%}], chance {v.chance:.1%}: '
                     f'{"learned" if v.learned else "NOT LEARNED"}'
                     + ('' if v.learned else f' ({v.reason})'))
    return lines


def imbalance(run: Path, data_root: Path, preset: Preset) -> None:
    """Evaluation of the long-tailed trainings and prior shift into the store (trainings left
    over by stage 2, if any, run here)."""
    from hdf_bench.imbalance.experiment import format_summary, run_imbalance

    runs = [prepare(run, data_root, preset, name) for name in preset.imbalance_models]
    frame = run_imbalance(runs, list(preset.rhos), run,
                          steps=imbalance_steps(run, data_root, preset))
    print(format_summary(frame))


#: batch sizes and timed rounds of the demo's latency stage
LATENCY_BATCHES = {1: 10, 16: 3}


def latency(run: Path, preset: Preset) -> Path:
    """Time each model's eager forward (on its recipe's input) into ``run/latency.json``.

    The file has the shape of pytest-benchmark's JSON (``benchmarks`` with ``name``, ``group``,
    ``stats`` in seconds and ``extra_info``; see docs/CONTRACTS.md), so the report reads it as
    it reads ``benchmarks/``' output.
    """
    import statistics

    import torch

    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.engine.latency import build_for_latency, clip_batch, input_shape_of, timed

    out = run / 'latency.json'
    if out.is_file():
        print(f'reusing {out}')
        return out
    device = preset.device
    benches = []
    for name in preset.models:
        # the input of the preset's recipe (the demo's 4 x 48 x 48), the model the zoo's
        built = build_for_latency(name, device)
        shape = input_shape_of(cfgs.load(preset.model(name).config, name))
        for batch, rounds in LATENCY_BATCHES.items():
            x = clip_batch(batch, shape, device)
            def step(fn=built.forward, x=x):
                return fn(x)
            step()  # warm-up
            times = [timed(step, device) for _ in range(rounds)]
            mean = statistics.fmean(times)
            group = f'forward-{device}-fp32-demo-b{batch}'
            print(f'   {name} b{batch}: {1e3 * statistics.median(times):.1f} ms', flush=True)
            benches.append(dict(
                name=f'demo_forward[{name}-b{batch}]', group=group,
                stats=dict(mean=mean, median=statistics.median(times), min=min(times),
                           max=max(times), rounds=rounds, ops=1 / mean,
                           stddev=statistics.stdev(times) if rounds > 1 else 0.0),
                extra_info=dict(model=name, batch=batch, dtype='fp32', device=device,
                                input_shape=list(shape), params=built.params,
                                variant='eager', kind='model', threads=torch.get_num_threads())))
    atomic_write_text(out, json.dumps(dict(benchmarks=benches), indent=2))
    return out


def report(run: Path, preset: Preset, latency_json: Path | None) -> Path:
    """Write the report from the store (and latency JSON) into ``run/report``."""
    from hdf_bench.report.build import run_report
    from hdf_bench.report.spec import load_spec

    reference = next((m for m in preset.models if m != 'hdf'), preset.models[0])
    spec = load_spec(shipped_file('reports/default.py'), reference=reference,
                     latency=str(latency_json) if latency_json else None)
    _, files = run_report(run / 'results', run / 'report', spec)
    for path in files:
        if path.suffix in ('.md', '.html', '.tex'):
            print(f'   {path}')
    return run / 'report'


def run_demo(run_dir: str | os.PathLike, preset: str | Preset = 'default',
             workers: int | None = None, threads: int | None = None, **overrides) -> dict:
    """Run every stage into ``run_dir``; a rerun resumes where a previous one stopped.

    Args:
        run_dir: folder of every artefact of this run.
        preset: a name in :data:`PRESETS` or a :class:`Preset`.
        workers: training worker processes (default 2 on CPU, 1 on CUDA).
        threads: torch / OpenMP threads per training worker (default 1 on CPU, torch's
            default on CUDA).
        overrides: fields of the preset to change (e.g. ``epochs=2``, ``device='cuda'``).

    Returns:
        dict: the preset used and the wall time of each stage (also in ``run_dir/demo.json``).
    """
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f'unknown preset {preset!r}; presets: {", ".join(PRESETS)}')
        preset = PRESETS[preset]
    preset = replace(preset, **overrides)
    cpu = preset.device == 'cpu'
    workers = workers or (2 if cpu else 1)
    threads = threads or (1 if cpu else None)
    run = Path(run_dir).resolve()
    run.mkdir(parents=True, exist_ok=True)
    log: list[dict] = []
    start = time.perf_counter()
    with _stage('1/6 SynthDFER', log):
        data_root = generate_data(run, preset)
    with _stage('2/6 training', log):
        trained = train_all(run, data_root, preset, workers, threads)
    with _stage(f'3/6 corruption sweep ({preset.suite} suite)', log):
        sweep(run, preset, trained)
        for line in learned_lines(run / 'results', preset.models):
            print(f'   {line}', flush=True)
    with _stage('4/6 class imbalance', log):
        imbalance(run, data_root, preset)
    latency_json = None
    if preset.latency:
        with _stage('5/6 latency', log):
            latency_json = latency(run, preset)
    with _stage('6/6 report', log):
        report(run, preset, latency_json)
    summary = dict(preset=asdict(preset), workers=workers, threads=threads, stages=log,
                   seconds=round(time.perf_counter() - start, 1))
    atomic_write_text(run / 'demo.json', json.dumps(summary, indent=2))
    html = run / 'report' / 'report.html'
    print(f'\ndemo finished in {summary["seconds"]:.0f} s; report: {html}')
    return summary
