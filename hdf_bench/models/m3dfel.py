"""M3DFEL (Wang et al., CVPR 2023), re-implemented from its description as two mmaction2 parts.

A clip of T frames is a *bag* of K *instances* of T/K consecutive frames each:

    clip (N, C, T, H, W)
      -> M3DFELBackbone: K instances -> 3D ResNet-18 each -> 512-d -> 2-layer BiLSTM -> (N, K, 1024)
      -> M3DFELHead: DMIN -> 8-head self-attention -> sigmoid gate (residual)
                     -> Conv1d over the K instances -> FC -> (N, num_classes)

Use both inside mmaction2's ``Recognizer3D``. Paper setting: T = 16, K = 4; the CPU preset uses
T = 8, K = 4 (two frames per instance).
"""
from __future__ import annotations

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
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self, num_instances: int = 4, encoder: dict | None = None,
                 encoder_channels: int = 512, lstm_hidden: int = 512, lstm_layers: int = 2,
                 init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_instances = num_instances
        self.encoder = MODELS.build(dict(encoder or R3D18_ENCODER))
        self.lstm = nn.LSTM(encoder_channels, lstm_hidden, num_layers=lstm_layers,
                            batch_first=True, bidirectional=True)
        self.out_channels = 2 * lstm_hidden

    def init_weights(self) -> None:
        """Initialise the encoder its own way (the LSTM keeps PyTorch's default init)."""
        self.encoder.init_weights()

    def forward(self, x: Tensor) -> Tensor:
        """Instance features (N, K, 2 * lstm_hidden) of clips (N, C, T, H, W)."""
        n = x.shape[0]
        feats = self.encoder(split_instances(x, self.num_instances))
        feats = feats.flatten(2).mean(-1).view(n, self.num_instances, -1)
        out, _ = self.lstm(feats)
        return out


class DMIN(nn.Module):
    """Dynamic Multi-Instance Normalisation over a bag of instance vectors (N, K, D).

    Normalises with a learned mix of instance-level statistics (each instance over its D
    features) and bag-level statistics (the whole bag, all K x D values); the mixing weights of
    the means and of the variances are two softmaxes over learned logits. Then a per-feature
    affine map, as in LayerNorm.

    Args:
        dim (int): D, features per instance.
        eps (float): added to the variance. Defaults to 1e-5.
    """

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.mean_logits = nn.Parameter(torch.zeros(2))  # [instance, bag]
        self.var_logits = nn.Parameter(torch.zeros(2))

    def forward(self, x: Tensor) -> Tensor:
        inst_var, inst_mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        bag_var, bag_mean = torch.var_mean(x, dim=(1, 2), keepdim=True, correction=0)
        wm = self.mean_logits.softmax(0)
        wv = self.var_logits.softmax(0)
        mean = wm[0] * inst_mean + wm[1] * bag_mean
        var = wv[0] * inst_var + wv[1] * bag_var
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias


@MODELS.register_module()
class M3DFELHead(BaseHead):
    """M3DFEL's bag head: DMIN self-attention with a sigmoid gate, Conv1d over instances, FC.

    Args:
        num_classes (int): number of classes.
        in_channels (int): D, features per instance (the BiLSTM's output). Defaults to 1024.
        num_instances (int): K; fixed, since the Conv1d mixes instances as channels.
            Defaults to 4.
        num_heads (int): attention heads. Defaults to 8.
        dropout_ratio (float): dropout before the classifier. Defaults to 0.5.
        init_std (float): std of the classifier's normal init. Defaults to 0.01.
        kwargs: arguments of mmaction2's ``BaseHead`` (loss_cls, label_smooth_eps, topk, ...).
    """

    def __init__(self, num_classes: int, in_channels: int = 1024, num_instances: int = 4,
                 num_heads: int = 8, dropout_ratio: float = 0.5, init_std: float = 0.01,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.num_instances = num_instances
        self.init_std = init_std
        self.norm = DMIN(in_channels)
        self.attn = nn.MultiheadAttention(in_channels, num_heads, batch_first=True)
        self.gate = nn.Linear(in_channels, in_channels)
        self.merge = nn.Conv1d(num_instances, 1, kernel_size=3, padding=1)
        self.act = nn.GELU()
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        """Normal init of the classifier, as mmaction2's heads do."""
        normal_init(self.fc_cls, std=self.init_std)

    def forward_features(self, x: Tensor) -> Tensor:
        """Bag embedding (N, D) of instance features (N, K, D)."""
        if x.shape[1] != self.num_instances:
            raise ValueError(f'expected {self.num_instances} instances, got {x.shape[1]}')
        h = self.norm(x)
        a, _ = self.attn(h, h, h, need_weights=False)
        x = x + torch.sigmoid(self.gate(h)) * a
        return self.act(self.merge(x).squeeze(1))

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores (N, num_classes) of instance features (N, K, D)."""
        return self.fc_cls(self.dropout(self.forward_features(x)))
