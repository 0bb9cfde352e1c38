"""``hdf-bench export-c``: write a data set's corrupted test split as files (DFEW-C & co).

Examples::

    hdf-bench export-c --dataset dfew --data-root data/DFEW --fold 1 --suite default \\
        --out exports/DFEW-C/fold1
    torchrun --nproc_per_node=8 -m hdf_bench.cli.main export-c ...   (ranks share the units)
"""
from __future__ import annotations

import argparse

NAME = 'export-c'
HELP = ("Export the corrupted test split of DFEW, FERV39k, MAFW or SynthDFER in the data set's "
        'own layout (resumable; torchrun shards it).')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.corrupted_sets.layouts import DATASETS

    parser.add_argument('--dataset', required=True, choices=DATASETS)
    parser.add_argument('--data-root', required=True, metavar='DIR',
                        help='root of your copy of the data set')
    parser.add_argument('--fold', type=int,
                        help='test fold 1..5 (DFEW, MAFW, SynthDFER; default 1)')
    parser.add_argument('--variant', choices=('clip_224x224', 'clip_224x224_16f'),
                        help='DFEW frame folder (default clip_224x224)')
    parser.add_argument('--frames', choices=('frames', 'faces'),
                        help='MAFW frame folder (default: the one present)')
    parser.add_argument('--suite', default='default',
                        help='corruption suite: a name (default, style, temporal, quick) or a '
                             'suite file (default: %(default)s)')
    parser.add_argument('--out', required=True, metavar='DIR',
                        help='export folder (new, or an unfinished export to resume)')
    parser.add_argument('--quiet', action='store_true', help='no progress bar or log lines')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.cli.robustness import init_distributed
    from hdf_bench.corrupted_sets import export_set

    distributed = init_distributed('cpu')
    try:
        manifest = export_set(args.dataset, args.data_root, args.out, args.suite,
                              fold=args.fold, variant=args.variant, frames=args.frames,
                              quiet=args.quiet)
    finally:
        if distributed:
            import torch.distributed as torch_dist
            torch_dist.destroy_process_group()
    if manifest is not None and not args.quiet:
        files = sum(u['files'] for u in manifest['units'])
        size = sum(u['bytes'] for u in manifest['units']) / 2**30
        print(f"{manifest['dataset']} fold {manifest['fold']}: {len(manifest['units'])} units x "
              f"{manifest['num_clips']} clips, {files} files, {size:.2f} GiB -> {args.out}")
    return 0
