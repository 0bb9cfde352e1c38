"""C3D for any clip size: mmaction2's C3D whose last max-pool rounds up."""
from __future__ import annotations

from mmaction.models.backbones import C3D
from mmaction.registry import MODELS
from torch import nn


def c3d_out_dim(clip_len: int, size: int) -> int:
    """Length of C3D's flattened pool5 output (its fc6 input) for clips (clip_len, size, size)."""
    t, s = clip_len, size // 2  # pool1 halves space only
    for _ in range(3):  # pool2..pool4 halve both, rounding up
        t, s = -(-t // 2), -(-s // 2)
    t, s = -(-t // 2), s // 2 + 1  # pool5 with ceil_mode, spatial padding 1
    return 512 * t * s * s


@MODELS.register_module()
class FlexC3D(C3D):
    """mmaction2's ``C3D`` that also runs on short, small clips (e.g. 8 x 64 x 64, 4 x 48 x 48).

    mmaction2's pool5 (kernel 2, stride 2, spatial padding 1) needs at least 2 frames left after
    pool4, i.e. 16-frame clips, and pool4 needs 2 after pool3 (8 frames). Here pool2 to pool5
    round up (``ceil_mode=True``): that leaves every size they halve exactly unchanged (16 x 112
    x 112: out_dim 8192, as mmaction2's) and lets 8- and 4-frame clips through.

    Args:
        clip_len (int): frames per clip. Defaults to 16.
        size (int): clip height = width. Defaults to 112.
        kwargs: arguments of mmaction2's ``C3D`` except ``out_dim``, which follows from the
            clip size (see :func:`c3d_out_dim`).
    """

    def __init__(self, clip_len: int = 16, size: int = 112, **kwargs) -> None:
        super().__init__(out_dim=c3d_out_dim(clip_len, size), **kwargs)
        for name in ('pool2', 'pool3', 'pool4'):
            setattr(self, name, nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2),
                                             ceil_mode=True))
        self.pool5 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 1, 1),
                                  ceil_mode=True)
