"""DAM's inference plan for one clip on CPU: the same function with a quarter of the operators.

Inside a video network at batch 1 on CPU, a DAM call costs about three times what it costs
alone, because the convolutions between two DAMs evict the code of its ~28 small operators from
the CPU's caches and every distinct operator pays that again (``scripts/dam_cold_cost.py``,
docs/PERFORMANCE.md). This plan computes DAM's output with 22 ATen kernels instead of 47, with
every parameter folded into matrices that are built once per input size while the weights stay
unchanged (:func:`hdf_bench.models.dam._derived` keeps them):

- temporal branch: (sum, max) over positions of each channel and frame -> one product with a
  (2T, 3T) matrix giving the fused descriptor, the deviation from the clip mean and the step from
  the previous frame (over sqrt(C)); the tokens' channel mean and max -> one batched product with
  the (C + 1, 2E + 1) attention map;
- frequency branch: the 7x7 DCT of the time- and channel-mean map as two banded products
  (rows, then columns), and the 49 -> 1 convolution as two more (per row offset, then summing
  the row offsets), so no ``unfold`` / ``fold``.

It is used by :class:`hdf_bench.models.dam.DAM` in evaluation without autograd for a single clip
on CPU; everything else takes the differentiable path. Outputs agree within 1e-6
(``tests/test_dam.py``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _band(d: Tensor, n: int) -> Tensor:
    """(k n, n) matrix whose row (u, i) holds ``d[u, i' - i + k // 2]`` at column i' (zero
    outside the band): a 1-D correlation with each row of ``d`` over a zero-padded axis."""
    k = d.shape[0]
    idx = torch.arange(n, device=d.device)
    off = idx[None, :] - idx[:, None] + k // 2  # (i, i') -> tap
    inside = (off >= 0) & (off < k)
    return (d[:, off.clamp(0, k - 1)] * inside).reshape(k * n, n)


def _temporal(branch: nn.Module, c: int, t: int, hw: int) -> tuple[Tensor, ...]:
    """(time matrix (2T, 3T), d, eps per frame (1, T), attention map (1, C + 1, 2E + 1), bias,
    E) of the temporal branch for C channels, T frames and HW positions."""
    ref = branch.a
    eye = torch.eye(t, dtype=ref.dtype, device=ref.device)
    # deviation (T columns) and step (T columns, the first 0: frame 0 has no previous frame)
    time = branch.time_matrix(c, t)
    dev_step = torch.cat([time[:, :t], F.pad(time[:, t:], (1, 0))], 1)
    g = branch.g
    if branch.descriptor == 'avg':  # source = sum over positions / HW
        src_sum, src_max = 1 / hw, torch.zeros_like(ref)
    else:  # source = a * sum / HW + b * max
        src_sum, src_max = branch.a / hw, branch.b
    time = torch.cat([torch.cat([g * branch.a / hw * eye, src_sum * dev_step], 1),
                      torch.cat([g * branch.b * eye, src_max * dev_step], 1)])
    eps = torch.full((1, t), branch.eps, dtype=ref.dtype, device=ref.device)
    eps[0, 0] = 0  # frame 0 has no step: sqrt(0) = 0, as in the differentiable path
    weight, bias = branch.attention_map()  # (2E + 1, 2) on (channel mean, channel max)
    attention = torch.cat([(weight[:, :1] / c).t().expand(c, -1), weight[:, 1:].t()])
    e = branch.embed.out_features
    return time, branch.d, eps, attention[None].contiguous(), bias.view(1, 1, -1), e


def _frequency(branch: nn.Module, ct: int, h: int, w: int) -> tuple[Tensor, ...]:
    """(rows DCT (1, kH, H), columns DCT (W, kW), perturbation / sqrt(HW), HW eps, gamma, beta,
    alpha sqrt(k^2), k^2 eps, per-row-offset conv (k, kW, kW), row-offset sum (1, H, k^2 H),
    conv bias) of the frequency branch for a mean over CT maps of H x W."""
    k = branch.size
    ref = branch.alpha
    d = branch.basis.view(k, k, k, k)[:, 0, :, 0] * math.sqrt(k)  # 1-D DCT-II, (k, k)
    rows = (_band(d, h) / ct)[None]
    cols = _band(d, w).t().contiguous()
    # conv[u, (v, j'), (a, j)] = weight[(u, v), a, j' - j + k // 2]
    weight = branch.conv.weight[0].view(k, k, k, k)  # (u, v, a, b)
    idx = torch.arange(w, device=ref.device)
    off = idx[:, None] - idx[None, :] + k // 2  # (j', j) -> b
    inside = (off >= 0) & (off < k)
    conv = (weight[:, :, :, off.clamp(0, k - 1)] * inside).permute(0, 1, 3, 2, 4)
    conv = conv.reshape(k, k * w, k * w).contiguous()
    # out[i] = sum over (u, a) of row i + a - k // 2 of the per-offset products
    shift = torch.zeros(h, k, h, k, dtype=ref.dtype, device=ref.device)
    for a in range(k):
        first, stop = max(0, k // 2 - a), min(h, h + k // 2 - a)
        if first < stop:
            i = torch.arange(first, stop, device=ref.device)
            shift[i, :, i + a - k // 2, a] = 1
    view = (1, k, 1, k, 1)
    bias = (torch.zeros(1, 1, 1, dtype=ref.dtype, device=ref.device) if branch.conv.bias is None
            else branch.conv.bias.view(1, 1, 1))
    return (rows, cols, branch.perturb.view(view) * (h * w) ** -0.5,
            ref.new_tensor(h * w * branch.eps), branch.gamma.view(view), branch.beta.view(view),
            branch.alpha * k, ref.new_tensor(k * k * branch.eps), conv,
            shift.reshape(1, h, k * h * k), bias)


@torch.no_grad()
def build(dam: nn.Module, c: int, t: int, h: int, w: int) -> tuple:
    """The plan of ``dam`` (both branches) for one clip of C x T x H x W."""
    return (_temporal(dam.temporal, c, t, h * w), _frequency(dam.frequency, c * t, h, w),
            dam._mix(), dam.frequency.perturb_in_eval)


def run(plan: tuple, x: Tensor) -> Tensor:
    """DAM's output for x of shape (1, C, T, H, W) with a plan from :func:`build`."""
    (time, d, eps, attention, bias, e), freq, (const, h_t, h_s), perturbs = plan
    rows, cols, perturb, hw_eps, gamma, beta, alpha, n_eps, conv, shift, conv_bias = freq
    _, c, t, h, w = x.shape
    k = rows.shape[1] // h
    # temporal: fused descriptor + d |deviation from the clip mean| - RMS step over channels
    y = torch.mm(torch.cat([x.sum((3, 4)), x.amax((3, 4))], 2).view(c, 2 * t), time)
    z = torch.add(y[:, :t], torch.mul(torch.abs(y[:, t:2 * t]), d))
    step = y[:, 2 * t:]
    diff = torch.sqrt(torch.add((step * step).sum(0, keepdim=True), eps))
    robust = torch.sigmoid(torch.add(z, diff, alpha=-1)).view(1, c, t)
    tokens = torch.cat([robust, robust.amax(1, keepdim=True)], 1)  # (1, C + 1, T)
    qkv = torch.add(torch.bmm(tokens.transpose(1, 2), attention), bias)
    q, key, v_mean = qkv[:, :, :e], qkv[:, :, e:2 * e], qkv[:, :, 2 * e:]
    attn = torch.softmax(torch.bmm(q, key.transpose(1, 2)), -1)
    gate_t = torch.sigmoid(torch.bmm(attn, v_mean)).view(1, 1, t, 1, 1)
    # frequency: DCT, sign-aligned perturbation, dynamic tanh, 49 -> 1 convolution
    f = torch.mm(torch.bmm(rows, x.sum((1, 2))).view(k * h, w), cols).view(1, k, h, k, w)
    if perturbs:
        dev = torch.add(f, f.sum((2, 4), keepdim=True), alpha=-1 / (h * w))
        spread = torch.sqrt(torch.add((dev * dev).sum((2, 4), keepdim=True), hw_eps))
        f = torch.add(f, torch.mul(torch.mul(perturb, spread), torch.sign(dev)))
    dev = torch.add(f, f.sum((1, 3), keepdim=True), alpha=-1 / (k * k))
    scale = torch.mul(torch.rsqrt(torch.add((dev * dev).sum((1, 3), keepdim=True), n_eps)), alpha)
    f = torch.add(torch.mul(torch.tanh(torch.mul(f, scale)), gamma), beta)
    per_offset = torch.bmm(f.view(k, h, k * w), conv)  # (u, i', (a, j))
    gate_s = torch.bmm(shift, per_offset.view(1, k * h * k, w))
    gate_s = torch.sigmoid(torch.add(gate_s, conv_bias)).view(1, 1, 1, h, w)
    scale = torch.add(torch.add(const, torch.mul(gate_t, h_t)), torch.mul(gate_s, h_s))
    return torch.mul(x, scale)
