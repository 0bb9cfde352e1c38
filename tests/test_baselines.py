"""Baseline building blocks: FlexC3D, ClipRecognizer2D (static frames, TSM)."""
from __future__ import annotations

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope

import hdf_bench  # noqa: F401  (registers mmaction2's modules)
import hdf_bench.models.c3d  # noqa: F401
import hdf_bench.models.clip2d  # noqa: F401
from hdf_bench.models.c3d import FlexC3D, c3d_out_dim
from hdf_bench.models.clip2d import clips_to_frames

torch.set_num_threads(1)
init_default_scope('mmaction')


@pytest.mark.parametrize('clip_len,size', [(8, 64), (8, 32), (16, 64), (16, 112), (4, 48), (5, 40)])
def test_c3d_out_dim_matches_the_pooled_features(clip_len, size):
    c3d = FlexC3D(clip_len=clip_len, size=size)
    assert c3d.fc6.in_features == c3d_out_dim(clip_len, size)
    if size <= 64:
        assert c3d(torch.randn(1, 3, clip_len, size, size)).shape == (1, 4096)


def test_flex_c3d_equals_mmaction_c3d_where_that_one_runs():
    from mmaction.models.backbones import C3D

    ref, flex = C3D(out_dim=4608).eval(), FlexC3D(clip_len=16, size=64).eval()
    flex.load_state_dict(ref.state_dict())
    x = torch.randn(1, 3, 16, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(flex(x), ref(x))


def test_clips_to_frames_keeps_each_views_frames_consecutive():
    x = torch.arange(2 * 2 * 4, dtype=torch.float32).view(2, 2, 1, 4, 1, 1)  # N, V, C, T
    x = x.expand(2, 2, 3, 4, 1, 1)
    frames = clips_to_frames(x)
    assert frames.shape == (2, 8, 3, 1, 1)
    assert frames[0, :, 0, 0, 0].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert frames.is_contiguous()
    with pytest.raises(ValueError, match='clips'):
        clips_to_frames(torch.zeros(2, 3, 4))


def _static_model():
    return MODELS.build(dict(
        type='ClipRecognizer2D',
        backbone=dict(type='ResNet', depth=18, pretrained=None),
        cls_head=dict(type='TSNHead', num_classes=7, in_channels=512, average_clips='score'),
        data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))


def test_static_scores_are_the_mean_of_per_frame_scores():
    model = _static_model()
    model.init_weights()
    model.eval()
    clip = torch.randn(2, 1, 3, 4, 32, 32)  # N, V, C, T, H, W
    with torch.no_grad():
        scores = model.extract_feat(clip, stage='head')[0]
        per_frame = [model.extract_feat(clip[:, :, :, t:t + 1], stage='head')[0]
                     for t in range(4)]
    torch.testing.assert_close(scores, torch.stack(per_frame).mean(0), atol=1e-5, rtol=1e-4)


def test_clip_recognizer_matches_recognizer2d_on_frames():
    model = _static_model()
    ref = MODELS.build(dict(
        type='Recognizer2D', backbone=dict(type='ResNet', depth=18, pretrained=None),
        cls_head=dict(type='TSNHead', num_classes=7, in_channels=512)))
    ref.load_state_dict(model.state_dict(), strict=False)
    model.eval()
    ref.eval()
    clip = torch.randn(1, 1, 3, 4, 32, 32)
    with torch.no_grad():
        a = model.extract_feat(clip, stage='head')[0]
        b = ref.extract_feat(clip[:, 0].transpose(1, 2), stage='head')[0]  # N, T, C, H, W
    torch.testing.assert_close(a, b)


def test_tsm_shifts_within_a_clip_only():
    """With 2 clips in a batch, changing clip 1 must not change clip 0's scores."""
    model = MODELS.build(dict(
        type='ClipRecognizer2D',
        backbone=dict(type='ResNetTSM', depth=18, pretrained=None, pretrained2d=False,
                      num_segments=4),
        cls_head=dict(type='TSMHead', num_classes=7, in_channels=512, num_segments=4),
        data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    model.init_weights()
    model.eval()
    clips = torch.randn(2, 1, 3, 4, 32, 32)
    with torch.no_grad():
        a = model.extract_feat(clips, stage='head')[0]
        clips[1] = torch.randn_like(clips[1])
        b = model.extract_feat(clips, stage='head')[0]
        clips[0, :, :, 3] = 0  # a later frame of clip 0 does reach its scores
        c = model.extract_feat(clips, stage='head')[0]
    torch.testing.assert_close(a[0], b[0])
    assert not torch.allclose(b[0], c[0])
