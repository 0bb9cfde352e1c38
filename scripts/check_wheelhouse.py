#!/usr/bin/env python
"""Check an offline wheelhouse for the GPU image: one version per package, every requirement met.

Reads each wheel's METADATA (``Requires-Dist``), evaluates its markers for the target Python on
x86-64 Linux, and checks each requirement against the wheelhouse or the packages the GPU image
already has (``IMAGE``, from ../shared/STACK.md and the device notes). Exit code 1 lists what is
missing, duplicated or of the wrong version.

    python scripts/check_wheelhouse.py wheelhouse --python-version 3.12
"""
from __future__ import annotations

import argparse
import sys
import zipfile
from collections import defaultdict
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

#: on the GPU image already (versions not pinned here: the image's own)
IMAGE = {'torch', 'numpy', 'scipy', 'pyyaml', 'matplotlib', 'pillow', 'rich', 'einops',
         'packaging', 'opencv-python-headless', 'pandas', 'pyarrow', 'seaborn', 'tqdm',
         'setuptools', 'markdown-it-py', 'mdurl', 'pygments', 'regex', 'colorama'}
#: requirements the image satisfies under another distribution name (one cv2 package)
SATISFIED_BY = {'opencv-python': 'opencv-python-headless',
                'opencv-contrib-python': 'opencv-python-headless'}


def requirements(wheel: Path) -> list[Requirement]:
    """The ``Requires-Dist`` entries of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith('.dist-info/METADATA'))
        meta = Parser().parsestr(archive.read(name).decode())
    return [Requirement(text) for text in meta.get_all('Requires-Dist') or []]


def check(folder: Path, python_version: str, allow_missing: tuple[str, ...] = ()) -> list[str]:
    """Problems of the wheelhouse in ``folder`` (empty when complete).

    Args:
        folder: the wheelhouse.
        python_version: target Python (markers are evaluated for it on x86-64 Linux).
        allow_missing: distributions left out on purpose (not reported as missing).
    """
    env = default_environment()
    env.update(python_version=python_version, python_full_version=f'{python_version}.0',
               sys_platform='linux', platform_system='Linux', platform_machine='x86_64',
               implementation_name='cpython', platform_python_implementation='CPython',
               os_name='posix')
    versions: dict[str, list[str]] = defaultdict(list)
    wheels = sorted(folder.glob('*.whl'))
    for wheel in wheels:
        name, version, _, _ = parse_wheel_filename(wheel.name)
        versions[canonicalize_name(name)].append(str(version))
    problems = [f'{name}: {len(v)} versions ({", ".join(v)})' for name, v in versions.items()
                if len(v) > 1]
    if not wheels:
        problems.append(f'no wheel in {folder}')
    for wheel in wheels:
        for req in requirements(wheel):
            if req.marker is not None and not req.marker.evaluate(dict(env, extra='')):
                continue
            name = canonicalize_name(req.name)
            name = SATISFIED_BY.get(name, name)
            if name in versions:
                if not any(req.specifier.contains(v, prereleases=True) for v in versions[name]):
                    problems.append(f'{wheel.name} needs {req}, wheelhouse has '
                                    f'{", ".join(versions[name])}')
            elif name not in IMAGE and name not in allow_missing:
                problems.append(f'{wheel.name} needs {req}: neither in the wheelhouse nor on '
                                'the image')
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', type=Path)
    parser.add_argument('--python-version', default='3.12')
    parser.add_argument('--allow-missing', nargs='*', default=[],
                        help='distributions left out on purpose')
    args = parser.parse_args(argv)
    problems = check(args.folder, args.python_version,
                     tuple(canonicalize_name(n) for n in args.allow_missing))
    for line in problems:
        print(f'wheelhouse: {line}', file=sys.stderr)
    count = len(list(args.folder.glob('*.whl')))
    print(f'wheelhouse {args.folder}: {count} wheels, '
          + ('complete' if not problems else f'{len(problems)} problem(s)'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
