"""``hdf-bench verify-c``: check an export's checksums; compare it with another export or with
a fresh regeneration from the source. Exit code 0: all match; 1: mismatches (files named)."""
from __future__ import annotations

import argparse

NAME = 'verify-c'
HELP = ("Check an export of `hdf-bench export-c` against its checksums and, optionally, "
        'against another export or a regeneration, byte for byte.')
SHOWN = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('export', metavar='DIR', help='the export to check')
    parser.add_argument('--against', metavar='DIR',
                        help='another export of the same set: every file must be identical')
    parser.add_argument('--regenerate', metavar='DATA_ROOT',
                        help='export again from this source copy into a temporary folder and '
                             'compare byte for byte')
    parser.add_argument('--tmp', metavar='DIR', help='where --regenerate writes (default: the '
                                                     'system temp folder)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.corrupted_sets import (
        compare_exports,
        regenerate_and_compare,
        verify_export,
    )

    checks = [(f'checksums of {args.export}', lambda: verify_export(args.export))]
    if args.against:
        checks += [(f'checksums of {args.against}', lambda: verify_export(args.against)),
                   (f'{args.export} vs {args.against}',
                    lambda: compare_exports(args.export, args.against))]
    if args.regenerate:
        checks.append((f'{args.export} vs a regeneration from {args.regenerate}',
                       lambda: regenerate_and_compare(args.export, args.regenerate, args.tmp)))
    failed = False
    for what, check in checks:
        problems = check()
        if not problems:
            print(f'OK   {what}')
            continue
        failed = True
        print(f'FAIL {what}: {len(problems)} problem(s)')
        for line in problems[:SHOWN]:
            print(f'  {line}')
        if len(problems) > SHOWN:
            print(f'  ... and {len(problems) - SHOWN} more')
    return 1 if failed else 0
