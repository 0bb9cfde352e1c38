"""X3D with a DAM after each stage (mmaction2's X3D, subclassed, not forked)."""
from __future__ import annotations

from collections.abc import Sequence

from mmaction.models.backbones import X3D
from mmaction.registry import MODELS
from torch import Tensor, nn

from hdf_bench.models.dam import DAM


@MODELS.register_module()
class X3DDAM(X3D):
    """mmaction2's X3D with :class:`DAM` after the chosen stages.

    Path: stem -> [stage k -> DAM k] -> conv5. X3D has no temporal stride, so every DAM sees
    all T frames.

    Args:
        dam_stages (Sequence[int]): 0-based stages followed by a DAM; empty gives plain X3D.
        dam_cfg (dict, optional): keyword arguments of :class:`DAM`.
        kwargs: arguments of mmaction2's ``X3D`` (gamma_w, gamma_b, gamma_d, ...).
    """

    def __init__(self, dam_stages: Sequence[int] = (0, 1, 2, 3), dam_cfg: dict | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        bad = [i for i in dam_stages if not 0 <= i < self.num_stages]
        if bad:
            raise ValueError(f'dam_stages must lie in [0, {self.num_stages}), got {bad}')
        self.dam_stages = tuple(sorted(set(dam_stages)))
        self.dams = nn.ModuleDict({str(i): DAM(**(dam_cfg or {})) for i in self.dam_stages})

    def forward(self, x: Tensor) -> Tensor:
        """Feature map (N, feat_dim, T, H', W') of a clip batch (N, 3, T, H, W)."""
        x = self.conv1_t(self.conv1_s(x))
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if str(i) in self.dams:
                x = self.dams[str(i)](x)
        return self.conv5(x)

    def train(self, mode: bool = True) -> X3DDAM:
        """X3D's train() (frozen stages, norm_eval), returning self as nn.Module does."""
        super().train(mode)
        return self
