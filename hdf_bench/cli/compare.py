"""``hdf-bench compare``: the zoo comparison table (WAR, UAR, params, GFLOPs, CPU latency)."""
from __future__ import annotations

import argparse

from hdf_bench.cli.common import add_on_missing, folder_arg

NAME = 'compare'
HELP = ('train every zoo model on SynthDFER with one budget, test and profile it, and write '
        'the comparison table (resumable)')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--run-dir', default='runs/compare', type=folder_arg,
                        help='folder of every artefact (default runs/compare); rerunning '
                        'with the same folder resumes')
    parser.add_argument('--models', nargs='+', help='zoo names (default: the whole zoo)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0],
                        help='training seeds; WAR / UAR are mean +- std over them (default 0)')
    parser.add_argument('--recipe', choices=('demo', 'cpu'), default='demo',
                        help="the zoo configs to train: demo (default; 4 frames x 48 x 48 on "
                        "the demo's SynthDFER, the demo's optimizer steps) or cpu (8 x 64 x 64, "
                        "SynthDFER at 64 x 64, 1000 clips)")
    parser.add_argument('--epochs', type=int,
                        help="training epochs (default: the demo's for --recipe demo, the "
                        "configs' own short schedule for cpu)")
    parser.add_argument('--data-root', help="SynthDFER / DFEW-layout root (default: generate "
                        "the recipe's SynthDFER into RUN_DIR/data)")
    parser.add_argument('--workers', type=int, default=2,
                        help='trainings run at once, one worker process each with one torch '
                        'thread on CPU (default 2: one per core of a 2-core machine)')
    add_on_missing(parser)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads for the latency columns (default 1)')
    parser.add_argument('--no-latency', action='store_true', help='skip the latency columns')
    parser.add_argument('--protocol', choices=('strict', 'peers'), default='strict',
                        help='strict (default): last checkpoint, WAR and UAR from the same '
                        'predictions; peers: validate on the test split every epoch and report '
                        'WAR and UAR maximised separately over epochs (as published DFER '
                        'numbers; labelled in the table)')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu',
                        help='device for training and testing (default cpu)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.compare import format_markdown, run_compare
    if args.threads < 1:
        raise ValueError(f'--threads must be >= 1, got {args.threads}')
    if args.workers < 1:
        raise ValueError(f'--workers must be >= 1, got {args.workers}')
    table = run_compare(args.run_dir, args.models, args.seeds, args.epochs, args.data_root,
                        args.threads, not args.no_latency, args.device, args.protocol,
                        args.recipe, args.workers)
    print('\n' + format_markdown(table))
    written = 'zoo_table.md, zoo_table.csv' + (', zoo_paired.md' if args.protocol == 'strict'
                                               else '')
    print(f'written into {args.run_dir}: {written}')
    return 0
