"""Corruption suites: declarative mmengine config files under ``corruptions/``.

A suite file sets::

    corruptions = ['gaussian_noise', 'blur', ...]   # corruption or group names (groups expand)
    severities = [1, 2, 3, 4, 5]                    # optional, default 1..5
    seeds = [0]                                     # optional, default [0]
    per_frame = False                               # optional, default False
    description = '...'                             # optional

``_base_`` inheritance works as in any mmengine config.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mmengine.config import Config

from hdf_bench.corruptions.api import CORRUPTIONS, GROUPS, SEVERITIES
from hdf_bench.resources import shipped_dir

#: Where suite names are looked up: the repository's ``corruptions/`` folder.
SUITE_DIR = shipped_dir('corruptions')
FIELDS = ('corruptions', 'severities', 'seeds', 'per_frame', 'description')


@dataclass(frozen=True)
class Suite:
    """A validated corruption suite.

    Args:
        name: suite name (file stem).
        corruptions: corruption names, groups expanded, duplicates removed, order kept.
        severities: severities to run.
        seeds: seeds to run.
        per_frame: fresh appearance draws per frame.
        description: free text.
        source: the file it was read from.
    """

    name: str
    corruptions: tuple[str, ...]
    severities: tuple[int, ...] = SEVERITIES
    seeds: tuple[int, ...] = (0,)
    per_frame: bool = False
    description: str = ''
    source: str = ''

    def cells(self) -> Iterator[tuple[str, int, int]]:
        """Yield every (corruption, severity, seed) of the suite."""
        for name in self.corruptions:
            for severity in self.severities:
                for seed in self.seeds:
                    yield name, severity, seed

    def __len__(self) -> int:
        return len(self.corruptions) * len(self.severities) * len(self.seeds)


def suite_names(suite_dir: Path = SUITE_DIR) -> list[str]:
    """Names of the suite files in ``suite_dir``."""
    return sorted(p.stem for p in Path(suite_dir).glob('*.py') if not p.stem.startswith('_'))


def _resolve(name_or_path: str | Path, suite_dir: Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == '.py' or path.exists():
        if not path.is_file():
            raise FileNotFoundError(f'suite file {path} does not exist')
        return path
    candidate = Path(suite_dir) / f'{name_or_path}.py'
    if not candidate.is_file():
        raise ValueError(f'unknown suite {str(name_or_path)!r}; suites in {suite_dir}: '
                         f'{", ".join(suite_names(suite_dir)) or "(none)"}')
    return candidate


def _int_list(value, path: Path, field: str, allowed: tuple[int, ...] | None = None) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError(f'{path}: field {field!r} must be a non-empty list of ints, got {value!r}')
    bad = [v for v in value if allowed is not None and v not in allowed]
    if bad:
        raise ValueError(f'{path}: field {field!r} has {bad}; allowed: {list(allowed)}')
    return tuple(dict.fromkeys(value))


def _names(value, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{path}: field 'corruptions' must be a non-empty list of names")
    names: list[str] = []
    for entry in value:
        if entry in GROUPS:
            names.extend(GROUPS[entry])
        elif entry in CORRUPTIONS:
            names.append(entry)
        else:
            raise ValueError(f"{path}: field 'corruptions': unknown name {entry!r}; valid "
                             f'corruptions: {", ".join(CORRUPTIONS)}; groups: {", ".join(GROUPS)}')
    return tuple(dict.fromkeys(names))


def load_suite(name_or_path: str | Path, suite_dir: Path = SUITE_DIR) -> Suite:
    """Load and validate a suite.

    Args:
        name_or_path: a suite name (``quick`` -> ``<suite_dir>/quick.py``) or a file path.
        suite_dir: folder searched for suite names.
    """
    path = _resolve(name_or_path, suite_dir)
    try:
        cfg = Config.fromfile(str(path)).to_dict()
    except Exception as err:  # noqa: BLE001 - re-raised with the file named
        raise ValueError(f'{path}: cannot read suite file: {err}') from err
    unknown = sorted(set(cfg) - set(FIELDS))
    if unknown:
        raise ValueError(f'{path}: unknown field(s) {unknown}; allowed: {list(FIELDS)}')
    if 'corruptions' not in cfg:
        raise ValueError(f"{path}: missing required field 'corruptions'")
    per_frame = cfg.get('per_frame', False)
    if not isinstance(per_frame, bool):
        raise ValueError(f"{path}: field 'per_frame' must be True or False, got {per_frame!r}")
    description = cfg.get('description', '')
    if not isinstance(description, str):
        raise ValueError(f"{path}: field 'description' must be a string")
    return Suite(name=path.stem, corruptions=_names(cfg['corruptions'], path),
                 severities=_int_list(cfg.get('severities', list(SEVERITIES)), path,
                                      'severities', SEVERITIES),
                 seeds=_int_list(cfg.get('seeds', [0]), path, 'seeds'),
                 per_frame=per_frame, description=description, source=str(path))
