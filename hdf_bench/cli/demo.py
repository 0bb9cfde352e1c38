"""``hdf-bench demo``: SynthDFER, training, corruption sweep, imbalance, latency, report."""
from __future__ import annotations

import argparse

from hdf_bench.cli.common import folder_arg

NAME = 'demo'
HELP = 'run the whole benchmark end to end on SynthDFER (resumable)'


def positive_int(text: str) -> int:
    """An integer >= 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected an integer >= 1, got {text!r}')
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.demo import PRESETS
    parser.add_argument('--run-dir', default='runs/demo', type=folder_arg,
                        help='folder of every artefact (default runs/demo); rerunning '
                        'with the same folder resumes')
    parser.add_argument('--preset', choices=sorted(PRESETS), default='default',
                        help='sizes: default (~30 min on a quiet 2-core CPU), smoke (a minute or '
                        'two), full (GPU: more data, long schedules, every corruption)')
    parser.add_argument('--full', action='store_const', const='full', dest='preset',
                        help='same as --preset full')
    parser.add_argument('--device', choices=('cpu', 'cuda'), help="override the preset's device")
    parser.add_argument('--epochs', type=int, help="override the preset's training epochs")
    parser.add_argument('--workers', type=positive_int, default=None,
                        help='training worker processes (default 2 on CPU, 1 on CUDA)')
    parser.add_argument('--threads', type=positive_int, default=None,
                        help='torch / OpenMP threads per training worker (default 1 on CPU)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.demo import run_demo
    overrides = {k: v for k, v in (('device', args.device), ('epochs', args.epochs))
                 if v is not None}
    run_demo(args.run_dir, args.preset, workers=args.workers, threads=args.threads,
             **overrides)
    return 0
