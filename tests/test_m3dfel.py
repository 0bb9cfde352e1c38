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


def _dmin_with(logits: list[float], dim: int) -> DMIN:
    norm = DMIN(dim)
    with torch.no_grad():
        norm.mean_logits.copy_(torch.tensor(logits))
        norm.var_logits.copy_(torch.tensor(logits))
    return norm


def test_dmin_with_instance_weights_normalises_each_feature_across_instances():
    torch.manual_seed(0)  # feature scales 0.5-5.5: eps = 1e-5 is negligible against them
    x = torch.randn(3, 4, 16) * (torch.rand(1, 1, 16) * 5 + 0.5) + torch.randn(1, 1, 16)
    y = _dmin_with([50.0, -50.0], 16)(x)
    # per bag and feature: mean 0 and unbiased variance 1 over the K = 4 instances
    torch.testing.assert_close(y.mean(dim=1), torch.zeros(3, 16), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.var(dim=1, correction=1), torch.ones(3, 16), atol=1e-3, rtol=0)


def test_dmin_matches_the_formula_with_mixed_weights():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 6, dtype=torch.float64)
    norm = DMIN(6).double()
    with torch.no_grad():
        norm.mean_logits.copy_(torch.tensor([0.3, -0.2]))
        norm.var_logits.copy_(torch.tensor([-0.5, 0.4]))
        norm.weight.copy_(torch.linspace(0.5, 2, 6))
        norm.bias.copy_(torch.linspace(-1, 1, 6))
    out = norm(x)
    wm = torch.softmax(torch.tensor([0.3, -0.2], dtype=torch.float64), 0)
    wv = torch.softmax(torch.tensor([-0.5, 0.4], dtype=torch.float64), 0)
    for n in range(2):
        for d in range(6):
            col = x[n, :, d]
            m_in = col.mean()
            v_in = ((col - m_in) ** 2).sum() / 3  # unbiased over 4 instances
            m_bag = x[n].mean(0).mean()
            v_bag = (x[n].var(0) + x[n].mean(0) ** 2).mean() - m_bag ** 2
            mean = wm[0] * m_in + wm[1] * m_bag
            var = wv[0] * v_in + wv[1] * v_bag
            ref = (col - mean) / torch.sqrt(var + norm.eps) * norm.weight[d] + norm.bias[d]
            torch.testing.assert_close(out[n, :, d], ref.detach())


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


def test_head_is_x_times_sigmoid_of_dmin_of_attention():
    torch.manual_seed(0)
    head = M3DFELHead(num_classes=7, in_channels=16, num_instances=4, num_heads=2)
    assert head.qkv.bias is None
    assert not any(isinstance(m, torch.nn.MultiheadAttention) for m in head.modules())
    x = torch.randn(3, 4, 16)
    q, k, v = head.qkv(x).chunk(3, dim=-1)
    heads = []
    for h in range(2):  # two heads of 8 features each, written out
        sl = slice(8 * h, 8 * (h + 1))
        attn = torch.softmax(q[..., sl] @ k[..., sl].transpose(1, 2) / 8 ** 0.5, dim=-1)
        heads.append(attn @ v[..., sl])
    gated = x * torch.sigmoid(head.norm(torch.cat(heads, dim=-1)))  # no residual
    torch.testing.assert_close(head.forward_features(x), head.merge(gated).squeeze(1))


def _torchvision_r3d18_state(seed: int = 0) -> dict:
    """A state dict in torchvision's r3d_18 layout (names and shapes), random values."""
    gen = torch.Generator().manual_seed(seed)
    state = {}

    def bn(prefix, c):
        state.update({f'{prefix}.weight': torch.rand(c, generator=gen) + 0.5,
                      f'{prefix}.bias': torch.randn(c, generator=gen),
                      f'{prefix}.running_mean': torch.randn(c, generator=gen),
                      f'{prefix}.running_var': torch.rand(c, generator=gen) + 0.5,
                      f'{prefix}.num_batches_tracked': torch.tensor(7)})

    state['stem.0.weight'] = torch.randn(64, 3, 3, 7, 7, generator=gen)
    bn('stem.1', 64)
    c_in = 64
    for layer, c in zip(range(1, 5), (64, 128, 256, 512), strict=True):
        for block in range(2):
            p = f'layer{layer}.{block}'
            state[f'{p}.conv1.0.weight'] = torch.randn(c, c_in if block == 0 else c, 3, 3, 3,
                                                       generator=gen)
            bn(f'{p}.conv1.1', c)
            state[f'{p}.conv2.0.weight'] = torch.randn(c, c, 3, 3, 3, generator=gen)
            bn(f'{p}.conv2.1', c)
            if block == 0 and layer > 1:
                state[f'{p}.downsample.0.weight'] = torch.randn(c, c_in, 1, 1, 1, generator=gen)
                bn(f'{p}.downsample.1', c)
        c_in = c
    state['fc.weight'], state['fc.bias'] = torch.randn(400, 512), torch.randn(400)
    return state


def test_pretrained_r3d18_loads_from_a_local_torchvision_file(tmp_path):
    state = _torchvision_r3d18_state()
    path = tmp_path / 'r3d_18-kinetics400.pth'
    torch.save(state, path)
    backbone = M3DFELBackbone(lstm_hidden=8, pretrained=str(path))
    backbone.init_weights()
    enc = backbone.encoder.state_dict()
    torch.testing.assert_close(enc['conv1.conv.weight'], state['stem.0.weight'])
    torch.testing.assert_close(enc['conv1.bn.running_var'], state['stem.1.running_var'])
    torch.testing.assert_close(enc['layer3.0.downsample.bn.bias'],
                               state['layer3.0.downsample.1.bias'])
    torch.testing.assert_close(enc['layer4.1.conv2.conv.weight'], state['layer4.1.conv2.0.weight'])
    assert len(enc) == len(state) - 2  # everything but the Kinetics classifier
    # the pretrained stem convolves like torchvision's (3x7x7, stride (1, 2, 2), padding (1, 3, 3))
    x = torch.randn(1, 3, 4, 32, 32)
    ref = torch.nn.functional.conv3d(x, state['stem.0.weight'], stride=(1, 2, 2), padding=(1, 3, 3))
    torch.testing.assert_close(backbone.encoder.conv1.conv(x), ref, atol=1e-4, rtol=1e-4)


def test_pretrained_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='r3d_18.*not downloaded'):
        M3DFELBackbone(pretrained=str(tmp_path / 'missing.pth'))
    state = _torchvision_r3d18_state()
    del state['layer2.0.downsample.0.weight']
    state['head.weight'] = torch.zeros(1)
    path = tmp_path / 'other.pth'
    torch.save(state, path)
    with pytest.raises(KeyError, match="other.pth: unexpected key 'head.weight'"):
        M3DFELBackbone(lstm_hidden=8, pretrained=str(path)).init_weights()


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
