"""DSM: the Distribution-aware Scaling Module of HDF (ACM MM 2025), as a loss.

On L2-normalised embeddings z (batch of B) with labels y::

    s_ij   = z_i . z_j / tau                           similarities (tau = 0.07)
    w_ij   = exp(-(c_ij - eta)^2 / (2 eta^2))          distribution-aware weights (eta = 0.2)
                                                       on the cosines c_ij = z_i . z_j
    L_DSC  = mean over anchors i with a positive of
             -1/|P(i)| sum_{p in P(i)} log( exp(s_ip) / sum_{a != i} w_ia exp(s_ia) )
    L_IB   = trace(Cov(Z))                             information bottleneck
    L      = lambda_CE * CE_smooth(logits, y) + lambda_SC * (L_DSC + ib_weight * L_IB)

with the gradient-driven scaling ``lambda_CE = alpha * g / (g + 1)``, ``lambda_SC = beta / (g + 1)``
where g is the (detached) norm of the weight gradient of the previous step, stored in the
``grad_norm`` buffer by the training step (see :mod:`hdf_bench.engine.sam`).

``variant='released'`` reproduces the released code instead: fixed lambdas (alpha, beta), the
weights multiply the log-probability (no weights in the denominator), and the IB term is
subtracted. The denominator is computed in the log domain: with s in units of 1/tau the weights
underflow in float32 (w < 1e-38 once |s - eta| > 2.6), and logsumexp keeps the loss finite.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

VARIANTS = ('paper', 'released')
SCALINGS = ('gradient', 'fixed')


@MODELS.register_module()
class DSMLoss(nn.Module):
    """Cross-entropy plus distribution-aware supervised contrast and information bottleneck.

    Args:
        tau (float): temperature of the similarities.
        eta (float): centre (and width) of the distribution-aware weights.
        alpha (float): CE weight (its limit under gradient scaling).
        beta (float): contrastive weight (its value at g = 0 under gradient scaling).
        ib_weight (float): weight of the information-bottleneck term inside the contrastive part.
        label_smoothing (float): label smoothing of the cross-entropy.
        variant (str): 'paper' (default) or 'released' (see the module docstring).
        scaling (str, optional): 'gradient' or 'fixed'; default 'gradient' for the paper variant
            and 'fixed' for the released one.
        init_grad_norm (float): g used before the first gradient norm is recorded.
        weight_on (str): what the weights see: 'cosine' (default: z.z, so that pairs with a
            cosine near eta get the most weight) or 'logits' (the literal reading, s = z.z / tau:
            then w < 1e-38 for every pair whose cosine is not within 0.04 of eta * tau = 0.014,
            the denominator collapses and L_DSC was measured near -2000 on SynthDFER batches,
            so that reading is kept only as an option).
    """

    def __init__(self, tau: float = 0.07, eta: float = 0.2, alpha: float = 10.0,
                 beta: float = 0.1, ib_weight: float = 1.0, label_smoothing: float = 0.1,
                 variant: str = 'paper', scaling: str | None = None,
                 init_grad_norm: float = 1.0, weight_on: str = 'cosine') -> None:
        super().__init__()
        if weight_on not in ('logits', 'cosine'):
            raise ValueError(f"weight_on must be 'logits' or 'cosine', got {weight_on!r}")
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {VARIANTS}, got {variant!r}')
        scaling = scaling or ('gradient' if variant == 'paper' else 'fixed')
        if scaling not in SCALINGS:
            raise ValueError(f'scaling must be one of {SCALINGS}, got {scaling!r}')
        self.tau, self.eta, self.alpha, self.beta = tau, eta, alpha, beta
        self.ib_weight, self.label_smoothing = ib_weight, label_smoothing
        self.variant, self.scaling, self.weight_on = variant, scaling, weight_on
        # kept in checkpoints, so that a resumed run goes on with the same scaling
        self.register_buffer('grad_norm', torch.tensor(float(init_grad_norm)))

    def set_grad_norm(self, value: float | Tensor) -> None:
        """Record the weight-gradient norm g that scales the next losses (no host sync)."""
        self.grad_norm.copy_(torch.as_tensor(value).detach())

    def lambdas(self) -> tuple[Tensor, Tensor]:
        """(lambda_CE, lambda_SC) for the current g, as detached scalar tensors."""
        g = self.grad_norm.detach().float()
        if self.scaling == 'fixed':
            return g.new_tensor(self.alpha), g.new_tensor(self.beta)
        return self.alpha * g / (g + 1), self.beta / (g + 1)

    def contrastive(self, z: Tensor, labels: Tensor) -> Tensor:
        """Distribution-aware supervised contrastive loss on normalised z; 0 if no positive."""
        n = z.shape[0]
        s = z @ z.T / self.tau
        r = s if self.weight_on == 'logits' else s * self.tau
        log_w = -(r - self.eta) ** 2 / (2 * self.eta ** 2)
        self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
        pos = (labels[:, None] == labels[None, :]) & ~self_mask
        if self.variant == 'paper':
            log_den = torch.logsumexp((s + log_w).masked_fill(self_mask, float('-inf')), dim=1)
            log_prob = s - log_den[:, None]
        else:
            log_den = torch.logsumexp(s.masked_fill(self_mask, float('-inf')), dim=1)
            log_prob = log_w.exp() * (s - log_den[:, None])
        n_pos = pos.sum(dim=1)
        has_pos = n_pos > 0
        if not has_pos.any():
            return z.sum() * 0  # keeps the graph, no NaN
        per_anchor = -(log_prob.masked_fill(~pos, 0).sum(dim=1)[has_pos] / n_pos[has_pos])
        return per_anchor.mean()

    @staticmethod
    def information_bottleneck(z: Tensor) -> Tensor:
        """trace(Cov(z)) with the unbiased (B - 1) estimate; 0 for a batch of one."""
        if z.shape[0] < 2:
            return z.sum() * 0
        return z.var(dim=0, correction=1).sum()

    def forward(self, logits: Tensor, embedding: Tensor, labels: Tensor) -> dict[str, Tensor]:
        """Weighted loss parts (keys with 'loss' are summed by mmengine) and the lambdas.

        Args:
            logits (Tensor): (B, num_classes) class scores.
            embedding (Tensor): (B, D) features before the classifier (normalised here).
            labels (Tensor): (B,) integer labels.
        """
        logits, embedding = logits.float(), embedding.float()
        z = F.normalize(embedding, dim=1)
        ce = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        dsc = self.contrastive(z, labels)
        ib = self.information_bottleneck(z)
        lambda_ce, lambda_sc = self.lambdas()
        ib_sign = 1.0 if self.variant == 'paper' else -1.0
        return dict(
            loss_ce=lambda_ce * ce,
            loss_dsc=lambda_sc * dsc,
            loss_ib=lambda_sc * ib_sign * self.ib_weight * ib,
            lambda_ce=lambda_ce,
            lambda_sc=lambda_sc,
            dsm_grad_norm=self.grad_norm.detach().clone(),
        )
