"""Build hook: copy configs/, corruptions/ and reports/*.py into ``hdf_bench/.mim/`` of the
wheel (package data a non-editable install reads through :mod:`hdf_bench.resources`).

Copies, not symlinks: a symlink in a wheel is stored as a file or dropped, depending on the tool.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: folder -> file patterns shipped from it
SHIPPED = {'configs': ('**/*.py',), 'corruptions': ('*.py',), 'reports': ('*.py',)}


class BuildWithMim(build_py):
    """``build_py`` that also copies the shipped folders into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders
            return
        target = Path(self.build_lib) / 'hdf_bench' / '.mim'
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    if '__pycache__' in source.parts:
                        continue
                    dest = target / folder / source.relative_to(ROOT / folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, dest)


setup(cmdclass={'build_py': BuildWithMim})
