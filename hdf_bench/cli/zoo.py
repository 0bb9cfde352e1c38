"""``hdf-bench zoo``: the model zoo as a table (or JSON)."""
from __future__ import annotations

import argparse
import json

from hdf_bench import zoo
from hdf_bench.resources import shipped_file

NAME = 'zoo'
HELP = 'List the model zoo: HDF, baselines and ablations, with their configs.'

COLUMNS = ('name', 'family', 'config', 'paper_config', 'description')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--family', choices=zoo.FAMILIES, help='only this family')
    parser.add_argument('--json', action='store_true',
                        help='print JSON (a list of entries, with paper references)')
    parser.add_argument('--paper', action='store_true',
                        help='add the paper reference column to the table')


def table(rows: list[dict], columns: tuple[str, ...]) -> str:
    """Plain-text table of rows (dicts) with a header line."""
    cells = [[str(row.get(c) or '-') for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ['  '.join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             '  '.join('-' * w for w in widths)]
    lines += ['  '.join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> int:
    rows = [zoo.get(n).to_dict() for n in zoo.list_models(args.family)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    columns = COLUMNS + (('paper',) if args.paper else ())
    for row in rows:  # say so when a config is missing (e.g. data set configs not written yet)
        for key in ('config', 'paper_config'):
            if row[key] and not shipped_file(row[key]).is_file():
                row[key] += ' (missing)'
    print(table(rows, columns))
    return 0
