"""One training step, timed two ways: as the mmengine runner runs it, and as a bare loop.

- :func:`runner_for` builds a zoo model's config into an mmengine ``Runner`` (``Runner.from_cfg``,
  the ``mim train`` path) with its optimizer wrapper built, ready for steps.
- :func:`packed_batch` is a random uint8 clip batch in the form the runner's dataloader yields
  (``dict(inputs=[...], data_samples=[...])``).
- :func:`runner_step` is one step as the runner calls it: ``model.train_step(data,
  optim_wrapper)`` (data preprocessor, loss, SAM's two passes or one, optimizer step).
- :func:`bare_step` is the same step written as a plain PyTorch loop on the same model and
  batch: normalise, ``model.loss``, backward, SAM's perturbation inline, ``optimizer.step()``;
  the gradient norm is still fed to DSM (part of HDF's algorithm, not of the runner).

The benchmarks (``benchmarks/test_bench_training.py``), ``scripts/train_throughput.py`` and the
GPU acceptance run (:mod:`hdf_bench.acceptance`) share these.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

#: optimizer-wrapper types that run SAM's two passes
SAM_WRAPPERS = ('SAMOptimWrapper',)


def train_config(name: str, work_dir: str | os.PathLike, *, paper_recipe: bool = False,
                 device: str = 'cpu', dtype: str = 'fp32', sam: bool | None = None):
    """The config of zoo model ``name`` edited for timed training steps.

    Args:
        name: zoo name.
        work_dir: the runner's work folder (logs).
        paper_recipe: the paper-recipe config (16x112x112) instead of the CPU one.
        device: 'cpu' or 'cuda' (cuDNN autotuning on CUDA).
        dtype: 'fp32' or 'bf16' (autocast in the optimizer wrapper; bf16 needs CUDA except
            with SAM, whose wrapper autocasts on CPU too).
        sam: force SAM on (rho 0.05) or off; None keeps the config's choice.
    """
    from hdf_bench import zoo

    if dtype not in ('fp32', 'bf16'):
        raise ValueError(f"dtype must be 'fp32' or 'bf16', got {dtype!r}")
    cfg = zoo.load_config(name, paper_recipe=paper_recipe)
    wrapper = dict(cfg.optim_wrapper)
    if sam is True:
        wrapper.update(type='SAMOptimWrapper', rho=wrapper.get('rho', 0.05))
    elif sam is False and wrapper.get('type') in SAM_WRAPPERS:
        wrapper = dict(type='OptimWrapper', optimizer=wrapper['optimizer'])
    is_sam = wrapper.get('type') in SAM_WRAPPERS
    wrapper.pop('dtype', None)
    wrapper.pop('accumulative_counts', None)  # time one optimizer step per batch
    if dtype == 'bf16':
        if not is_sam:
            if device != 'cuda':
                raise ValueError('bf16 without SAM uses AmpOptimWrapper, which needs CUDA')
            wrapper['type'] = 'AmpOptimWrapper'
        wrapper['dtype'] = 'bfloat16'
    cfg.optim_wrapper = wrapper
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    cfg.env_cfg.cudnn_benchmark = device == 'cuda'
    cfg.param_scheduler = []  # constant lr: a step costs the same at any lr
    cfg.default_hooks.checkpoint = None
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    return cfg


def runner_for(cfg) -> tuple:
    """``Runner.from_cfg(cfg)`` with its optimizer wrapper built; returns (runner, model, wrapper).

    The model is on the runner's device (CUDA when available) and in train mode.
    """
    from mmengine.runner import Runner

    runner = Runner.from_cfg(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.optim_wrapper.initialize_count_status(runner.model, 0, 10**6)
    runner.model.train()  # mmaction2's X3D.train() returns None: do not chain
    return runner, runner.model, runner.optim_wrapper


def packed_batch(batch: int, shape: Sequence[int], device: str | torch.device = 'cpu',
                 num_classes: int = 7, seed: int = 0) -> dict:
    """A random clip batch as the runner's dataloader yields it (uint8 NCTHW, one view).

    Args:
        batch: clips.
        shape: (T, H, W).
        device: where the tensors live (on CUDA: already there, as after a prefetch).
        num_classes: labels are drawn from ``range(num_classes)``.
        seed: random seed.
    """
    from mmaction.structures import ActionDataSample

    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, 256, (batch, 1, 3, *shape), generator=gen, dtype=torch.uint8)
    labels = torch.randint(0, num_classes, (batch,), generator=gen)
    samples = [ActionDataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=list(inputs.to(device).unbind(0)), data_samples=samples)


def runner_step(model: nn.Module, optim_wrapper, data: dict) -> Callable[[], dict]:
    """One training step as mmengine's train loop calls it: ``model.train_step(data, wrapper)``."""

    def step() -> dict:
        return model.train_step(data, optim_wrapper)

    return step


def _params(optimizer: torch.optim.Optimizer) -> list[Tensor]:
    return [p for group in optimizer.param_groups for p in group['params'] if p.requires_grad]


def _norm(params: list[Tensor]) -> Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def bare_step(model: nn.Module, optimizer: torch.optim.Optimizer, data: dict, *,
              sam_rho: float | None = None, dtype: str = 'fp32') -> Callable[[], Tensor]:
    """The same training step as a plain PyTorch loop (no runner, no optimizer wrapper).

    Normalisation with the model's preprocessor statistics, ``model.loss`` (the recognizer's
    forward and loss), backward, SAM's ascent / descent inline when ``sam_rho`` is given, the
    optimizer step; the weight-gradient norm is fed to submodules with ``set_grad_norm`` (DSM)
    as HDF's own step does.

    Args:
        model: an mmaction2 recognizer (train mode, on its device).
        optimizer: its optimizer (e.g. the runner wrapper's ``optimizer``).
        data: a batch from :func:`packed_batch`.
        sam_rho: SAM radius, or None for a plain step.
        dtype: 'fp32' or 'bf16' (autocast).
    """
    pre = model.data_preprocessor
    inputs = torch.stack(data['inputs'])
    samples = data['data_samples']
    mean, std = pre.mean.to(inputs.device), pre.std.to(inputs.device)
    params = _params(optimizer)
    consumers = [m for m in model.modules() if m is not model and hasattr(m, 'set_grad_norm')]
    device_type = inputs.device.type

    def loss() -> Tensor:
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=dtype == 'bf16'):
            x = (inputs.float() - mean) / std
            losses = model.loss(x, samples)
            return sum(v for k, v in losses.items() if 'loss' in k)

    def step() -> Tensor:
        value = loss()
        value.backward()
        norm = None
        if sam_rho is not None or consumers:
            with torch.no_grad():
                norm = _norm(params)
        if sam_rho is not None:
            with torch.no_grad():
                scale = sam_rho / (norm + 1e-12)
                moves = [(p, p.grad * scale) for p in params if p.grad is not None]
                for p, e_w in moves:
                    p.add_(e_w)
            optimizer.zero_grad()
            loss().backward()
            with torch.no_grad():
                for p, e_w in moves:
                    p.sub_(e_w)
        optimizer.step()
        optimizer.zero_grad()
        for module in consumers:
            module.set_grad_norm(norm)
        return value.detach()

    return step


def is_sam(optim_wrapper) -> bool:
    """Whether an optimizer wrapper runs SAM's two passes."""
    return type(optim_wrapper).__name__ in SAM_WRAPPERS
