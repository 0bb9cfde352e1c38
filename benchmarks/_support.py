"""Constants and helpers shared by the benchmark modules (imported as ``_support``)."""
from __future__ import annotations

import pytest
import torch

CUDA = torch.cuda.is_available()
#: (device, dtype) pairs; CUDA ones are collected everywhere and skipped without a GPU
DEVICE_DTYPES = [pytest.param('cpu', 'fp32', id='cpu-fp32'),
                 pytest.param('cuda', 'fp32', marks=pytest.mark.cuda, id='cuda-fp32'),
                 pytest.param('cuda', 'bf16', marks=pytest.mark.cuda, id='cuda-bf16')]
#: rounds per benchmark and batch: few on CPU (seconds per call at batch 16), more on CUDA
ROUNDS = {'cpu': {1: 5, 16: 3}, 'cuda': {1: 30, 16: 20, 64: 10}}


def skip_unless_size_allowed(size: str, device: str, allowed: bool) -> None:
    """Skip the paper input (16x112x112) on CPU unless ``--bench-paper-size`` was given.

    Args:
        size: 'cpu' or 'paper'.
        device: 'cpu' or 'cuda'.
        allowed: the value of ``--bench-paper-size``.
    """
    if size == 'paper' and device == 'cpu' and not allowed:
        pytest.skip('16x112x112 on CPU needs --bench-paper-size')
