"""``hdf-bench report``: tables and figures from a results store (never re-runs models)."""
from __future__ import annotations

import argparse

from hdf_bench.cli.common import folder_arg

NAME = 'report'
HELP = 'Statistics, tables and figures (md, html, tex, csv, parquet) from a results store.'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--store', required=True, type=folder_arg,
                        help='results store folder (RUN/results)')
    parser.add_argument('--out', required=True, type=folder_arg,
                        help='output folder (RUN/report)')
    parser.add_argument('--spec', default=None,
                        help='report spec file (e.g. reports/default.py); defaults otherwise')
    parser.add_argument('--reference', default=None,
                        help="reference model for CE and paired tests (spec default 'x3d_s')")
    parser.add_argument('--latency', default=None, help='pytest-benchmark JSON file')
    parser.add_argument('--formats', default=None,
                        help='comma-separated subset of md,html,tex,csv,parquet')
    parser.add_argument('--models', default=None, help='comma-separated models (default: all)')
    parser.add_argument('--no-figures', action='store_true', help='skip the figures')
    parser.add_argument('--n-resamples', type=int, default=None, help='bootstrap resamples')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.report import load_spec, run_report

    spec = load_spec(args.spec, reference=args.reference, latency=args.latency,
                     formats=args.formats, models=args.models, n_resamples=args.n_resamples,
                     figures=False if args.no_figures else None)
    report, written = run_report(args.store, args.out, spec)
    for text in report.missing:
        print(f'note: {text}')
    print(f'wrote {len(written)} files under {args.out}')
    return 0
