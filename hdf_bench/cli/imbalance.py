"""``hdf-bench imbalance``: train models on long-tailed splits and evaluate them."""
from __future__ import annotations

import argparse

from hdf_bench.cli.common import add_on_missing, add_on_stale, folder_arg

NAME = 'imbalance'
HELP = 'train models on long-tailed training splits (rho) and evaluate on the unchanged test set'
EPILOG = """\
Each model trains through its usual config with only the training split replaced, the same as
  mim train mmaction CONFIG --work-dir RUN/imbalance/exp_rho10/MODEL \\
      --cfg-options train_dataloader.dataset.ann_file=RUN/imbalance/splits/<split file>
Splits:  RUN/imbalance/splits/<dataset>_fold<k>_<profile>_rho<rho>.csv (+ .manifest.json)
Models:  RUN/imbalance/<profile>_rho<rho>/<model>/ (resumed; skipped once the last epoch exists)
Cells:   RUN/results (axis imbalance and prior), read by `hdf-bench report`.

example: hdf-bench imbalance --models hdf x3d_s --rho 1 10 100 --run-dir runs/imb \\
             --data-root data/synthdfer
"""


def _prior_arg(text: str) -> tuple[str, list[float]]:
    name, sep, weights = text.partition('=')
    try:
        values = [float(w) for w in weights.split(',')]
    except ValueError:
        values = []
    if not sep or not name.strip() or not values:
        raise argparse.ArgumentTypeError(
            f'--prior {text!r}: expected NAME=w1,...,w7 (one weight per class, e.g. '
            'tail=1,1,1,1,1,5,5)')
    return name.strip(), values


def _cfg_options(items: list[str] | None) -> dict:
    from mmengine.config import DictAction
    if not items:
        return {}
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--o', nargs='+', action=DictAction)
    return dict(parser.parse_args(['--o', *items]).o or {})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from hdf_bench.evaluation.prior import NAMED_PRIORS
    from hdf_bench.imbalance.profiles import PROFILES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument('--models', nargs='+', required=True, metavar='MODEL',
                        help='zoo names (hdf-bench zoo) or NAME=CONFIG')
    parser.add_argument('--rho', nargs='+', type=float, required=True,
                        help='imbalance ratios, >= 1 (1 = balanced subset)')
    parser.add_argument('--profile', choices=PROFILES, default='exp',
                        help='long-tail profile (default exp)')
    parser.add_argument('--seed', type=int, default=0, help='split sampling seed (default 0)')
    parser.add_argument('--run-dir', required=True, type=folder_arg,
                        help='run folder (splits, work dirs, store)')
    parser.add_argument('--data-root', default=None,
                        help="data root replacing the configs' (source split read there)")
    parser.add_argument('--fold', type=int, default=None, help="fold replacing the configs'")
    add_on_missing(parser)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--epochs', type=int, default=None,
                        help="training epochs (default: the config's; schedule scaled)")
    budget.add_argument('--steps', type=int, default=None,
                        help='optimizer steps instead: the fewest whole epochs of each split '
                        'that reach them (give a balanced training\'s steps to compare at one '
                        'budget)')
    parser.add_argument('--priors', nargs='+', choices=NAMED_PRIORS, default=list(NAMED_PRIORS),
                        help='named test priors for prior cells (default all)')
    parser.add_argument('--prior', action='append', type=_prior_arg, default=[],
                        metavar='NAME=w1,...,w7', help='a user test prior (repeatable)')
    add_on_stale(parser)
    parser.add_argument('--no-val', action='store_true',
                        help="skip the configs' per-epoch validation (faster)")
    parser.add_argument('--resample-check', action='store_true',
                        help='also measure the reversed-prior WAR on a resampled test set')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='config overrides for every model, as for mim train')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.imbalance.experiment import format_summary, run_imbalance
    extra = dict(args.prior)
    if len(extra) != len(args.prior):
        raise ValueError('--prior names must be unique')
    frame = run_imbalance(
        args.models, args.rho, args.run_dir, profile=args.profile, seed=args.seed,
        epochs=args.epochs, data_root=args.data_root, fold=args.fold, priors=args.priors,
        extra_priors=extra, validate=not args.no_val, cfg_options=_cfg_options(args.cfg_options),
        resample=args.resample_check, steps=args.steps, on_stale=args.on_stale)
    print('\nclass imbalance (test set unchanged; head/medium/tail = mean recall by training '
          'rank; war_reversed = WAR under the reversed training prior)')
    print(format_summary(frame))
    if args.resample_check:
        print('war_reversed: prior-weighted recall (formula); war_reversed_resampled: accuracy '
              'on a test set resampled to that prior (+- se)')
    return 0
