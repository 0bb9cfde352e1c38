"""Check an exported corrupted set: its checksums, and whether another export (or a fresh
regeneration from the source) matches it byte for byte.

Every check returns a list of problems (empty = all good), each naming the file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from hdf_bench.corrupted_sets.manifest import (
    CHECKSUMS,
    MANIFEST,
    ExportedSet,
    parse_checksums,
    sha256_file,
)

#: manifest fields that describe the export as a whole (the unit records are compared per file)
_PLAN_FIELDS_SKIPPED = ('units',)


def _unit_table(export: ExportedSet, unit: dict, problems: list[str]) -> dict[str, str] | None:
    path = export.root / unit['checksums']
    if not path.is_file():
        problems.append(f'{path}: checksum file missing')
        return None
    if hashlib.sha256(path.read_bytes()).hexdigest() != unit['checksums_sha256']:
        problems.append(f'{path}: does not match its SHA-256 in {MANIFEST}')
        return None
    return parse_checksums(path)


def checksum_tables(export: ExportedSet, problems: list[str]) -> dict[str, dict[str, str]]:
    """``{unit dir: {file: sha256}}`` as recorded (problems with the records are appended)."""
    tables = {}
    for unit in export.manifest['units']:
        table = _unit_table(export, unit, problems)
        if table is not None:
            tables[unit['dir']] = table
    return tables


def verify_export(root: str | os.PathLike) -> list[str]:
    """Hash every file of every unit and compare with the recorded checksums.

    Also reports files in a unit folder that no checksum lists, and missing unit folders.
    """
    export = ExportedSet(root)
    problems: list[str] = []
    for unit_dir, table in checksum_tables(export, problems).items():
        folder = export.root / unit_dir
        if not folder.is_dir():
            problems.append(f'{folder}: unit folder missing')
            continue
        for name, digest in table.items():
            path = export.root / name
            if not path.is_file():
                problems.append(f'{path}: missing')
            elif sha256_file(path) != digest:
                problems.append(f'{path}: SHA-256 differs from {CHECKSUMS}')
        for dirpath, _, filenames in os.walk(folder):
            for name in filenames:
                rel = Path(dirpath, name).relative_to(export.root).as_posix()
                if rel not in table:
                    problems.append(f'{export.root / rel}: not listed in the checksums')
    return sorted(problems)


def compare_exports(first: str | os.PathLike, second: str | os.PathLike) -> list[str]:
    """Differences between two exports: manifest fields, and every file by its checksum.

    Each export's recorded checksums are trusted here; run :func:`verify_export` on both to
    check the files against them.
    """
    a, b = ExportedSet(first), ExportedSet(second)
    problems = [f'{MANIFEST}: field {key!r} differs: {a.manifest.get(key)!r} vs '
                f'{b.manifest.get(key)!r}'
                for key in sorted(set(a.manifest) | set(b.manifest))
                if key not in _PLAN_FIELDS_SKIPPED and a.manifest.get(key) != b.manifest.get(key)]
    tables_a = checksum_tables(a, problems)
    tables_b = checksum_tables(b, problems)
    files_a = {name: digest for table in tables_a.values() for name, digest in table.items()}
    files_b = {name: digest for table in tables_b.values() for name, digest in table.items()}
    for name in sorted(set(files_a) | set(files_b)):
        if name not in files_b:
            problems.append(f'{name}: only in {a.root}')
        elif name not in files_a:
            problems.append(f'{name}: only in {b.root}')
        elif files_a[name] != files_b[name]:
            problems.append(f'{name}: bytes differ')
    return problems


def regenerate_and_compare(root: str | os.PathLike, data_root: str | os.PathLike,
                           work_dir: str | os.PathLike | None = None,
                           quiet: bool = True) -> list[str]:
    """Export again from ``data_root`` with the recorded settings, then compare byte for byte.

    Args:
        root: the export to check.
        data_root: the source copy to regenerate from.
        work_dir: where the temporary regeneration goes (default: the system temp folder).
        quiet: no progress output from the regeneration.
    """
    from hdf_bench.corrupted_sets.export import export_set
    from hdf_bench.corruptions import Suite

    manifest = ExportedSet(root).manifest
    record = manifest['suite']
    suite = Suite(name=record['name'], corruptions=tuple(record['corruptions']),
                  severities=tuple(record['severities']), seeds=tuple(record['seeds']),
                  per_frame=record['per_frame'])
    reader = manifest['reader']
    with tempfile.TemporaryDirectory(prefix='verify-c-', dir=work_dir) as tmp:
        fresh = Path(tmp) / 'regenerated'
        export_set(manifest['dataset'], data_root, fresh, suite, fold=manifest['fold'],
                   variant=reader.get('variant'), frames=reader.get('frames'), quiet=quiet)
        problems = verify_export(fresh)
        return problems + [p.replace(str(fresh), '<regenerated>')
                           for p in compare_exports(root, fresh)]
