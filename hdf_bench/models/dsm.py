"""DSM: the Distribution-aware Scaling Module of HDF (ACM MM 2025), as a loss.

On L2-normalised embeddings z (batch of B) with labels y, the paper's figure (variant 'paper')::

    s_ij   = z_i . z_j / tau                           similarities (tau = 0.07)
    w_ij   = exp(-(c_ij - eta)^2 / (2 eta^2))          distribution-aware weights (eta = 0.2)
                                                       on the cosines c_ij = z_i . z_j
    L_DSC  = mean over anchors i with a positive of
             -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_{a != i} w_ia exp(s_ia) )
    L_IB   = trace(Cov(Z)),  Cov(Z) = sum_i (z_i - zbar)(z_i - zbar)^T / N
    L      = lambda_CE * CE_smooth(logits, y) + lambda_SC * (L_DSC + ib_weight * L_IB)

with the gradient-driven scaling ``lambda_CE = alpha * g / (g + 1)``, ``lambda_SC = beta / (g + 1)``
where g is the (detached) norm of the weight gradient of the previous step, stored in the
``grad_norm`` buffer by the training step (see :mod:`hdf_bench.engine.sam`). g is the L2 norm
of the gradient of the whole objective (after the lambda scaling) over all trainable weights,
as the released SAM records it; ``grad_norm_scale='sqrt_params'`` divides it by the square root
of the number of weights (the root-mean-square gradient per weight) so that lambda_SC is not
driven to ~0 by a large model (docs/HDF.md, "DSM's share of the loss").

The weights sit on the cosines, not on s = z.z / tau as the figure literally writes: with s in
units of 1/tau, w < 1e-38 for every pair whose cosine is not within 0.04 of eta * tau and the
denominator collapses (``weight_on='logits'`` keeps the literal reading). The denominator is
computed in the log domain.

``variant='released'`` is the objective of the authors' released code, written from its
formula: fixed lambdas (alpha = 10, beta = 0.1), logits shifted by their row maximum (the self
pair), weights ``exp(-((s_ij - eta) / eta)^2 / 2)`` on those shifted logits and normalised per
row over all pairs including the self pair, ``log_prob_ij = s_ij - log sum_j exp(s_ij)`` (self
included), ``L_SC = mean_i -sum_{p in P(i)} w_ip log_prob_ip / max(|P(i)|, 1e-8)`` over all
anchors, and the IB term ``trace(cov(Z) + 1e-6 I)`` (unbiased covariance) subtracted with
weight 0.5.

Under DDP (``gather=True``) the contrastive and IB terms use the global batch: embeddings and
labels are gathered from all ranks, the local part keeping its gradient (see
:func:`gather_batch`).
"""
from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

VARIANTS = ('paper', 'released')
SCALINGS = ('gradient', 'fixed')
GRAD_NORM_SCALES = ('none', 'sqrt_params')


class _ScaleGrad(torch.autograd.Function):
    """Identity in the forward pass; multiplies the gradient by ``factor``."""

    @staticmethod
    def forward(ctx, x: Tensor, factor: float) -> Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        return grad * ctx.factor, None


def gather_batch(z: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Embeddings and labels of all ranks, rank-major; the local rows keep their gradient.

    Every rank then computes the same global loss, but its backward reaches only its own rows,
    and DDP averages the parameter gradients over the W ranks; the local rows' gradient is
    therefore multiplied by W, so that a step equals one process on the whole batch. Ranks may
    hold different batch sizes (the last batch). Without an initialised process group (or with
    one rank) the inputs are returned unchanged.
    """
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return z, labels
    world, rank = dist.get_world_size(), dist.get_rank()
    n = torch.tensor([z.shape[0]], device=z.device)
    sizes = [torch.zeros_like(n) for _ in range(world)]
    dist.all_gather(sizes, n)
    sizes = [int(s) for s in sizes]
    most = max(sizes)
    pad = most - z.shape[0]
    z_pad = F.pad(z.detach(), (0, 0, 0, pad))
    y_pad = F.pad(labels, (0, pad), value=-1)
    z_parts = [torch.empty_like(z_pad) for _ in range(world)]
    y_parts = [torch.empty_like(y_pad) for _ in range(world)]
    dist.all_gather(z_parts, z_pad.contiguous())
    dist.all_gather(y_parts, y_pad.contiguous())
    z_parts = [p[:s] for p, s in zip(z_parts, sizes, strict=True)]
    y_parts = [p[:s] for p, s in zip(y_parts, sizes, strict=True)]
    z_parts[rank] = _ScaleGrad.apply(z, float(world))
    y_parts[rank] = labels
    return torch.cat(z_parts), torch.cat(y_parts)


@MODELS.register_module()
class DSMLoss(nn.Module):
    """Cross-entropy plus distribution-aware supervised contrast and information bottleneck.

    Args:
        tau (float): temperature of the similarities.
        eta (float): centre (and width) of the distribution-aware weights.
        alpha (float): CE weight (its limit under gradient scaling).
        beta (float): contrastive weight (its value at g = 0 under gradient scaling).
        ib_weight (float, optional): weight of the information-bottleneck term inside the
            contrastive part; default 1.0 for the paper variant, 0.5 for the released one
            (what its training script passes).
        label_smoothing (float): label smoothing of the cross-entropy.
        variant (str): 'paper' (default) or 'released' (see the module docstring).
        scaling (str, optional): 'gradient' or 'fixed'; default 'gradient' for the paper variant
            and 'fixed' for the released one.
        init_grad_norm (float): g used before the first gradient norm is recorded.
        weight_on (str): what the paper variant's weights see: 'cosine' (default: z.z, so that
            pairs with a cosine near eta get the most weight) or 'logits' (the literal reading,
            s = z.z / tau; it underflows, see the module docstring).
        ib_correction (int): divisor of the paper variant's covariance is ``N - ib_correction``:
            0 (default) divides by N as the figure writes; 1 gives the unbiased estimate.
        gather (bool): under DDP, compute the contrastive and IB terms on the global batch
            (default); False keeps them per rank.
        grad_norm_scale (str): 'none' (default: g as recorded) or 'sqrt_params' (g divided by
            the square root of the number of trainable weights, passed by the training step).
    """

    def __init__(self, tau: float = 0.07, eta: float = 0.2, alpha: float = 10.0,
                 beta: float = 0.1, ib_weight: float | None = None,
                 label_smoothing: float = 0.1, variant: str = 'paper',
                 scaling: str | None = None, init_grad_norm: float = 1.0,
                 weight_on: str = 'cosine', ib_correction: int = 0, gather: bool = True,
                 grad_norm_scale: str = 'none') -> None:
        super().__init__()
        if weight_on not in ('logits', 'cosine'):
            raise ValueError(f"weight_on must be 'logits' or 'cosine', got {weight_on!r}")
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {VARIANTS}, got {variant!r}')
        scaling = scaling or ('gradient' if variant == 'paper' else 'fixed')
        if scaling not in SCALINGS:
            raise ValueError(f'scaling must be one of {SCALINGS}, got {scaling!r}')
        if grad_norm_scale not in GRAD_NORM_SCALES:
            raise ValueError(f'grad_norm_scale must be one of {GRAD_NORM_SCALES}, '
                             f'got {grad_norm_scale!r}')
        if ib_correction not in (0, 1):
            raise ValueError(f'ib_correction must be 0 (divide by N) or 1 (N - 1), '
                             f'got {ib_correction!r}')
        if ib_weight is None:
            ib_weight = 1.0 if variant == 'paper' else 0.5
        self.tau, self.eta, self.alpha, self.beta = tau, eta, alpha, beta
        self.ib_weight, self.label_smoothing = ib_weight, label_smoothing
        self.variant, self.scaling, self.weight_on = variant, scaling, weight_on
        self.ib_correction, self.gather, self.grad_norm_scale = ib_correction, gather, \
            grad_norm_scale
        # kept in checkpoints, so that a resumed run goes on with the same scaling
        self.register_buffer('grad_norm', torch.tensor(float(init_grad_norm)))

    def set_grad_norm(self, value: float | Tensor, num_params: int | None = None) -> None:
        """Record the weight-gradient norm g that scales the next losses (no host sync).

        Args:
            value: ||grad|| over the trainable weights.
            num_params: the number of those weights; needed by ``grad_norm_scale='sqrt_params'``.
        """
        value = torch.as_tensor(value).detach()
        if self.grad_norm_scale == 'sqrt_params':
            if not num_params:
                raise ValueError("DSMLoss(grad_norm_scale='sqrt_params') needs num_params from "
                                 'the training step')
            value = value / num_params ** 0.5
        self.grad_norm.copy_(value)

    def lambdas(self) -> tuple[Tensor, Tensor]:
        """(lambda_CE, lambda_SC) for the current g, as detached scalar tensors."""
        g = self.grad_norm.detach().float()
        if self.scaling == 'fixed':
            return g.new_tensor(self.alpha), g.new_tensor(self.beta)
        return self.alpha * g / (g + 1), self.beta / (g + 1)

    def contrastive(self, z: Tensor, labels: Tensor) -> Tensor:
        """The variant's supervised contrastive loss on normalised z."""
        if self.variant == 'released':
            return self._released_contrastive(z, labels)
        n = z.shape[0]
        s = z @ z.T / self.tau
        r = s if self.weight_on == 'logits' else s * self.tau
        log_w = -(r - self.eta) ** 2 / (2 * self.eta ** 2)
        self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
        pos = (labels[:, None] == labels[None, :]) & ~self_mask
        log_den = torch.logsumexp((s + log_w).masked_fill(self_mask, float('-inf')), dim=1)
        log_prob = s - log_den[:, None]
        n_pos = pos.sum(dim=1)
        has_pos = n_pos > 0
        if not has_pos.any():
            return z.sum() * 0  # keeps the graph, no NaN
        per_anchor = -(log_prob.masked_fill(~pos, 0).sum(dim=1)[has_pos] / n_pos[has_pos])
        return per_anchor.mean()

    def _released_contrastive(self, z: Tensor, labels: Tensor) -> Tensor:
        s = z @ z.T / self.tau
        s = s - s.amax(dim=1, keepdim=True).detach()
        w = torch.exp(-0.5 * ((s - self.eta) / self.eta) ** 2)
        w = w / w.sum(dim=1, keepdim=True).clamp_min(1e-8)
        log_prob = s - s.exp().sum(dim=1, keepdim=True).clamp_min(1e-8).log()
        self_mask = torch.eye(z.shape[0], dtype=torch.bool, device=z.device)
        pos = ((labels[:, None] == labels[None, :]) & ~self_mask).to(z.dtype)
        per_anchor = -(pos * w * log_prob).sum(dim=1) / pos.sum(dim=1).clamp_min(1e-8)
        return per_anchor.mean()

    def information_bottleneck(self, z: Tensor) -> Tensor:
        """trace(Cov(z)): over N (or N - 1) for the paper variant, the released estimate else."""
        if self.variant == 'released':
            if z.shape[0] < 2:
                return z.sum() * 0 + 1e-6 * z.shape[1]
            return z.var(dim=0, correction=1).sum() + 1e-6 * z.shape[1]
        if z.shape[0] <= self.ib_correction:
            return z.sum() * 0
        return z.var(dim=0, correction=self.ib_correction).sum()

    def forward(self, logits: Tensor, embedding: Tensor, labels: Tensor) -> dict[str, Tensor]:
        """Weighted loss parts (keys with 'loss' are summed by mmengine), raw terms, lambdas.

        Args:
            logits (Tensor): (B, num_classes) class scores.
            embedding (Tensor): (B, D) features before the classifier (normalised here).
            labels (Tensor): (B,) integer labels.
        """
        logits, embedding = logits.float(), embedding.float()
        z = F.normalize(embedding, dim=1)
        ce = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        if self.gather:
            z, labels = gather_batch(z, labels)
        dsc = self.contrastive(z, labels)
        ib = self.information_bottleneck(z)
        lambda_ce, lambda_sc = self.lambdas()
        ib_sign = 1.0 if self.variant == 'paper' else -1.0
        return dict(
            loss_ce=lambda_ce * ce,
            loss_dsc=lambda_sc * dsc,
            loss_ib=lambda_sc * ib_sign * self.ib_weight * ib,
            dsm_ce=ce.detach(),
            dsm_dsc=dsc.detach(),
            dsm_ib=ib.detach(),
            lambda_ce=lambda_ce,
            lambda_sc=lambda_sc,
            dsm_grad_norm=self.grad_norm.detach().clone(),
        )
