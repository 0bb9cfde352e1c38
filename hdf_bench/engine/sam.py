"""Sharpness-Aware Minimisation (SAM) as an mmengine optimizer wrapper, and its train step.

SAM needs two forward/backward passes per step, which an optimizer wrapper alone cannot run, so
the work is split:

* :class:`SAMOptimWrapper` (config: ``optim_wrapper=dict(type='SAMOptimWrapper', rho=0.05,
  optimizer=dict(...))``) does the maths: :meth:`~SAMOptimWrapper.ascent` climbs to
  ``w + e_w`` with ``e_w = rho * grad / ||grad||`` (adaptive: ``rho * w^2 * grad / ||w * grad||``)
  and records ``||grad||``; :meth:`~SAMOptimWrapper.descent` back-propagates the loss at the
  perturbed point, restores ``w`` and lets the base optimizer step.
* :func:`sam_train_step` runs the two passes for any mmengine model; :class:`SAMTrainStepMixin`
  gives a recognizer a ``train_step`` that uses it when the wrapper is SAM (a normal step
  otherwise) and feeds the weight-gradient norm to submodules with ``set_grad_norm`` (DSM).
* :class:`SAMDistributedDataParallel` (``model_wrapper_cfg``) does the same under DDP.
* :class:`SAMEpochBasedTrainLoop` (``train_cfg=dict(type='SAMEpochBasedTrainLoop', ...)``) runs
  that step for ANY model (mmaction2's plain ``Recognizer3D`` / ``Recognizer2D`` included) and
  any DDP wrapper: the SAM schedule bases set it, so a SAM schedule is the switch that turns SAM
  on for every zoo model.

Gradient accumulation (``accumulative_counts > 1``): every micro-batch takes its own SAM
perturbation from its own gradient; the descent gradients accumulate and the base optimizer
steps once per ``accumulative_counts`` micro-batches. Mixed precision: ``dtype='bfloat16'``
autocasts both passes the way ``AmpOptimWrapper`` does; float16 (which needs loss scaling) is
refused. The second pass leaves BatchNorm running statistics untouched by default, so that
they are updated once per step.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import torch
from mmaction.registry import LOOPS, MODEL_WRAPPERS, OPTIM_WRAPPERS
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.runner import EpochBasedTrainLoop
from mmengine.runner.amp import autocast
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.parallel import DistributedDataParallel
from torch.optim import Optimizer


def grad_norm(params: list[Tensor], weights: bool = False) -> Tensor:
    """L2 norm of the gradients of params (of ``|w| * grad`` if ``weights``); 0 if none."""
    grads = [(p.abs() * p.grad if weights else p.grad) for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float())
                                                 for g in grads]))


@OPTIM_WRAPPERS.register_module()
class SAMOptimWrapper(OptimWrapper):
    """Optimizer wrapper for SAM around any base optimizer.

    Args:
        optimizer (Optimizer): the base optimizer (AdamW, SGD, ...).
        rho (float): radius of the ascent step.
        adaptive (bool): adaptive SAM (ASAM): scale the ascent by ``w^2`` element-wise.
        eps (float): added to the gradient norm in the ascent step.
        dtype (str, optional): autocast dtype of both passes: None (float32) or 'bfloat16'.
        kwargs: ``accumulative_counts`` and ``clip_grad`` of mmengine's ``OptimWrapper``.
    """

    def __init__(self, optimizer: Optimizer, rho: float = 0.05, adaptive: bool = False,
                 eps: float = 1e-12, dtype: str | torch.dtype | None = None, **kwargs) -> None:
        super().__init__(optimizer, **kwargs)
        if rho < 0:
            raise ValueError(f'rho must be >= 0, got {rho}')
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None) if dtype != 'float32' else None
        if dtype not in (None, torch.bfloat16):
            raise ValueError("SAMOptimWrapper supports dtype None (float32) or 'bfloat16'; "
                             'float16 needs loss scaling, which SAM does not do here')
        self.rho, self.adaptive, self.eps, self.cast_dtype = rho, adaptive, eps, dtype
        self.last_grad_norm: Tensor | None = None
        self._backup: list[tuple[Tensor, Tensor]] = []

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Gradient-sync context of ``OptimWrapper`` plus autocast when ``dtype`` is set."""
        with super().optim_context(model), autocast(enabled=self.cast_dtype is not None,
                                                    dtype=self.cast_dtype):
            yield

    def _params(self) -> list[Tensor]:
        return [p for group in self.optimizer.param_groups for p in group['params']
                if p.requires_grad]

    @torch.no_grad()
    def _perturb(self, params: list[Tensor]) -> Tensor:
        norm = grad_norm(params)
        scale_norm = grad_norm(params, weights=True) if self.adaptive else norm
        scale = self.rho / (scale_norm.to(params[0].device) + self.eps)
        for p in params:
            if p.grad is None:
                continue
            e_w = p.grad * scale
            if self.adaptive:
                e_w = e_w * p.pow(2)
            self._backup.append((p, p.detach().clone()))
            p.add_(e_w.to(p.dtype))
        return norm

    def ascent(self, loss: Tensor) -> Tensor:
        """First pass: back-propagate ``loss`` at w, move to ``w + e_w``, return ``||grad||``.

        Gradients accumulated by earlier micro-batches are kept aside and put back.
        """
        if self._backup:
            raise RuntimeError('ascent() called twice without descent()')
        params = self._params()
        if not params:
            raise RuntimeError('SAMOptimWrapper: the optimizer has no trainable parameter')
        stash = [p.grad for p in params]
        for p in params:
            p.grad = None
        loss.backward()
        norm = self._perturb(params)
        for p, g in zip(params, stash, strict=True):
            p.grad = g
        self.last_grad_norm = norm.detach()
        return self.last_grad_norm

    def descent(self, loss: Tensor, step_kwargs: dict | None = None,
                zero_kwargs: dict | None = None) -> None:
        """Second pass: back-propagate ``loss`` at ``w + e_w``, restore w, step when due."""
        self.backward(self.scale_loss(loss))
        with torch.no_grad():
            for p, w in self._backup:
                p.copy_(w)
        self._backup = []
        if self.should_update():
            self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))

    def update_params(self, loss: Tensor, step_kwargs: dict | None = None,
                      zero_kwargs: dict | None = None) -> None:
        raise RuntimeError('SAM needs two forward passes: train with a model whose train_step '
                           'calls hdf_bench.engine.sam.sam_train_step (e.g. the HDF recognizer '
                           'or SAMTrainStepMixin)')


@contextmanager
def frozen_bn_stats(model: nn.Module) -> Iterator[None]:
    """Keep BatchNorm running statistics unchanged inside the block (momentum 0)."""
    saved = [(m, m.momentum) for m in model.modules()
             if isinstance(m, _BatchNorm) and m.training and m.track_running_stats]
    for m, _ in saved:
        m.momentum = 0.0
    try:
        yield
    finally:
        for m, momentum in saved:
            m.momentum = momentum


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a (DDP) wrapper, or ``model`` itself."""
    return model.module if isinstance(model, DistributedDataParallel) else model


def sam_train_step(model: nn.Module, data: dict | tuple | list,
                   optim_wrapper: SAMOptimWrapper,
                   freeze_bn: bool = True) -> tuple[dict[str, Tensor], Tensor]:
    """One SAM step of an mmengine ``BaseModel``: ascent pass, then descent pass.

    Args:
        model (nn.Module): an mmengine ``BaseModel`` (data_preprocessor, parse_losses), or its
            DDP wrapper: both passes then run through the wrapper, so each backward
            all-reduces the gradients and every rank takes the same perturbation.
        data (dict | tuple | list): a batch from the dataloader.
        optim_wrapper (SAMOptimWrapper): the SAM wrapper.
        freeze_bn (bool): keep BatchNorm running statistics out of the second pass.

    Returns:
        tuple: the log variables of the first pass and the gradient norm at w.
    """
    inner = unwrap(model)
    with optim_wrapper.optim_context(model):
        data = inner.data_preprocessor(data, True)
        losses = model._run_forward(data, mode='loss')
    loss, log_vars = inner.parse_losses(losses)
    norm = optim_wrapper.ascent(loss)
    with optim_wrapper.optim_context(model), (frozen_bn_stats(model) if freeze_bn
                                              else nullcontext()):
        losses = model._run_forward(data, mode='loss')
    loss, _ = inner.parse_losses(losses)
    optim_wrapper.descent(loss)
    log_vars['sam_grad_norm'] = norm
    return log_vars, norm


def feed_grad_norm(model: nn.Module, value: Tensor, num_params: int) -> None:
    """Pass g (and the number of weights it is taken over) to every submodule of ``model`` with
    ``set_grad_norm`` (DSM's loss)."""
    for m in model.modules():
        if m is not model and hasattr(m, 'set_grad_norm'):
            m.set_grad_norm(value, num_params=num_params)


def _num_params(optim_wrapper: OptimWrapper) -> int:
    return sum(p.numel() for g in optim_wrapper.optimizer.param_groups for p in g['params']
               if p.requires_grad)


def grad_norm_train_step(model: nn.Module, data: dict | tuple | list,
                         optim_wrapper: OptimWrapper) -> dict[str, Tensor]:
    """One training step that feeds the weight-gradient norm g to the model's consumers.

    SAM when ``optim_wrapper`` is a :class:`SAMOptimWrapper` (g of the first pass), mmengine's
    usual step otherwise (g of the accumulated gradient before the optimizer step).

    Args:
        model: an mmengine ``BaseModel`` or its DDP wrapper (:class:`SAMDistributedDataParallel`).
        data: a batch from the dataloader.
        optim_wrapper: the optimizer wrapper.
    """
    inner = unwrap(model)
    if isinstance(optim_wrapper, SAMOptimWrapper):
        log_vars, norm = sam_train_step(model, data, optim_wrapper)
        feed_grad_norm(inner, norm, _num_params(optim_wrapper))
        return log_vars
    with optim_wrapper.optim_context(model):
        data = inner.data_preprocessor(data, True)
        losses = model._run_forward(data, mode='loss')
    loss, log_vars = inner.parse_losses(losses)
    optim_wrapper.backward(optim_wrapper.scale_loss(loss))
    if optim_wrapper.should_update():
        params = [p for g in optim_wrapper.optimizer.param_groups for p in g['params']]
        norm = grad_norm(params)
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        if scaler is not None:  # AmpOptimWrapper: gradients are scaled
            norm = norm / scaler.get_scale()
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        if torch.isfinite(norm):
            feed_grad_norm(inner, norm, _num_params(optim_wrapper))
    return log_vars


class SAMTrainStepMixin:
    """``train_step`` for mmengine models: :func:`grad_norm_train_step` (SAM when the wrapper is
    SAM, a normal step otherwise; g goes to ``set_grad_norm`` consumers such as DSM's loss, which
    use it from the next step on).

    Put it before the model class: ``class MyRecognizer(SAMTrainStepMixin, Recognizer3D)``.
    On several GPUs wrap the model with :class:`SAMDistributedDataParallel`.
    """

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapper) -> dict[str, Tensor]:
        return grad_norm_train_step(self, data, optim_wrapper)


@MODEL_WRAPPERS.register_module()
class SAMDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper with :func:`grad_norm_train_step` as its training step.

    ``MMDistributedDataParallel.train_step`` runs one forward / backward and so bypasses a
    model's own SAM step. This wrapper runs both SAM passes through DDP (each backward
    all-reduces, so every rank climbs to the same ``w + e_w``) and feeds g to DSM. Config::

        model_wrapper_cfg = dict(type='SAMDistributedDataParallel')
    """

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapper) -> dict[str, Tensor]:
        return grad_norm_train_step(self, data, optim_wrapper)


@LOOPS.register_module()
class SAMEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's epoch loop whose iteration runs :func:`grad_norm_train_step` on the runner's
    model (wrapped or not) instead of the model's own ``train_step``.

    With a :class:`SAMOptimWrapper` this is SAM for any recognizer, without a SAM-aware model
    class; with another wrapper it is mmengine's normal step plus g fed to ``set_grad_norm``
    consumers. Arguments are those of ``EpochBasedTrainLoop``.
    """

    def run_iter(self, idx: int, data_batch: dict | tuple | list) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        outputs = grad_norm_train_step(self.runner.model, data_batch, self.runner.optim_wrapper)
        self.runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1
