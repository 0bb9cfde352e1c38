"""``hdf-bench doctor``: the acceptance run (environment, training, inference, sweep checks).

``hdf-bench doctor --gpu --out DIR`` is the GPU acceptance run (one H100/H200, <= 8 minutes);
without ``--gpu`` the same steps run on CPU at toy sizes. See :mod:`hdf_bench.acceptance`.
"""
from __future__ import annotations

import argparse

NAME = 'doctor'
HELP = ('check this machine: environment, training through the runner, inference fast path, '
        'a sweep and its report (--gpu: the GPU acceptance run)')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.acceptance.profile import STEPS

    parser.add_argument('--gpu', action='store_true',
                        help='the GPU acceptance run (CUDA, paper input); default: CPU, toy sizes')
    parser.add_argument('--out', required=True, help='output folder (acceptance.json, .md)')
    parser.add_argument('--work', help='work folder (data, runs, store); default: temp dir')
    parser.add_argument('--steps', default=','.join(STEPS),
                        help='comma-separated steps (default: %(default)s)')
    parser.add_argument('--budget', type=float, help='wall-clock budget in seconds')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.acceptance.run import run_from_args

    args.device = 'cuda' if args.gpu else 'cpu'
    args.tiny = not args.gpu
    args.isolate = None
    return run_from_args(args)
