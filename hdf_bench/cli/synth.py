"""``hdf-bench synth``: generate the SynthDFER data set (DFEW layout)."""
from __future__ import annotations

import argparse
import time

NAME = 'synth'
HELP = 'generate SynthDFER, procedural expression videos in DFEW layout'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.data.synth.writer import PROPORTIONS, SynthConfig
    d = SynthConfig()
    parser.add_argument('--out', required=True,
                        help='output folder (new or empty; a SynthDFER set with --overwrite)')
    parser.add_argument('--identities', type=int, default=d.identities,
                        help=f'synthetic people (default {d.identities})')
    parser.add_argument('--clips-per-identity', type=int, default=d.clips_per_identity,
                        help=f'clips per person (default {d.clips_per_identity})')
    parser.add_argument('--seed', type=int, default=d.seed, help='master seed (default 0)')
    parser.add_argument('--proportions', choices=PROPORTIONS, default=d.proportions,
                        help="class proportions: DFEW's or balanced (default dfew)")
    parser.add_argument('--size', type=int, default=d.size,
                        help=f'image side in pixels (default {d.size})')
    parser.add_argument('--min-frames', type=int, default=d.min_frames,
                        help=f'shortest clip (default {d.min_frames})')
    parser.add_argument('--max-frames', type=int, default=d.max_frames,
                        help=f'longest clip (default {d.max_frames})')
    parser.add_argument('--workers', type=int, default=1, help='parallel processes (default 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace --out if it holds a SynthDFER set (nothing else is replaced)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.data.synth.writer import SynthConfig, generate_synthdfer
    cfg = SynthConfig(identities=args.identities, clips_per_identity=args.clips_per_identity,
                      seed=args.seed, proportions=args.proportions, size=args.size,
                      min_frames=args.min_frames, max_frames=args.max_frames)
    start = time.perf_counter()
    manifest = generate_synthdfer(args.out, cfg, workers=args.workers, overwrite=args.overwrite,
                                  progress=True)
    seconds = time.perf_counter() - start
    counts = ', '.join(f'{k} {v}' for k, v in manifest['class_counts'].items())
    print(f"SynthDFER: {manifest['num_clips']} clips, {manifest['num_frames']} frames "
          f'({args.size}x{args.size}) in {seconds:.1f} s -> {args.out}\n  classes: {counts}')
    return 0
