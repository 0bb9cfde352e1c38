"""``hdf-bench study``: every model x fold x seed trained, tested, swept and reported."""
from __future__ import annotations

import argparse

NAME = 'study'
HELP = ('the whole study on DFEW / FERV39k / MAFW / SynthDFER: train every model on every fold '
        'and seed, test, sweep, imbalance runs, reports with fold mean +- std (resumable; '
        'local, torchrun or slurm)')
EPILOG = """\
Each job is one command line (see --dry-run); its state is RUN/state/<job>.json and its log
RUN/logs/<job>.log. Rerunning the same command skips finished jobs, resumes interrupted
trainings from their last checkpoint and retries failed jobs. Folds and seeds are config
overrides (--cfg-options ...fold=k randomness.seed=s) of one config per model (RUN/configs).

examples:
  hdf-bench study --dataset dfew --data-root /data/DFEW --run-dir runs/dfew --suite default \\
      --rho 10 100 --dry-run
  hdf-bench study --dataset dfew --data-root /data/DFEW --run-dir runs/dfew \\
      --launcher slurm --partition gpu --gpus 4 --cpus-per-task 8
  hdf-bench study --dataset synthdfer --data-root data/synthdfer --recipe cpu --device cpu \\
      --models hdf x3d_s --epochs 1 --run-dir runs/study
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.study.plan import DATASETS, RECIPES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument('--dataset', choices=DATASETS, required=True)
    parser.add_argument('--data-root', required=True, help="the data set's root (official "
                        'layout; SynthDFER: the folder `hdf-bench synth` wrote)')
    parser.add_argument('--run-dir', required=True, help='run folder (rerun with it to resume)')
    parser.add_argument('--models', nargs='+', default=['hdf', 'x3d_s'],
                        help='zoo models (hdf-bench zoo; default: hdf x3d_s)')
    parser.add_argument('--folds', nargs='+', type=int, help='folds 1-5 (default: all five; '
                        'FERV39k has none)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0],
                        help='training seeds (default 0)')
    parser.add_argument('--recipe', choices=RECIPES, default='paper',
                        help="paper: the models' paper-recipe configs (16x112x112, 300 epochs; "
                             'default); cpu: their SynthDFER CPU configs (8x64x64)')
    parser.add_argument('--epochs', type=int, help="training epochs (default: the config's; "
                        'the LR schedule is scaled)')
    parser.add_argument('--no-val', action='store_true',
                        help='no validation during training (the test split is tested after)')
    parser.add_argument('--suite', help='corruption suite of the robustness sweep (a name or '
                        'file; default: no sweep)')
    parser.add_argument('--rho', nargs='+', type=float, default=[],
                        help='imbalance ratios: one `hdf-bench imbalance` run per model, fold '
                             'and seed (default: none)')
    parser.add_argument('--profile', default='exp', help='long-tail profile (default exp)')
    parser.add_argument('--leave-scenes-out', nargs='+', default=[], metavar='SCENE',
                        help='FERV39k: train without these scenes (tested on all scenes)')
    parser.add_argument('--device', choices=('cpu', 'cuda'),
                        help='device of the test, sweep and imbalance commands (default: cuda '
                             'under slurm or where CUDA is available, else cpu)')
    parser.add_argument('--no-figures', action='store_true', help='reports without figures')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the jobs, their commands and the estimated GPU hours')
    launch = parser.add_argument_group('launchers')
    launch.add_argument('--launcher', choices=('local', 'torchrun', 'slurm'), default='local',
                        help='local: one process (default); torchrun: --gpus ranks per '
                             'training on this machine; slurm: one sbatch job per job')
    launch.add_argument('--gpus', type=int, default=1, help='GPUs per training (default 1)')
    launch.add_argument('--partition', help='slurm partition')
    launch.add_argument('--cpus-per-task', type=int, default=8, help='slurm (default 8)')
    launch.add_argument('--time', dest='time_limit', help='slurm --time of each job')
    launch.add_argument('--no-wait', action='store_true',
                        help='slurm: submit and return (rerun to collect and report)')
    launch.add_argument('--poll', type=float, default=60.0,
                        help='slurm: seconds between queue polls (default 60)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.study.launchers import make_launcher
    from hdf_bench.study.plan import StudySpec
    from hdf_bench.study.run import run_study

    device = args.device
    if device is None:
        import torch
        device = 'cuda' if args.launcher == 'slurm' or torch.cuda.is_available() else 'cpu'
    spec = StudySpec(
        dataset=args.dataset, data_root=args.data_root, run_dir=args.run_dir,
        models=tuple(args.models), folds=tuple(args.folds) if args.folds else None,
        seeds=tuple(args.seeds), recipe=args.recipe, epochs=args.epochs,
        validate=not args.no_val, suite=args.suite, rhos=tuple(args.rho), profile=args.profile,
        leave_scenes_out=tuple(args.leave_scenes_out), device=device,
        figures=not args.no_figures)
    slurm = {}
    if args.launcher == 'slurm':
        slurm = dict(partition=args.partition, cpus_per_task=args.cpus_per_task,
                     time_limit=args.time_limit, wait=not args.no_wait, poll_s=args.poll)
    launcher = make_launcher(args.launcher, args.gpus, **slurm)
    return run_study(spec, launcher, dry_run=args.dry_run)
