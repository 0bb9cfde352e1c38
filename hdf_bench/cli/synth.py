"""``hdf-bench synth``: generate the SynthDFER data set (DFEW layout)."""
from __future__ import annotations

import argparse
import time

NAME = 'synth'
HELP = 'generate SynthDFER, procedural expression videos in DFEW layout'

#: (option, SynthConfig field, type, help) of the generator's knobs; unset ones keep the
#: preset's value (or SynthConfig's default without --preset)
_FIELDS = (
    ('--identities', 'identities', int, 'synthetic people'),
    ('--clips-per-identity', 'clips_per_identity', int, 'clips per person'),
    ('--seed', 'seed', int, 'master seed'),
    ('--size', 'size', int, 'image side in pixels'),
    ('--min-frames', 'min_frames', int, 'shortest clip'),
    ('--max-frames', 'max_frames', int, 'longest clip'),
    ('--nuisance', 'nuisance', float, 'distractor scale, 0..1 (speech, bursts, motion, light, '
                                      'noise, blur)'),
    ('--ambiguity', 'ambiguity', float, 'partial expressions and subtle sadness, 0..1'),
    ('--expression-gain', 'expression_gain', float, 'factor on expression intensity'),
    ('--apex-scale', 'apex_scale', float, 'factor on apex duration'),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.data.synth.writer import PROPORTIONS, SYNTH_PRESETS, SynthConfig
    d = SynthConfig()
    parser.add_argument('--out', required=True,
                        help='output folder (new or empty; a SynthDFER set with --overwrite)')
    parser.add_argument('--preset', choices=sorted(SYNTH_PRESETS), default=None,
                        help="a named setting ('demo': the CPU demo's); options given "
                             'explicitly override it')
    for option, field, kind, text in _FIELDS:
        parser.add_argument(option, type=kind, default=None,
                            help=f'{text} (default {getattr(d, field)})')
    parser.add_argument('--proportions', choices=PROPORTIONS, default=None,
                        help="class proportions: DFEW's or balanced (default dfew)")
    parser.add_argument('--workers', type=int, default=1, help='parallel processes (default 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace --out if it holds a SynthDFER set (nothing else is replaced)')


def config_from_args(args: argparse.Namespace):
    """The :class:`SynthConfig` the options describe."""
    from hdf_bench.data.synth.writer import SynthConfig, synth_preset
    given = {field: getattr(args, field) for _, field, _, _ in _FIELDS + (
        ('--proportions', 'proportions', str, ''),) if getattr(args, field) is not None}
    return synth_preset(args.preset, **given) if args.preset else SynthConfig(**given)


def run(args: argparse.Namespace) -> int:
    from hdf_bench.data.synth.writer import generate_synthdfer
    cfg = config_from_args(args)
    start = time.perf_counter()
    manifest = generate_synthdfer(args.out, cfg, workers=args.workers, overwrite=args.overwrite,
                                  progress=True)
    seconds = time.perf_counter() - start
    counts = ', '.join(f'{k} {v}' for k, v in manifest['class_counts'].items())
    print(f"SynthDFER: {manifest['num_clips']} clips, {manifest['num_frames']} frames "
          f'({cfg.size}x{cfg.size}) in {seconds:.1f} s -> {args.out}\n  classes: {counts}')
    return 0
