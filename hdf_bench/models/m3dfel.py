"""M3DFEL (Wang et al., CVPR 2023), re-implemented as two mmaction2 parts, with the official
code's head structure.

A clip of T frames is a *bag* of K *instances* of T/K consecutive frames each:

    clip (N, C, T, H, W)
      -> M3DFELBackbone: K instances -> 3D ResNet-18 each -> 512-d -> 2-layer BiLSTM -> (N, K, 1024)
      -> M3DFELHead: x * sigmoid(DMIN(MHSA(x)))  (8 heads, qkv without bias, no output projection,
                     no residual) -> Conv1d over the K instances -> FC -> (N, num_classes)

DMIN (Dynamic Multi-Instance Normalisation) normalises each feature with statistics across the K
instances, mixed with bag statistics by softmax-learned weights. The official model starts from
torchvision's Kinetics-400 R3D-18 weights: ``M3DFELBackbone(pretrained='path/to/r3d_18.pth')``
loads them from a local file (no download); without it the model trains from scratch and tables
should call it "M3DFEL (scratch)".

Use both inside mmaction2's ``Recognizer3D``. Paper setting: T = 16, K = 4; the CPU preset uses
T = 8, K = 4 (two frames per instance).
"""
from __future__ import annotations

import os
import re

import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

# torchvision's r3d_18 layout (what M3DFEL uses) in mmaction2's ResNet3d: full 3x3x3 convs, no
# stem max-pool, stride 2 in time and space from stage 2 on. Instances are short (2-4 frames), so
# temporal strides bottom out at one frame, which the padded convs allow.
R3D18_ENCODER = dict(
    type='ResNet3d', depth=18, pretrained=None, pretrained2d=False, in_channels=3,
    conv1_kernel=(3, 7, 7), conv1_stride_t=1, with_pool1=False, with_pool2=False,
    inflate=(1, 1, 1, 1), spatial_strides=(1, 2, 2, 2), temporal_strides=(1, 2, 2, 2),
    norm_eval=False, zero_init_residual=False)


def split_instances(x: Tensor, num_instances: int) -> Tensor:
    """Cut clips (N, C, T, H, W) into instances (N * K, C, T / K, H, W), clip-major."""
    n, c, t, h, w = x.shape
    if t % num_instances:
        raise ValueError(f'clip length {t} is not divisible by num_instances={num_instances}')
    x = x.view(n, c, num_instances, t // num_instances, h, w).transpose(1, 2)
    return x.reshape(n * num_instances, c, t // num_instances, h, w)


_TV_KEY = re.compile(r'^(stem|layer\d\.\d\.(?:conv[12]|downsample))\.([01])\.(.+)$')


def torchvision_r3d18_to_mmaction(state: dict, target: dict, source: str = 'state dict') -> dict:
    """torchvision ``r3d_18`` keys -> mmaction2 ``ResNet3d`` keys (the classifier is dropped).

    ``stem.0`` -> ``conv1.conv``, ``stem.1`` -> ``conv1.bn``; in the blocks ``convK.0`` ->
    ``convK.conv``, ``convK.1`` -> ``convK.bn``, ``downsample.0`` / ``.1`` -> ``downsample.conv``
    / ``.bn``. Every key of ``target`` must be covered with the same shape.

    Args:
        state: torchvision's state dict (``state_dict`` nested under 'state_dict' is accepted).
        target: the encoder's own state dict (names and shapes to fill).
        source: what ``state`` came from, for error messages.
    """
    state = state.get('state_dict', state)
    out = {}
    for key, value in state.items():
        if key.startswith('fc.'):
            continue
        match = _TV_KEY.match(key)
        if match is None:
            raise KeyError(f'{source}: unexpected key {key!r} for torchvision r3d_18')
        module, index, leaf = match.groups()
        module = 'conv1' if module == 'stem' else module
        out[f"{module}.{'conv' if index == '0' else 'bn'}.{leaf}"] = value
    missing = sorted(set(target) - set(out))
    extra = sorted(set(out) - set(target))
    if missing or extra:
        raise KeyError(f'{source}: not a torchvision r3d_18 state dict (missing for the encoder: '
                       f'{missing[:5]}, unused: {extra[:5]})')
    bad = [k for k in target if target[k].shape != out[k].shape]
    if bad:
        raise ValueError(f'{source}: shape mismatch for {bad[:5]}, e.g. {bad[0]}: '
                         f'{tuple(out[bad[0]].shape)} vs {tuple(target[bad[0]].shape)}')
    return out


@MODELS.register_module()
class M3DFELBackbone(BaseModule):
    """Instance encoder and BiLSTM of M3DFEL: clips (N, C, T, H, W) -> instances (N, K, 2*hidden).

    Args:
        num_instances (int): K, instances per clip; T must be divisible by it. Defaults to 4.
        encoder (dict): config of the per-instance 3D CNN (shared by all instances); its output
            is average-pooled to one vector. Defaults to a 3D ResNet-18 from scratch.
        encoder_channels (int): channels of the encoder's output. Defaults to 512.
        lstm_hidden (int): hidden size of each LSTM direction. Defaults to 512.
        lstm_layers (int): stacked BiLSTM layers. Defaults to 2.
        pretrained (str, optional): local file with torchvision's ``r3d_18`` state dict
            (Kinetics-400, e.g. ``r3d_18-b3b3357e.pth`` of ``R3D_18_Weights.KINETICS400_V1``),
            loaded into the default encoder by ``init_weights``; nothing is downloaded.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self, num_instances: int = 4, encoder: dict | None = None,
                 encoder_channels: int = 512, lstm_hidden: int = 512, lstm_layers: int = 2,
                 pretrained: str | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if pretrained is not None:
            if encoder is not None:
                raise ValueError('M3DFELBackbone: pretrained weights are for the default R3D-18 '
                                 'encoder; drop `encoder` or `pretrained`')
            if not os.path.isfile(pretrained):
                raise FileNotFoundError(
                    f'M3DFELBackbone: pretrained file {pretrained!r} not found; expected a local '
                    "copy of torchvision's Kinetics-400 r3d_18 state dict (r3d_18-b3b3357e.pth); "
                    'it is not downloaded at run time')
        self.pretrained = pretrained
        self.num_instances = num_instances
        self.encoder = MODELS.build(dict(encoder or R3D18_ENCODER))
        self.lstm = nn.LSTM(encoder_channels, lstm_hidden, num_layers=lstm_layers,
                            batch_first=True, bidirectional=True)
        self.out_channels = 2 * lstm_hidden

    def init_weights(self) -> None:
        """Initialise the encoder (from ``pretrained`` if given); the LSTM keeps PyTorch's init."""
        self.encoder.init_weights()
        if self.pretrained is not None:
            state = torch.load(self.pretrained, map_location='cpu', weights_only=True)
            self.encoder.load_state_dict(torchvision_r3d18_to_mmaction(
                state, self.encoder.state_dict(), source=self.pretrained))

    def forward(self, x: Tensor) -> Tensor:
        """Instance features (N, K, 2 * lstm_hidden) of clips (N, C, T, H, W)."""
        n = x.shape[0]
        feats = self.encoder(split_instances(x, self.num_instances))
        feats = feats.flatten(2).mean(-1).view(n, self.num_instances, -1)
        out, _ = self.lstm(feats)
        return out


class DMIN(nn.Module):
    """Dynamic Multi-Instance Normalisation of a bag of instance vectors (N, K, D).

    Instance statistics: per feature, across the K instances (mean and unbiased variance, shape
    (N, 1, D)). Bag statistics: their mean over the D features, the bag variance taken as
    ``mean_D(var + mean^2) - bag_mean^2`` (N, 1, 1). The two are mixed by softmax-learned
    weights (one pair for the means, one for the variances), then a per-feature affine map.

    Args:
        dim (int): D, features per instance.
        eps (float): added to the variance. Defaults to 1e-5.
    """

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.mean_logits = nn.Parameter(torch.zeros(2))  # [instances, bag]
        self.var_logits = nn.Parameter(torch.zeros(2))

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] < 2:
            raise ValueError(f'DMIN needs at least 2 instances per bag, got shape {tuple(x.shape)}')
        inst_var, inst_mean = torch.var_mean(x, dim=1, keepdim=True, correction=1)
        bag_mean = inst_mean.mean(dim=2, keepdim=True)
        bag_var = (inst_var + inst_mean ** 2).mean(dim=2, keepdim=True) - bag_mean ** 2
        wm = self.mean_logits.softmax(0)
        wv = self.var_logits.softmax(0)
        mean = wm[0] * inst_mean + wm[1] * bag_mean
        var = wv[0] * inst_var + wv[1] * bag_var
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias


@MODELS.register_module()
class M3DFELHead(BaseHead):
    """M3DFEL's bag head: ``x * sigmoid(DMIN(MHSA(x)))``, Conv1d over instances, FC.

    As the official code: the multi-head self-attention has a qkv projection without bias, no
    output projection and no residual; its output, DMIN-normalised, gates the instances.

    Args:
        num_classes (int): number of classes.
        in_channels (int): D, features per instance (the BiLSTM's output). Defaults to 1024.
        num_instances (int): K; fixed, since the Conv1d mixes instances as channels.
            Defaults to 4.
        num_heads (int): attention heads. Defaults to 8.
        dropout_ratio (float): dropout before the classifier (official: none). Defaults to 0.
        init_std (float): std of the classifier's normal init. Defaults to 0.01.
        kwargs: arguments of mmaction2's ``BaseHead`` (loss_cls, label_smooth_eps, topk, ...).
    """

    def __init__(self, num_classes: int, in_channels: int = 1024, num_instances: int = 4,
                 num_heads: int = 8, dropout_ratio: float = 0.0, init_std: float = 0.01,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        if in_channels % num_heads:
            raise ValueError(f'in_channels={in_channels} is not divisible by '
                             f'num_heads={num_heads}')
        self.num_instances = num_instances
        self.num_heads = num_heads
        self.init_std = init_std
        self.qkv = nn.Linear(in_channels, 3 * in_channels, bias=False)
        self.norm = DMIN(in_channels)
        self.merge = nn.Conv1d(num_instances, 1, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        """Normal init of the classifier, as mmaction2's heads do."""
        normal_init(self.fc_cls, std=self.init_std)

    def attention(self, x: Tensor) -> Tensor:
        """Multi-head self-attention over the K instances, heads concatenated: (N, K, D)."""
        n, k, d = x.shape
        q, k_, v = (t.view(n, k, self.num_heads, d // self.num_heads).transpose(1, 2)
                    for t in self.qkv(x).chunk(3, dim=-1))
        attn = (q @ k_.transpose(-1, -2) * (d // self.num_heads) ** -0.5).softmax(dim=-1)
        return (attn @ v).transpose(1, 2).reshape(n, k, d)

    def forward_features(self, x: Tensor) -> Tensor:
        """Bag embedding (N, D) of instance features (N, K, D)."""
        if x.shape[1] != self.num_instances:
            raise ValueError(f'expected {self.num_instances} instances, got {x.shape[1]}')
        x = x * torch.sigmoid(self.norm(self.attention(x)))
        return self.merge(x).squeeze(1)

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores (N, num_classes) of instance features (N, K, D)."""
        return self.fc_cls(self.dropout(self.forward_features(x)))
