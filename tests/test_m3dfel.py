"""M3DFEL re-implementation: instance split, DMIN maths, shapes and gradients end to end."""
from __future__ import annotations

import pytest
import torch

import hdf_bench  # noqa: F401  (registers mmaction2's modules)
import hdf_bench.models.m3dfel  # noqa: F401
from hdf_bench.models.m3dfel import DMIN, M3DFELBackbone, M3DFELHead, split_instances

torch.set_num_threads(1)


def test_split_instances_cuts_consecutive_frames_clip_major():
    t = torch.arange(8.0).view(1, 1, 8, 1, 1).repeat(2, 1, 1, 1, 1)
    t[1] += 100
    out = split_instances(t, 4)
    assert out.shape == (8, 1, 2, 1, 1)
    assert out[:, 0, :, 0, 0].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7],
                                           [100, 101], [102, 103], [104, 105], [106, 107]]


def test_split_instances_rejects_indivisible_length():
    with pytest.raises(ValueError, match='divisible'):
        split_instances(torch.zeros(1, 3, 6, 4, 4), 4)


def test_dmin_with_instance_weights_is_per_instance_layer_norm():
    x = torch.randn(3, 4, 16)
    norm = DMIN(16)
    with torch.no_grad():
        norm.mean_logits.copy_(torch.tensor([50.0, -50.0]))
        norm.var_logits.copy_(torch.tensor([50.0, -50.0]))
    expected = torch.nn.functional.layer_norm(x, (16,), eps=norm.eps)
    torch.testing.assert_close(norm(x), expected, atol=1e-5, rtol=1e-5)


def test_dmin_with_bag_weights_normalises_the_whole_bag():
    x = torch.randn(3, 4, 16) * 5 + 2
    norm = DMIN(16)
    with torch.no_grad():
        norm.mean_logits.copy_(torch.tensor([-50.0, 50.0]))
        norm.var_logits.copy_(torch.tensor([-50.0, 50.0]))
    y = norm(x)
    torch.testing.assert_close(y.mean(dim=(1, 2)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(dim=(1, 2), correction=0), torch.ones(3), atol=1e-3,
                               rtol=0)
    # instances keep their differences (unlike per-instance normalisation)
    assert y.mean(-1).std(1).min() > 0


def test_dmin_mixing_weights_learn():
    norm = DMIN(8)
    norm(torch.randn(2, 4, 8) * torch.rand(2, 4, 1)).pow(3).sum().backward()
    assert norm.mean_logits.grad.abs().sum() > 0 and norm.var_logits.grad.abs().sum() > 0


@pytest.mark.parametrize('clip_len', [8, 16])
def test_backbone_and_head_shapes_and_gradients(clip_len):
    backbone = M3DFELBackbone(num_instances=4, lstm_hidden=32)
    head = M3DFELHead(num_classes=7, in_channels=64, num_instances=4, num_heads=8)
    backbone.init_weights()
    head.init_weights()
    x = torch.randn(2, 3, clip_len, 32, 32, requires_grad=True)
    feats = backbone(x)
    assert feats.shape == (2, 4, 64)
    scores = head(feats)
    assert scores.shape == (2, 7)
    scores.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for name, p in [*backbone.named_parameters(), *head.named_parameters()]:
        assert p.grad is not None, name


def test_head_rejects_wrong_instance_count():
    head = M3DFELHead(num_classes=7, in_channels=16, num_instances=4, num_heads=2)
    with pytest.raises(ValueError, match='4 instances'):
        head(torch.randn(2, 3, 16))


def test_paper_sized_recognizer_from_config_predicts():
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from hdf_bench.resources import shipped_file

    init_default_scope('mmaction')
    cfg = Config.fromfile(str(shipped_file('configs/_base_/models/m3dfel.py')))
    model = MODELS.build(cfg.model).eval()
    assert 45e6 < sum(p.numel() for p in model.parameters()) < 55e6
    x = torch.randint(0, 256, (1, 3, 16, 48, 48), dtype=torch.uint8)  # one view
    with torch.no_grad():
        out = model.test_step(dict(inputs=[x], data_samples=[ActionDataSample()]))
    assert out[0].pred_score.shape == (7,)
    torch.testing.assert_close(out[0].pred_score.sum(), torch.tensor(1.0))
