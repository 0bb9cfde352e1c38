"""The plan of a study: every training, test, sweep, imbalance run and report as a command line.

A :class:`StudySpec` names the data set (``synthdfer``, ``dfew``, ``ferv39k``, ``mafw``) and its
root, zoo models, folds, training seeds, the recipe (``paper``: each model's paper-recipe config;
``cpu``: its SynthDFER CPU config) and the optional parts (a corruption suite, imbalance ratios,
FERV39k scenes left out of training). :func:`make_plan` turns it into :class:`Job` objects. The
unit of work is a command line (what ``torchrun`` and Slurm run); jobs depend on each other by id.

Layout of the run folder::

    configs/<model>.py                  the model's config on this data set (data root, reader,
                                        epochs); folds and seeds are --cfg-options, not copies
    splits/                             FERV39k training lists without the left-out scenes
    train/<model>/fold<k>/seed<s>/      mmengine work dirs (fold ``all`` for FERV39k)
    results/seed<s>/                    results store of that training seed (clean + sweep cells)
    imbalance/fold<k>/seed<s>/          ``hdf-bench imbalance`` run folders
    report/seed<s>/                     ``hdf-bench report`` of each seed's store
    state/<job>.json, logs/<job>.log    one state file and one log per job
    study_table.md / .csv               fold mean +- std over folds (and seeds); scenes (FERV39k)
"""
from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hdf_bench import zoo

DATASETS = ('synthdfer', 'dfew', 'ferv39k', 'mafw')
RECIPES = ('paper', 'cpu')
#: data sets with five official folds (FERV39k has one train/test split)
FOLDED = ('synthdfer', 'dfew', 'mafw')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
KINDS = ('train', 'test', 'sweep', 'imbalance', 'report')
#: the train entry every launcher runs (python -m ...)
TRAIN_MODULE = 'hdf_bench.study.train'
CLI_MODULE = 'hdf_bench.cli.main'

#: clips/s on one H100 at 16x112x112, batch 64, fp32 eager: (train, inference);
#: from the project's reference notes (shared/reference/PERF.md), measured 2026-11-25 with
#: mmaction2's modules
MEASURED_CLIPS_PER_S = {'x3d_s': (409.0, 2560.0), 'r3d18': (890.0, 3431.0),
                        'r2plus1d18': (506.0, 1891.0)}
#: zoo models built on another measured model's backbone
COST_BASE = {name: 'x3d_s' for name in ('hdf', 'hdf_no_sam', 'x3d_dam_ce', 'x3d_dsm',
                                        'dam_temporal', 'dam_frequency')}
#: forward cost of the four DAMs on X3D-S (HDF / X3D-S at batch 16, docs/PERFORMANCE.md)
DAM_FACTOR = 1.031
#: SAM runs two forward/backward passes per step
SAM_FACTOR = 2.0


@dataclass(frozen=True)
class StudySpec:
    """What a study covers.

    Args:
        dataset: one of :data:`DATASETS`.
        data_root: the data set's root (official layout; SynthDFER in DFEW's layout).
        run_dir: the run folder (see the module docstring).
        models: zoo names.
        folds: folds 1-5 (default all five; FERV39k has none).
        seeds: training seeds (``randomness.seed``).
        recipe: ``paper`` (paper-recipe configs) or ``cpu`` (SynthDFER CPU configs).
        epochs: training epochs (default: the config's; the LR schedule is scaled).
        validate: keep the configs' per-epoch validation.
        suite: corruption suite of the robustness sweep (None: no sweep).
        rhos: imbalance ratios of ``hdf-bench imbalance`` runs (empty: none).
        profile: long-tail profile of those runs.
        leave_scenes_out: FERV39k scenes removed from the training list (tested on all scenes).
        device: device of the test, sweep and imbalance commands (``cpu`` or ``cuda``).
        figures: draw the report's figures.
    """

    dataset: str
    data_root: str
    run_dir: str
    models: tuple[str, ...] = ('hdf', 'x3d_s')
    folds: tuple[int, ...] | None = None
    seeds: tuple[int, ...] = (0,)
    recipe: str = 'paper'
    epochs: int | None = None
    validate: bool = True
    suite: str | None = None
    rhos: tuple[float, ...] = ()
    profile: str = 'exp'
    leave_scenes_out: tuple[str, ...] = ()
    device: str = 'cuda'
    figures: bool = True

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f'--dataset must be one of {DATASETS}, got {self.dataset!r}')
        if self.recipe not in RECIPES:
            raise ValueError(f'--recipe must be one of {RECIPES}, got {self.recipe!r}')
        if not self.models or len(set(self.models)) != len(self.models):
            raise ValueError(f'--models must name distinct zoo models, got {self.models}')
        for name in self.models:
            entry = zoo.get(name)  # ValueError naming the zoo models
            if self.recipe == 'paper' and entry.paper_config is None:
                raise ValueError(f'zoo model {name!r} has no paper-recipe config; '
                                 'use --recipe cpu or another model')
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f'--seeds must be distinct integers, got {self.seeds}')
        if self.dataset in FOLDED:
            bad = [f for f in self.folds or () if f not in range(1, 6)]
            if bad or (self.folds is not None and len(set(self.folds)) != len(self.folds)):
                raise ValueError(f'--folds must be distinct folds 1..5, got {self.folds}')
        elif self.folds:
            raise ValueError(f'--folds: {self.dataset} has no folds (one train/test split)')
        if self.leave_scenes_out and self.dataset != 'ferv39k':
            raise ValueError('--leave-scenes-out needs --dataset ferv39k (scenes are FERV39k '
                             f'metadata), got --dataset {self.dataset}')
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f'--epochs must be >= 1, got {self.epochs}')

    @property
    def fold_names(self) -> list[str]:
        """Folds as store keys: ``'1'``..``'5'``, or ``['all']`` for FERV39k."""
        if self.dataset not in FOLDED:
            return ['all']
        return [str(f) for f in (self.folds or range(1, 6))]

    @property
    def run(self) -> Path:
        return Path(self.run_dir).resolve()

    def config_path(self, model: str) -> Path:
        return self.run / 'configs' / f'{model}.py'

    def work_dir(self, model: str, fold: str, seed: int) -> Path:
        return self.run / 'train' / model / f'fold{fold}' / f'seed{seed}'

    def store(self, seed: int) -> Path:
        return self.run / 'results' / f'seed{seed}'

    def imbalance_dir(self, fold: str, seed: int) -> Path:
        return self.run / 'imbalance' / f'fold{fold}' / f'seed{seed}'

    def report_dir(self, seed: int) -> Path:
        return self.run / 'report' / f'seed{seed}'

    @property
    def reference(self) -> str:
        """Reference model of the report: X3D-S when studied, else the first model."""
        return 'x3d_s' if 'x3d_s' in self.models else self.models[0]


@dataclass(frozen=True)
class Job:
    """One piece of work: a command line and the jobs it waits for.

    Args:
        id: unique name (also the name of its state and log files).
        kind: one of :data:`KINDS`.
        command: the command as one process runs it (launchers adapt training commands).
        deps: ids of jobs that must be done first.
        model, fold, seed: what it is about (None for a report).
        outputs: files that exist once it is done (a training's final checkpoint).
        gpu_hours: estimated GPU hours (None where no throughput is known).
    """

    id: str
    kind: str
    command: tuple[str, ...]
    deps: tuple[str, ...] = ()
    model: str | None = None
    fold: str | None = None
    seed: int | None = None
    outputs: tuple[str, ...] = ()
    gpu_hours: float | None = None

    def outputs_exist(self) -> bool:
        return all(Path(p).is_file() for p in self.outputs)


@dataclass
class Plan:
    """The jobs of a study, and the files (configs, split lists) its commands read."""

    spec: StudySpec
    jobs: list[Job]
    configs: dict[str, object] = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def job(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def materialize(self) -> list[str]:
        """Write the configs and split lists the commands read; returns the files that existed
        with other contents (finished jobs used the old ones)."""
        from hdf_bench.results.io import atomic_write_text
        texts = dict(self.splits)
        texts.update({path: config_text(cfg, self.spec) for path, cfg in self.configs.items()})
        changed = []
        for path, text in texts.items():
            path = Path(path)
            if path.is_file() and path.read_text() == text:
                continue
            if path.is_file():
                changed.append(str(path))
            atomic_write_text(path, text)
        return changed


def config_text(cfg, spec: StudySpec) -> str:
    """The study config as Python source, with a header naming where it comes from."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'cfg.py'
        cfg.dump(str(path))
        body = path.read_text()
    return (f'# Written by `hdf-bench study` for {spec.dataset} at {spec.data_root} '
            f'(recipe {spec.recipe}).\n# Source: {cfg.filename}. Folds and seeds are set on the '
            'command line (--cfg-options ...fold=k randomness.seed=s).\n' + body)


# ---- configs -------------------------------------------------------------------------------
def _reader(spec: StudySpec, old: dict, split: str, ann_file: str | None) -> dict:
    """The reader dict of ``spec.dataset`` for one loader (pipeline and test_mode kept)."""
    root = str(Path(spec.data_root).resolve())
    new: dict = dict(data_root=root, split=split)
    if spec.dataset in ('synthdfer', 'dfew'):
        new.update(type='DFEWDataset', fold=1, variant=old.get('variant', 'clip_224x224'))
    elif spec.dataset == 'ferv39k':
        new.update(type='FERV39kDataset')
    else:  # MAFW: the models have 7 outputs, so the 7 basic classes
        new.update(type='MAFWDataset', fold=1, map_to_basic=True)
    if ann_file:
        new['ann_file'] = ann_file
    for key in ('pipeline', 'test_mode'):
        if key in old:
            new[key] = old[key]
    return new


def reader_path(cfg, loader: str) -> str:
    """Dotted path of the reader's dataset config inside ``cfg[loader]`` (through wrappers)."""
    from hdf_bench.engine.cfg import WRAPPERS, type_name
    path, ds_cfg = f'{loader}.dataset', cfg[loader]['dataset']
    while type_name(ds_cfg) in WRAPPERS:
        path, ds_cfg = f'{path}.dataset', ds_cfg['dataset']
    return path


def study_config(spec: StudySpec, model: str, train_list: str | None = None,
                 iters_per_epoch: int | None = None):
    """The config a study trains ``model`` with: zoo config, this data set's reader and root,
    the study's epochs and validation; fold 1 (other folds: :func:`fold_options`)."""
    from hdf_bench.engine.cfg import reader_cfg, with_epochs, without_validation

    cfg = zoo.load_config(model, paper_recipe=spec.recipe == 'paper')
    cfg.dataset_name = spec.dataset
    for loader in LOADERS:
        if not cfg.get(loader):
            continue
        ds_cfg = reader_cfg(cfg, loader)
        split = 'train' if loader == 'train_dataloader' else 'test'
        new = _reader(spec, ds_cfg, split, train_list if split == 'train' else None)
        ds_cfg.clear()
        ds_cfg.update(new)
    if spec.epochs is not None:
        cfg = with_epochs(cfg, spec.epochs, iters_per_epoch)
    if not spec.validate:
        cfg = without_validation(cfg)
    return cfg


def fold_options(cfg, fold: str) -> list[str]:
    """``--cfg-options`` items that select ``fold`` in every loader (none for FERV39k)."""
    if fold == 'all':
        return []
    return [f'{reader_path(cfg, loader)}.fold={fold}' for loader in LOADERS if cfg.get(loader)]


def final_checkpoint(cfg, work_dir: Path) -> Path:
    return work_dir / f'epoch_{int(cfg.train_cfg.max_epochs)}.pth'


# ---- sizes and costs -----------------------------------------------------------------------
def count_clips(spec: StudySpec, fold: str, train_list: str | None = None
                ) -> tuple[int, int] | None:
    """(training clips, test clips) of a fold from the split files; None if unreadable."""
    root = Path(spec.data_root)
    try:
        if spec.dataset in ('synthdfer', 'dfew'):
            from hdf_bench.data.dfew import dfew_split_file, read_dfew_csv
            return tuple(len(read_dfew_csv(dfew_split_file(str(root), int(fold), split)))
                         for split in ('train', 'test'))
        if spec.dataset == 'ferv39k':
            from hdf_bench.data.ferv39k import read_ferv39k_list
            lists = root / '4_setups' / 'All_scenes'
            train = train_list or str(lists / 'train_All.csv')
            return (len(read_ferv39k_list(train)),
                    len(read_ferv39k_list(str(lists / 'test_All.csv'))))
        from hdf_bench.data.mafw import read_mafw_list
        folder = root / 'split' / 'single' / 'no_caption' / f'set_{fold}'
        return tuple(sum(1 for _, label in read_mafw_list(str(folder / f'{split}.txt'))
                         if label < 7) for split in ('train', 'test'))
    except (OSError, ValueError):
        return None


def clips_per_s(model: str, cfg) -> tuple[float, float, str] | None:
    """(train, inference) clips/s of ``model`` on one GPU at the paper input, and the source;
    None where nothing was measured."""
    base = COST_BASE.get(model, model)
    if base not in MEASURED_CLIPS_PER_S:
        return None
    train, infer = MEASURED_CLIPS_PER_S[base]
    if base == model:
        return train, infer, 'measured'
    backbone = str(cfg.model.get('backbone', {}).get('type', ''))
    forward = DAM_FACTOR if 'DAM' in backbone else 1.0
    sam = SAM_FACTOR if 'SAM' in str(cfg.optim_wrapper.get('type', '')) else 1.0
    return train / (forward * sam), infer / forward, f'{base} x {forward * sam:.2f}'


# ---- the plan ------------------------------------------------------------------------------
def _cli(*args: object) -> tuple[str, ...]:
    return (sys.executable, '-m', CLI_MODULE, *map(str, args))


def _hours(clips: float, rate: float | None) -> float | None:
    return None if rate is None else clips / rate / 3600


def _suite_cells(suite: str | None) -> int:
    if suite is None:
        return 0
    from hdf_bench.corruptions import load_suite
    return sum(1 for _ in load_suite(suite).cells())


def scene_train_list(spec: StudySpec) -> tuple[str, str] | None:
    """(path, text) of FERV39k's training list without ``spec.leave_scenes_out``; None if no
    scene is left out."""
    if not spec.leave_scenes_out:
        return None
    from hdf_bench.study.summary import without_scenes
    source = Path(spec.data_root) / '4_setups' / 'All_scenes' / 'train_All.csv'
    text = without_scenes(source, spec.leave_scenes_out)
    name = 'ferv39k_train_without_' + '_'.join(sorted(spec.leave_scenes_out)) + '.csv'
    return str(spec.run / 'splits' / name), text


def make_plan(spec: StudySpec) -> Plan:
    """Every job of the study, in an order that respects the dependencies."""
    plan = Plan(spec, [])
    scenes = scene_train_list(spec)
    train_list = None
    if scenes is not None:
        train_list, text = scenes
        plan.splits[train_list] = text
        plan.notes.append(f'training list without scenes {", ".join(spec.leave_scenes_out)}: '
                          f'{train_list}')
    cells = _suite_cells(spec.suite)
    sizes = {fold: count_clips(spec, fold, train_list) for fold in spec.fold_names}
    if any(v is None for v in sizes.values()):
        plan.notes.append(f'split files under {spec.data_root} not readable: clip counts and '
                          'GPU hours unknown')
    cfgs = {}
    for model in spec.models:
        size = sizes[spec.fold_names[0]]
        cfg = zoo.load_config(model, paper_recipe=spec.recipe == 'paper')
        batch = cfg.train_dataloader['batch_size']
        iters = math.ceil(size[0] / batch) if size else None
        cfgs[model] = study_config(spec, model, train_list, iters)
        plan.configs[str(spec.config_path(model))] = cfgs[model]
    for seed in spec.seeds:
        waits = []
        for fold in spec.fold_names:
            size = sizes[fold]
            for model in spec.models:
                jobs = _model_jobs(spec, cfgs[model], model, fold, seed, size, cells)
                plan.jobs.extend(jobs)
                waits += [j.id for j in jobs if j.kind != 'train']
        plan.jobs.append(Job(
            f'report-s{seed}', 'report',
            _cli('report', '--store', spec.store(seed), '--out', spec.report_dir(seed),
                 '--reference', spec.reference, *([] if spec.figures else ['--no-figures'])),
            tuple(waits), seed=seed))
    if spec.recipe == 'cpu':
        plan.notes.append('GPU hours are estimated for the paper input (16x112x112) only')
    return plan


def _model_jobs(spec: StudySpec, cfg, model: str, fold: str, seed: int,
                size: tuple[int, int] | None, cells: int) -> list[Job]:
    tag = f'{model}-{"all" if fold == "all" else "f" + fold}-s{seed}'
    config = spec.config_path(model)
    work = spec.work_dir(model, fold, seed)
    checkpoint = final_checkpoint(cfg, work)
    rates = clips_per_s(model, cfg) if spec.recipe == 'paper' else None
    train_rate, infer_rate = (rates[0], rates[1]) if rates else (None, None)
    n_train, n_test = size or (math.nan, math.nan)
    epochs = int(cfg.train_cfg.max_epochs)
    val = n_test if cfg.get('val_dataloader') else 0
    train_h = _hours(epochs * n_train, train_rate)
    if train_h is not None:
        train_h += _hours(epochs * val, infer_rate)
    common = dict(model=model, fold=fold, seed=seed)
    fold_args = [] if fold == 'all' else ['--fold', fold]
    train = Job(f'train-{tag}', 'train',
                (sys.executable, '-m', TRAIN_MODULE, str(config), '--work-dir', str(work),
                 '--cfg-options', *fold_options(cfg, fold), f'randomness.seed={seed}'),
                outputs=(str(checkpoint),), gpu_hours=_nan_none(train_h), **common)
    model_arg = f'{model}={config}:{checkpoint}'
    test = Job(f'test-{tag}', 'test',
               _cli('robustness', '--model', model_arg, '--suite', 'none', '--store',
                    spec.store(seed), *fold_args, '--device', spec.device, '--quiet'),
               (train.id,), gpu_hours=_nan_none(_hours(n_test, infer_rate)), **common)
    jobs = [train, test]
    if spec.suite:
        jobs.append(Job(f'sweep-{tag}', 'sweep',
                        _cli('robustness', '--model', model_arg, '--suite', spec.suite,
                             '--store', spec.store(seed), *fold_args, '--device', spec.device,
                             '--quiet'),
                        (test.id,), gpu_hours=_nan_none(_hours(cells * n_test, infer_rate)),
                        **common))
    if spec.rhos:
        options = [f'randomness.seed={seed}']
        jobs.append(Job(
            f'imbalance-{tag}', 'imbalance',
            _cli('imbalance', '--models', f'{model}={config}', '--rho', *spec.rhos,
                 '--profile', spec.profile, '--run-dir', spec.imbalance_dir(fold, seed),
                 *(['--fold', fold] if fold != 'all' else []),
                 *(['--epochs', spec.epochs] if spec.epochs else []),
                 *([] if spec.validate else ['--no-val']), '--cfg-options', *options),
            gpu_hours=_nan_none(None if train_h is None else len(spec.rhos) * train_h),
            **common))
    return jobs


def _nan_none(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def format_plan(plan: Plan, command_of=None) -> str:
    """The plan as text: counts, estimated GPU hours, then each job and its command.

    Args:
        plan: the plan.
        command_of: ``job -> command`` as the launcher runs it (default: ``job.command``).
    """
    spec = plan.spec
    command_of = command_of or (lambda job: job.command)
    counts = ', '.join(f'{sum(j.kind == k for j in plan.jobs)} {k}' for k in KINDS)
    hours = [j.gpu_hours for j in plan.jobs if j.kind != 'report']
    known = [h for h in hours if h is not None]
    models = ', '.join(spec.models)
    lines = [f'study: {spec.dataset} at {spec.data_root}, recipe {spec.recipe}; models {models}; '
             f'folds {", ".join(spec.fold_names)}; seeds {", ".join(map(str, spec.seeds))}',
             f'run folder: {spec.run}',
             f'jobs: {counts}',
             f'estimated GPU hours: {sum(known):.1f} for {len(known)} of {len(hours)} GPU jobs '
             '(H100 clips/s of PERF.md; HDF-family models scaled from X3D-S by DAM and SAM)']
    lines += [f'note: {n}' for n in plan.notes]
    for job in plan.jobs:
        after = ', '.join(job.deps) if len(job.deps) <= 3 else f'{len(job.deps)} jobs'
        cost = f'{job.gpu_hours:.2f} GPU h' if job.gpu_hours is not None else '? GPU h'
        cost = '' if job.kind == 'report' else f'  [{cost}]'
        lines.append(f'{job.id}{cost}' + (f'  after: {after}' if job.deps else ''))
        lines.append('    ' + shlex.join(map(str, command_of(job))))
    return '\n'.join(lines)
