"""``hdf-bench demo``: the whole mission on SynthDFER, end to end, resumable.

Stages, each skipped when its output is already in the run folder:

1. generate SynthDFER (DFEW layout) -> ``RUN/data/synthdfer``
2. train HDF and baselines through the mmengine runner (as ``mim train``) -> ``RUN/train/<model>``
3. corruption sweep over a suite -> ``RUN/results`` (store), ``RUN/cache`` (corrupted clips)
4. long-tailed training split(s) and label-prior shift -> ``RUN/imbalance``, same store
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
        imbalance_models: models trained on the long-tailed split(s).
        rhos: imbalance ratios of the long-tailed splits.
        imbalance_epochs: epochs of the imbalance trainings.
        latency: time the models' forward (batch 1 and 16, random weights).
        device: ``cpu`` or ``cuda``.
        paper_recipe: train the zoo's paper-recipe configs (16 x 112 x 112, the paper's
            optimiser and schedule shape, stretched to ``epochs``) instead of the CPU ones.
    """

    identities: int
    clips_per_identity: int
    size: int
    models: tuple[str, ...]
    epochs: int
    suite: str
    imbalance_models: tuple[str, ...]
    rhos: tuple[float, ...]
    imbalance_epochs: int
    latency: bool = True
    device: str = 'cpu'
    paper_recipe: bool = False

    def model(self, name: str):
        """Zoo model ``name`` with this preset's config (:class:`hdf_bench.engine.run.ModelRef`)."""
        from hdf_bench import zoo
        return zoo.get(name).ref(paper_recipe=self.paper_recipe)


PRESETS: dict[str, Preset] = {
    # the default: about 20 minutes on a 2-core CPU
    'default': Preset(identities=30, clips_per_identity=20, size=64,
                      models=('hdf', 'x3d_s', 'static_r18'), epochs=3, suite='quick',
                      imbalance_models=('hdf', 'x3d_s'), rhos=(10.0,), imbalance_epochs=2),
    # a minute or two: what the test suite runs
    'smoke': Preset(identities=6, clips_per_identity=5, size=48,
                    models=('hdf', 'x3d_s', 'static_r18'), epochs=1, suite='quick',
                    imbalance_models=('hdf',), rhos=(10.0,), imbalance_epochs=1, latency=False),
    # for a GPU: more data, longer schedules, every corruption
    'full': Preset(identities=120, clips_per_identity=40, size=112,
                   models=('hdf', 'x3d_s', 'r3d18', 'r2plus1d18', 'tsm_r18', 'static_r18',
                           'm3dfel'),
                   epochs=30, suite='default', imbalance_models=('hdf', 'x3d_s'),
                   rhos=(1.0, 10.0, 100.0), imbalance_epochs=30, device='cuda',
                   paper_recipe=True),
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
    from hdf_bench.data.synth.writer import SynthConfig

    return ensure_synthdfer(run / 'data' / 'synthdfer', SynthConfig(
        identities=preset.identities, clips_per_identity=preset.clips_per_identity,
        size=preset.size))


def train_models(run: Path, data_root: Path, preset: Preset) -> list:
    """Train each model of the preset; return the trained runs (final checkpoints)."""
    from hdf_bench.engine import cfg as cfgs
    from hdf_bench.engine.run import Run
    from hdf_bench.engine.training import train

    trained = []
    for name in preset.models:
        print(f'-- train {name} ({preset.epochs} epochs)', flush=True)
        start = time.perf_counter()
        job = Run.load(preset.model(name), data_root, options=_device_options(preset))
        job = job.edited(cfgs.with_epochs(job.cfg, preset.epochs, cfgs.iters_per_epoch(job.cfg)))
        trained.append(train(job, run / 'train' / name).run)
        print(f'   {trained[-1].checkpoint} ({time.perf_counter() - start:.0f} s)', flush=True)
    return trained


def _device_options(preset: Preset) -> dict:
    return {} if preset.device == 'cpu' else {'env_cfg.dist_cfg.backend': 'nccl'}


def sweep(run: Path, preset: Preset, trained: list) -> None:
    """Clean + corrupted evaluation of every trained run into the results store."""
    from hdf_bench.robustness.sweep import format_summary, run_sweep, summarize

    frame = run_sweep(trained, preset.suite, run / 'results', cache_dir=run / 'cache',
                      device=preset.device)
    print(format_summary(summarize(frame)))


def imbalance(run: Path, data_root: Path, preset: Preset) -> None:
    """Long-tailed training splits, training, evaluation and prior shift into the store."""
    from hdf_bench.imbalance.experiment import format_summary, run_imbalance

    models = [preset.model(name) for name in preset.imbalance_models]
    frame = run_imbalance(models, list(preset.rhos), run,
                          epochs=preset.imbalance_epochs, data_root=str(data_root),
                          validate=False)
    print(format_summary(frame))


#: batch sizes and timed rounds of the demo's latency stage
LATENCY_BATCHES = {1: 10, 16: 3}


def latency(run: Path, preset: Preset) -> Path:
    """Time each model's eager forward in this process into ``run/latency.json``.

    The file has the shape of pytest-benchmark's JSON (``benchmarks`` with ``name``, ``group``,
    ``stats`` in seconds and ``extra_info``; see docs/CONTRACTS.md), so the report reads it as
    it reads ``benchmarks/``' output.
    """
    import statistics

    import torch

    from hdf_bench.engine.latency import build_for_latency, clip_batch, timed, zoo_input_shape

    out = run / 'latency.json'
    if out.is_file():
        print(f'reusing {out}')
        return out
    device = preset.device
    benches = []
    for name in preset.models:
        built, shape = build_for_latency(name, device), zoo_input_shape(name)
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
             **overrides) -> dict:
    """Run every stage into ``run_dir``; a rerun resumes where a previous one stopped.

    Args:
        run_dir: folder of every artefact of this run.
        preset: a name in :data:`PRESETS` or a :class:`Preset`.
        overrides: fields of the preset to change (e.g. ``epochs=2``, ``device='cuda'``).

    Returns:
        dict: the preset used and the wall time of each stage (also in ``run_dir/demo.json``).
    """
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ValueError(f'unknown preset {preset!r}; presets: {", ".join(PRESETS)}')
        preset = PRESETS[preset]
    preset = replace(preset, **overrides)
    run = Path(run_dir).resolve()
    run.mkdir(parents=True, exist_ok=True)
    log: list[dict] = []
    start = time.perf_counter()
    with _stage('1/6 SynthDFER', log):
        data_root = generate_data(run, preset)
    with _stage('2/6 training', log):
        trained = train_models(run, data_root, preset)
    with _stage(f'3/6 corruption sweep ({preset.suite} suite)', log):
        sweep(run, preset, trained)
    with _stage('4/6 class imbalance', log):
        imbalance(run, data_root, preset)
    latency_json = None
    if preset.latency:
        with _stage('5/6 latency', log):
            latency_json = latency(run, preset)
    with _stage('6/6 report', log):
        report(run, preset, latency_json)
    summary = dict(preset=asdict(preset), stages=log,
                   seconds=round(time.perf_counter() - start, 1))
    atomic_write_text(run / 'demo.json', json.dumps(summary, indent=2))
    html = run / 'report' / 'report.html'
    print(f'\ndemo finished in {summary["seconds"]:.0f} s; report: {html}')
    return summary
