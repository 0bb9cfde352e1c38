"""Step 1: the environment: Python, torch, CUDA, the GPU, and the OpenMMLab stack's imports."""
from __future__ import annotations

import importlib
import platform

import torch

from hdf_bench.acceptance.record import Context, StepRecord

#: modules the benchmark cannot run without (import name -> distribution, for the message)
REQUIRED = {'mmengine': 'mmengine', 'mmcv': 'mmcv-lite', 'mmaction': 'mmaction2',
            'mmaction.models': 'mmaction2', 'hdf_bench': 'hdf-bench', 'cv2': 'opencv'}
#: modules only some paths use (video decoding, augmentations): reported, not required
OPTIONAL = {'decord': 'decord', 'av': 'av', 'albumentations': 'albumentations'}


def _import(name: str) -> tuple[bool, str]:
    try:
        module = importlib.import_module(name)
    except Exception as err:  # noqa: BLE001  (any import failure is the finding)
        return False, f'{type(err).__name__}: {err}'
    return True, str(getattr(module, '__version__', ''))


def run(ctx: Context, rec: StepRecord) -> None:
    """Record versions and the GPU; check the stack imports and the device."""
    env = dict(python=platform.python_version(), torch=torch.__version__,
               cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
               threads=torch.get_num_threads(), device=ctx.device)
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        env.update(gpu=props.name, capability=f'{props.major}.{props.minor}',
                   gpu_memory_gib=round(props.total_memory / 2**30, 1),
                   bf16=torch.cuda.is_bf16_supported())
    rec.figure('environment', env)
    if ctx.device == 'cuda':
        rec.check('CUDA device', torch.cuda.is_available(),
                  env.get('gpu', 'torch.cuda.is_available() is False'))
    versions = {}
    for name, dist in REQUIRED.items():
        ok, info = _import(name)
        versions[name] = info if ok else None
        rec.check(f'import {name}', ok, info if ok else f'{info} (install {dist})')
    for name, dist in OPTIONAL.items():
        ok, info = _import(name)
        versions[name] = info if ok else None
        if not ok:
            rec.note(f'optional import {name} failed ({info}); install {dist} for its paths')
    rec.figure('versions', versions)
    from mmaction.registry import MODELS

    import hdf_bench  # noqa: F401  (registers the project's modules)
    registered = all(MODELS.get(kind) is not None for kind in ('HDF', 'X3DDAM', 'DSMHead'))
    rec.check('HDF modules registered', registered, 'HDF, X3DDAM, DSMHead')
