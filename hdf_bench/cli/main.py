"""The ``hdf-bench`` command line: one subcommand per module in :data:`SUBCOMMANDS`."""
from __future__ import annotations

import argparse
import importlib
import sys

# Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS = (
    'demo',
    'synth',
    'zoo',
    'compare',
    'robustness',
    'imbalance',
    'report',
    'doctor',
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='hdf-bench',
        description='HDF and baselines for DFER: data, training, robustness sweeps, reports.')
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for module_name in SUBCOMMANDS:
        module = importlib.import_module(f'hdf_bench.cli.{module_name}')
        child = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(child)
        child.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, FileNotFoundError) as err:
        print(f'hdf-bench {args.command}: error: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
