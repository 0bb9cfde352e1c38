"""2D CNNs on clips: mmaction2's Recognizer2D fed by the NCTHW pipelines of 3D models.

Every hdf-bench data pipeline ends in ``FormatShape('NCTHW')``, so one dataset config serves all
models. :class:`ClipRecognizer2D` turns such a batch (N, V, C, T, H, W) (V views) into the frame
batch (N, V*T, C, H, W) that ``Recognizer2D`` expects, ordered view-major so that the T frames of
a view stay consecutive (what TSM's temporal shift needs). Everything else is Recognizer2D:

- static-frame baseline: a 2D ResNet on each frame, scores averaged over frames (``TSNHead``
  with average consensus; its FC is linear, so averaging features equals averaging scores);
- TSM: ``ResNetTSM`` with ``num_segments = T`` and ``TSMHead``.
"""
from __future__ import annotations

from mmaction.models.recognizers import Recognizer2D
from mmaction.registry import MODELS
from mmaction.utils import OptSampleList
from torch import Tensor


def clips_to_frames(x: Tensor) -> Tensor:
    """(N, V, C, T, H, W) -> (N, V*T, C, H, W); frame batches (N, S, C, H, W) pass through."""
    if x.dim() == 5:
        return x
    if x.dim() != 6:
        raise ValueError(f'expected (N, V, C, T, H, W) clips, got shape {tuple(x.shape)}')
    n, v, c, t, h, w = x.shape
    return x.transpose(2, 3).reshape(n, v * t, c, h, w).contiguous()


@MODELS.register_module()
class ClipRecognizer2D(Recognizer2D):
    """mmaction2's ``Recognizer2D`` that accepts NCTHW clip batches.

    Args:
        kwargs: arguments of ``Recognizer2D`` (backbone, cls_head, data_preprocessor with
            ``format_shape='NCTHW'``, train_cfg, test_cfg).
    """

    def extract_feat(self, inputs: Tensor, stage: str = 'neck',
                     data_samples: OptSampleList = None, test_mode: bool = False) -> tuple:
        """Recognizer2D's features of the clips' frames; see :func:`clips_to_frames`."""
        return super().extract_feat(clips_to_frames(inputs), stage=stage,
                                    data_samples=data_samples, test_mode=test_mode)
