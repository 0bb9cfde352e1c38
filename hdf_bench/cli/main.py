"""The ``hdf-bench`` command line: one subcommand per module in :data:`SUBCOMMANDS`.

:func:`main` is the one error boundary: an expected failure (a bad file or value) is printed
as one line naming the path or value, exit code 2; Ctrl-C prints how to resume, exit code 130;
``--debug`` adds the traceback. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
import traceback

from hdf_bench.errors import UserError

# Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
SUBCOMMANDS = (
    'demo',
    'synth',
    'zoo',
    'compare',
    'robustness',
    'export_c',
    'verify_c',
    'imbalance',
    'report',
    'corruptions',
    'study',
    'doctor',
)

#: exceptions that mean "the input is wrong", not "the code is wrong"
EXPECTED = (UserError, ValueError, OSError)
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are two lines (the error, where to get help)."""

    def error(self, message: str):
        self.exit(EXIT_ERROR, f'{self.prog}: error: {message}\n'
                              f'  (`{self.prog} --help` lists the options)\n')


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog='hdf-bench',
        description='HDF and baselines for DFER: data, training, robustness sweeps, reports.')
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of an error (also accepted after COMMAND)')
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for module_name in SUBCOMMANDS:
        module = importlib.import_module(f'hdf_bench.cli.{module_name}')
        child = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(child)
        child.add_argument('--debug', action='store_true', default=argparse.SUPPRESS,
                           help='show the traceback of an error')
        child.set_defaults(handler=module.run)
    return parser


_WORKER_TRACEBACK = 'Original Traceback (most recent call last):'
_EXCEPTION_LINE = re.compile(r'^[\w.]+: ')


def describe(err: BaseException) -> str:
    """The message of an expected error as one line.

    An ``OSError`` raised by the system names its file; an error re-raised by a torch data
    loader worker (whose message embeds the worker's traceback) is reduced to the original
    message.
    """
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        names = ' -> '.join(str(f) for f in (err.filename, err.filename2) if f is not None)
        return f'{names}: {err.strerror}'
    text = str(err)
    if _WORKER_TRACEBACK in text:
        last = text.strip().splitlines()[-1]
        text = _EXCEPTION_LINE.sub('', last, count=1)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ' '.join(lines) or type(err).__name__


def _run(args: argparse.Namespace) -> int:
    """Run the subcommand, under its ``--on-missing`` policy if it has one."""
    policy = getattr(args, 'on_missing', None)
    if policy is None:
        return int(args.handler(args) or 0)
    from hdf_bench.data.base import default_on_missing
    with default_on_missing(policy):
        return int(args.handler(args) or 0)


def _interrupted(prog: str, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f'\n{prog}: interrupted; rerun the same command to resume', file=sys.stderr)
    return EXIT_INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    """Run ``hdf-bench ARGV``; return the exit code (2 for a usage error or a bad input)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already printed
        return done.code if isinstance(done.code, int) else EXIT_ERROR
    except KeyboardInterrupt:  # while importing the subcommands
        return _interrupted('hdf-bench', debug=False)
    prog = f'hdf-bench {args.command}'
    try:
        return _run(args)
    except KeyboardInterrupt:
        return _interrupted(prog, args.debug)
    except EXPECTED as err:
        if args.debug:
            traceback.print_exc()
        print(f'{prog}: error: {describe(err)}', file=sys.stderr)
        return EXIT_ERROR


if __name__ == '__main__':
    sys.exit(main())
