"""Classification head of HDF: global average pool -> embedding -> FC, trained with DSM."""
from __future__ import annotations

import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn


@MODELS.register_module()
class DSMHead(BaseHead):
    """Pooled feature (the embedding) -> dropout -> FC logits; the loss is :class:`DSMLoss`.

    Args:
        num_classes (int): number of classes.
        in_channels (int): channels of the backbone feature (the embedding size).
        loss_cls (dict, optional): the loss (default ``DSMLoss``); it takes (logits, embedding,
            labels) and returns a dict of loss parts.
        dropout_ratio (float): dropout before the FC layer.
        init_std (float): std of the FC initialisation.
        kwargs: passed to mmaction's ``BaseHead`` (e.g. ``average_clips``, ``topk``).
    """

    def __init__(self, num_classes: int, in_channels: int,
                 loss_cls: dict | None = None, dropout_ratio: float = 0.5,
                 init_std: float = 0.01, **kwargs) -> None:
        kwargs.setdefault('topk', (1,))
        super().__init__(num_classes, in_channels, loss_cls or dict(type='DSMLoss'), **kwargs)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)
        self.init_std = init_std

    def init_weights(self) -> None:
        """Initialise the FC layer from scratch."""
        normal_init(self.fc, std=self.init_std)

    def forward_features(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(logits, embedding) for a feature map x of shape (N, C, T, H, W)."""
        embedding = self.pool(x).flatten(1)
        return self.fc(self.dropout(embedding)), embedding

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores (logits) for a feature map x of shape (N, C, T, H, W)."""
        return self.forward_features(x)[0]

    def loss(self, feats: Tensor, data_samples: SampleList, **kwargs) -> dict:
        """DSM loss parts, lambdas and top-1 accuracy for a batch."""
        logits, embedding = self.forward_features(feats)
        labels = torch.stack([s.gt_label for s in data_samples]).to(logits.device).view(-1)
        losses = self.loss_cls(logits, embedding, labels)
        losses['top1_acc'] = (logits.detach().argmax(dim=1) == labels).float().mean()
        return losses
