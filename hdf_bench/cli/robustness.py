"""``hdf-bench robustness``: the corruption sweep over one or more trained models.

Examples::

    hdf-bench robustness hdf x3d_s --runs work_dirs/run1 --suite quick \\
        --store work_dirs/run1/results --cache work_dirs/cache
    hdf-bench robustness --model hdf=configs/hdf/hdf_x3d_s_synthdfer_cpu.py:ckpt.pth \\
        --suite corruptions/default.py --store results
    hdf-bench robustness --model mine=my_pkg.models:build --model ts=x3d_s.pt \\
        --dataset synthdfer --data-root data/synthdfer --input-layout NTCHW --frames 16 \\
        --size 112 --mean 0.45 --std 0.225 --value-range 0 1 --store results
    torchrun --nproc_per_node=2 -m hdf_bench.cli.main robustness ...   (shards the cells)
"""
from __future__ import annotations

import argparse
import os

from hdf_bench.cli.common import add_on_missing, add_on_stale, folder_arg

NAME = 'robustness'
HELP = 'Evaluate trained models on clean and corrupted test data (resumable; results store).'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('zoo_models', nargs='*', metavar='NAME',
                        help='zoo model names; their checkpoints are found under --runs')
    parser.add_argument('--runs', metavar='DIR',
                        help='run folder holding <NAME>/ (a training work_dir) or <NAME>.pth')
    parser.add_argument('--model', action='append', default=[], metavar='NAME=CONFIG:CKPT',
                        help='an explicit model (repeatable): NAME=CONFIG.py:CKPT, or an outside '
                             'model NAME=module.path:factory or NAME=FILE.pt (TorchScript or '
                             'torch.export), read as the --input-* options say')
    outside = parser.add_argument_group('outside models (NAME=module:factory or NAME=FILE.pt)')
    outside.add_argument('--dataset', default='dfew', choices=('dfew', 'ferv39k', 'mafw',
                                                               'synthdfer'),
                         help='their data set (default: %(default)s; needs --data-root)')
    outside.add_argument('--input-layout', default='NCTHW', choices=('NCTHW', 'NTCHW'))
    outside.add_argument('--frames', type=int, default=16, help='frames per clip (16)')
    outside.add_argument('--size', type=int, default=112, help='frame side in pixels (112)')
    outside.add_argument('--mean', type=float, nargs='+', default=[0.0],
                         help='per-channel mean in --value-range units (0)')
    outside.add_argument('--std', type=float, nargs='+', default=[1.0],
                         help='per-channel std in --value-range units (1)')
    outside.add_argument('--value-range', type=float, nargs=2, default=[0.0, 255.0],
                         metavar=('LOW', 'HIGH'), help='pixels 0..255 scaled to this (0 255)')
    outside.add_argument('--priors', action='store_true',
                         help='also write their prior-shift cells (uniform, train, reversed) '
                              'from their clean predictions')
    outside.add_argument('--classes', default=None,
                         help="the model's class order, comma-separated canonical names "
                              '(default: the canonical order)')
    parser.add_argument('--suite', default='quick',
                        help='corruption suite: a name (default, style, temporal, quick), a '
                             "suite file, or 'none' (clean only) (default: %(default)s)")
    parser.add_argument('--store', required=True, metavar='DIR', type=folder_arg,
                        help='results store folder')
    parser.add_argument('--cache', metavar='DIR', type=folder_arg,
                        help='cache of corrupted clips shared by the models (default: none)')
    parser.add_argument('--no-cache-clean', action='store_true',
                        help='do not cache clean inputs (corrupted ones still are)')
    parser.add_argument('--data-root', metavar='DIR',
                        help="override the test dataset's data_root of every model")
    parser.add_argument('--fold', help="override the test dataset's fold of every model")
    add_on_missing(parser)
    add_on_stale(parser)
    parser.add_argument('--whole-clip', action='store_true',
                        help='corrupt every frame of a clip, then sample (what an exported set '
                             'holds); default: corrupt the sampled frames')
    parser.add_argument('--exported', metavar='DIR',
                        help='read each corruption from this export of `hdf-bench export-c` '
                             'instead of corrupting (same cells as --whole-clip)')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--quiet', action='store_true', help='no progress bars or log lines')
    from hdf_bench.engine.fast_infer import add_infer_arguments
    add_infer_arguments(parser)


def _specs(args: argparse.Namespace) -> list:
    from hdf_bench.engine.run import parse_model_arg
    from hdf_bench.engine.training import ref_from_run_folder

    specs = [parse_model_arg(text) if is_config_arg(text) else _outside(text, args)
             for text in args.model]
    if args.zoo_models and not args.runs:
        raise ValueError('zoo models need --runs DIR (the folder with their checkpoints)')
    specs += [ref_from_run_folder(name, args.runs) for name in args.zoo_models]
    if not specs:
        raise ValueError('no model: give zoo names with --runs, or --model NAME=CONFIG:CKPT')
    return specs


def is_config_arg(text: str) -> bool:
    """True for ``NAME=CONFIG.py:CKPT`` (a registry model), False for an outside model."""
    config = text.partition('=')[2].rpartition(':')[0]
    return config.endswith('.py')


def _outside(text: str, args: argparse.Namespace):
    from hdf_bench.any_model import outside_target
    from hdf_bench.engine.adapter import InputSpec, load_outside_model

    name, sep, source = text.partition('=')
    if not sep or not name.strip() or not source.strip():
        raise ValueError(f'--model {text!r}: expected NAME=CONFIG.py:CKPT, '
                         'NAME=module.path:factory or NAME=FILE.pt')
    if not args.data_root:
        raise ValueError(f'--model {text!r}: an outside model needs --data-root (and --dataset)')
    spec = InputSpec(args.input_layout, args.frames, args.size, tuple(args.mean),
                     tuple(args.std), tuple(args.value_range))
    model, source = load_outside_model(source.strip())
    classes = args.classes.split(',') if args.classes else None
    fold = args.fold if args.fold is not None else (None if args.dataset == 'ferv39k' else 1)
    return outside_target(model, name.strip(), args.dataset, args.data_root, fold, spec,
                          classes, args.device, source)


def init_distributed(device: str) -> bool:
    """Join the process group when started by ``torchrun`` (WORLD_SIZE > 1); True if so."""
    if int(os.environ.get('WORLD_SIZE', '1')) <= 1:
        return False
    import torch.distributed as torch_dist

    if torch_dist.is_initialized():
        return True
    if device == 'cuda':
        from mmengine.dist import init_dist
        init_dist('pytorch', backend='nccl')
    else:  # mmengine's init_dist calls torch.cuda.set_device, which fails without CUDA
        torch_dist.init_process_group(backend='gloo')
    return True


def run(args: argparse.Namespace) -> int:
    import torch

    from hdf_bench.engine.fast_infer import infer_cfg_from_args
    from hdf_bench.robustness.sweep import format_summary, run_sweep, summarize

    if args.device == 'cuda' and not torch.cuda.is_available():
        raise ValueError('--device cuda: no CUDA device is available')
    specs = _specs(args)
    distributed = init_distributed(args.device)
    device = args.device
    if distributed and device == 'cuda':
        device = f'cuda:{torch.cuda.current_device()}'
    try:
        suite = [] if args.suite == 'none' else args.suite
        frame = run_sweep(specs, suite, args.store, cache_dir=args.cache, device=device,
                          batch_size=args.batch_size, num_workers=args.num_workers,
                          data_root=args.data_root, fold=args.fold,
                          cache_clean=not args.no_cache_clean, quiet=args.quiet,
                          infer_cfg=infer_cfg_from_args(args) or None,
                          whole_clip=args.whole_clip, exported=args.exported,
                          on_stale=args.on_stale)
        rank = int(os.environ.get('RANK', '0'))
        if rank == 0 and args.priors:
            from hdf_bench.any_model import write_prior_cells
            from hdf_bench.engine.evaluation import Target

            for target in (s for s in specs if isinstance(s, Target)):
                write_prior_cells(args.store, target)
        if rank == 0:
            stats = frame.attrs.get('stats')
            if stats is not None and not args.quiet:
                print(f'computed {len(stats.computed)} cells, skipped {stats.skipped} '
                      f'(stale {stats.stale}, quarantined {len(stats.quarantined)}; cache: '
                      f'{stats.cache_hits} hits, {stats.cache_misses} misses, '
                      f'{stats.cache_damaged} damaged)')
            print(format_summary(summarize(frame)))
    finally:
        if distributed:
            import torch.distributed as torch_dist
            torch_dist.destroy_process_group()
    return 0
