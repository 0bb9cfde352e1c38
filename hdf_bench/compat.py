"""Fixes for the unmaintained OpenMMLab stack (mmaction2 1.2.0, mmengine 0.10.7).

Imported by :mod:`hdf_bench` before anything from ``mmaction.models``. Each fix is
idempotent and tested in ``tests/test_compat.py``:

1. The PyPI wheel of mmaction2 1.2.0 lacks ``mmaction.models.localizers.drn``
   (open-mmlab/mmaction2#2714), so importing ``mmaction.models`` fails. A stand-in
   module provides ``DRN`` as a class that raises a clear error when built.
2. torch >= 2.6 loads checkpoints with ``weights_only=True`` while mmengine's
   checkpoints hold pickled python objects. Local files are loaded with
   ``weights_only=False`` (trusted files only: see README, "Security").
3. mmaction2's multimodal models fail to import with transformers 5.x; they are not
   used here, so they are disabled unless ``HDF_BENCH_MULTIMODAL=1``.
4. mmaction2's ``ColorJitter.adjust_hue`` adds a negative offset to a uint8 array, which
   numpy 2 refuses (``OverflowError``): the hue is shifted in int32 instead.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

import torch

DRN_MODULE = 'mmaction.models.localizers.drn'


def _mmaction_root() -> Path:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ImportError('mmaction2 is not installed: run the README set-up')
    return Path(spec.origin).parent


def install_drn_stub() -> bool:
    """Provide ``mmaction.models.localizers.drn`` if the wheel lacks it.

    Returns:
        bool: True if a stand-in was installed, False if nothing was needed.
    """
    if DRN_MODULE in sys.modules:
        return False
    if (_mmaction_root() / 'models' / 'localizers' / 'drn').is_dir():
        return False

    class DRN:  # noqa: D401 - stand-in with the upstream name
        """Stand-in for mmaction2's DRN localizer, missing from the PyPI wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'DRN is not shipped in the PyPI wheel of mmaction2 1.2.0 '
                '(open-mmlab/mmaction2#2714); hdf_bench does not use it')

    package = types.ModuleType(DRN_MODULE)
    package.__path__ = []  # a package, so that `.drn.drn` resolves
    module = types.ModuleType(DRN_MODULE + '.drn')
    module.DRN = DRN
    package.drn = module
    sys.modules[DRN_MODULE] = package
    sys.modules[DRN_MODULE + '.drn'] = module
    return True


def load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint written by mmengine (pickled objects allowed).

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is not a readable checkpoint (empty, truncated, garbled).
    """
    from hdf_bench.errors import CheckpointError

    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        return torch.load(filename, map_location=map_location, weights_only=False)
    except Exception as err:  # pickle, zip and EOF errors: the file is not a checkpoint
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0].split('. ')[0]
        raise CheckpointError(
            f'checkpoint {filename} cannot be read ({os.path.getsize(filename)} bytes; '
            f'{reason}); expected a file written by torch.save / mmengine: is it empty, '
            'truncated or another kind of file?') from err


def install_checkpoint_loader() -> None:
    """Register :func:`load_local_checkpoint` as mmengine's loader for local paths."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_local_checkpoint)


def disable_multimodal() -> None:
    """Keep mmaction2 from importing its transformers-based multimodal models."""
    if os.environ.get('HDF_BENCH_MULTIMODAL') == '1':
        return
    import mmaction.utils.dependency as dependency
    dependency.WITH_MULTIMODAL = False


def _adjust_hue(img, factor: float):
    """Rotate the hue of an RGB image by ``factor`` (mmaction2's formula, without overflow)."""
    import cv2
    import numpy as np
    hsv = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int32) + int(factor * 255)) % 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def fix_color_jitter_hue() -> None:
    """Make mmaction2's ``ColorJitter`` hue jitter work under numpy 2."""
    from mmaction.datasets.transforms.processing import ColorJitter
    ColorJitter.adjust_hue = staticmethod(_adjust_hue)


def apply() -> None:
    """Apply every fix; safe to call more than once."""
    disable_multimodal()
    install_drn_stub()
    install_checkpoint_loader()
    fix_color_jitter_hue()
