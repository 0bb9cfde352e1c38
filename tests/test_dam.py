"""DAM: shapes, gradients, the DCT basis, parameter count, the figure/release defaults and their
switches, and the fast forward against a plain reference."""
import pytest
import torch
import torch.nn.functional as F

from hdf_bench.models.dam import DAM, dct_basis

SHAPES = [(2, 8, 8, 7, 7), (1, 3, 1, 3, 5), (2, 5, 3, 1, 1), (2, 24, 16, 9, 11),
          (1, 432, 8, 2, 2), (3, 7, 5, 6, 4)]


@pytest.mark.parametrize('branches', ['both', 'temporal', 'frequency'])
@pytest.mark.parametrize('shape', SHAPES)
def test_dam_keeps_shape_and_is_finite(shape, branches):
    torch.manual_seed(0)
    dam = DAM(branches=branches).train()
    x = torch.randn(*shape, requires_grad=True)
    out = dam(x)
    assert out.shape == x.shape
    out.square().mean().backward()
    assert torch.isfinite(out).all() and torch.isfinite(x.grad).all()
    assert all(torch.isfinite(p.grad).all() for p in dam.parameters())


@pytest.mark.parametrize('dispersion_init', [0.0, 1.0])
def test_gradients_reach_every_parameter(dispersion_init):
    torch.manual_seed(0)
    dam = DAM(dispersion_init=dispersion_init).train()
    x = torch.randn(2, 6, 8, 9, 9)
    (dam(x) * torch.randn_like(x)).sum().backward()
    for name, p in dam.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_dct_basis_is_orthonormal_and_a_buffer():
    b = dct_basis(7).reshape(49, 49).double()
    torch.testing.assert_close(b @ b.T, torch.eye(49, dtype=torch.float64), atol=1e-6, rtol=0)
    dam = DAM()
    assert 'frequency.basis' in dict(dam.named_buffers())
    assert not any(p is dam.frequency.basis for p in dam.parameters())
    # the DC filter is constant: it averages the 7x7 neighbourhood
    torch.testing.assert_close(dct_basis(7)[0], torch.full((1, 7, 7), 1 / 7))


def test_parameter_count_is_small_and_independent_of_c_and_t():
    dam = DAM()
    n = sum(p.numel() for p in dam.parameters())
    # temporal: a, b, g, d + Linear(2, 16) + qkv Linear(16, 48) = 4 + 48 + 816
    # frequency: perturbation, gamma, beta (49 each) + alpha + Conv2d(49, 1, 7, no bias)
    #   = 148 + 2401
    # fusion: w_t, w_s
    assert n == 868 + 2549 + 2 == 3419
    assert sum(p.numel() for p in DAM(branches='temporal').parameters()) == 868 + 1
    assert sum(p.numel() for p in DAM(branches='frequency').parameters()) == 2549 + 1
    assert sum(p.numel() for p in DAM(conv_bias=True).parameters()) == 3420


def test_fusion_weights_start_at_paper_values():
    dam = DAM()
    assert dam.w_t.item() == pytest.approx(0.8) and dam.w_s.item() == pytest.approx(0.3)
    assert dam.temporal.a.item() == dam.temporal.b.item() == pytest.approx(0.5)


def test_gates_lie_in_unit_interval_and_output_is_bounded_by_them():
    torch.manual_seed(0)
    dam = DAM().eval()
    x = torch.rand(2, 4, 6, 8, 8) + 0.1  # positive, so out / x is the overall scale
    gt, gs = dam.temporal(x), dam.frequency(x)
    assert gt.shape == (2, 1, 6, 1, 1) and gs.shape == (2, 1, 1, 8, 8)
    assert ((gt > 0) & (gt < 1)).all() and ((gs > 0) & (gs < 1)).all()
    ratio = dam(x) / x
    expected = (0.8 * (1 + gt) + 0.3 * (1 + gs)) / 2
    torch.testing.assert_close(ratio, expected.expand_as(ratio))


def test_defaults_are_the_figure_and_release_values():
    dam = DAM()
    assert dam.temporal.d.item() == 0.0 and dam.temporal.descriptor == 'avg'
    assert dam.frequency.alpha.item() == 0.5 and dam.frequency.conv.bias is None
    assert dam.frequency.perturb_in_eval


def test_perturbation_acts_in_eval_by_default():
    torch.manual_seed(0)
    dam = DAM(branches='frequency').eval()
    x = torch.randn(2, 4, 4, 8, 8)
    before = dam(x)
    with torch.no_grad():
        dam.frequency.perturb.fill_(0.5)
    assert not torch.allclose(dam(x), before)
    # train and eval see the same gate (no dropout / batch statistics in DAM)
    torch.testing.assert_close(dam.train()(x), dam.eval()(x))


def test_perturbation_only_in_training_when_asked():
    torch.manual_seed(0)
    dam = DAM(branches='frequency', perturb_in_eval=False)
    x = torch.randn(2, 4, 4, 8, 8)
    dam.eval()
    before = dam(x)
    with torch.no_grad():
        dam.frequency.perturb.fill_(0.5)
    torch.testing.assert_close(dam(x), before)  # eval: no perturbation
    dam.train()
    assert not torch.allclose(dam(x), before)


def test_temporal_gate_ignores_channel_order():
    torch.manual_seed(0)
    dam = DAM(branches='temporal').eval()
    x = torch.randn(2, 10, 8, 5, 5)
    perm = torch.randperm(10)
    torch.testing.assert_close(dam.temporal(x[:, perm]), dam.temporal(x))


def _clip_with_a_shuffled_max(seed=0):
    """x whose average-pooled descriptor is constant over time while the max changes."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(1, 3, 6, 4, 4)
    for t in range(6):  # one spike per frame, at a random place, balanced by a dip
        i, j = torch.randint(0, 4, (2,), generator=gen)
        x[0, :, t, i, j] = 1.0 + t
        x[0, :, t, (i + 1) % 4, j] = -1.0 - t
    return x


@pytest.mark.parametrize('descriptor', ['avg', 'fused'])
def test_difference_and_dispersion_follow_the_chosen_descriptor(descriptor):
    """avg (figure): a clip with a constant frame average has no difference and no dispersion,
    so the robust descriptor is sigmoid(g * fused); 'fused' sees the changing max."""
    torch.manual_seed(0)
    branch = DAM(branches='temporal', descriptor=descriptor, dispersion_init=1.0).temporal
    x = _clip_with_a_shuffled_max()
    tokens = branch.tokens(x)
    avg, mx = x.mean(dim=(3, 4)), x.amax(dim=(3, 4))
    robust = torch.sigmoid(branch.g * (branch.a * avg + branch.b * mx))
    plain = torch.stack([robust.mean(1), robust.amax(1)], dim=-1)
    if descriptor == 'avg':
        torch.testing.assert_close(tokens, plain.detach(), atol=2e-3, rtol=0)
    else:
        assert (tokens - plain).abs().max() > 0.05


def test_difference_is_taken_along_time():
    """One odd frame (3) in a static clip: frames 3 and 4 differ from their previous frame, the
    others do not; frame 4 equals frame 0 but its token is lowered by the difference."""
    torch.manual_seed(0)
    branch = DAM(branches='temporal').temporal
    x = torch.randn(1, 5, 1, 4, 4).repeat(1, 1, 6, 1, 1)
    x[:, :, 3] += 1.0
    tokens = branch.tokens(x)[0, :, 0]  # mean over channels of the robust descriptor, per frame
    torch.testing.assert_close(tokens[[1, 2, 5]], tokens[0].expand(3), atol=2e-3, rtol=0)
    assert tokens[4] < tokens[0] - 0.05


def reference_forward(dam: DAM, x: torch.Tensor) -> torch.Tensor:
    """DAM's forward written plainly (torch's std over the 49 maps, a contiguous conv, explicit
    attention): the version before the speed changes, with the same settings."""
    t, fq = dam.temporal, dam.frequency
    avg, mx = x.mean(dim=(3, 4)), x.amax(dim=(3, 4))
    fused = t.a * avg + t.b * mx
    src = avg if t.descriptor == 'avg' else fused
    dispersion = (src - src.mean(dim=2, keepdim=True)).abs()
    step = src[:, :, 1:] - src[:, :, :-1]
    diff = F.pad((step.pow(2).mean(dim=1, keepdim=True) + t.eps).sqrt(), (1, 0))
    robust = torch.sigmoid(t.g * fused + t.d * dispersion - diff)
    tokens = torch.stack([robust.mean(dim=1), robust.amax(dim=1)], dim=-1)
    q, k, v = t.qkv(t.embed(tokens)).chunk(3, dim=-1)
    attn = (q @ k.transpose(1, 2) * q.shape[-1] ** -0.5).softmax(dim=-1)
    gate_t = torch.sigmoid((attn @ v).mean(dim=-1))[:, None, :, None, None]

    m = x.mean(dim=(1, 2))[:, None]
    f = F.conv2d(m, fq.basis, padding=3)
    if fq.training or fq.perturb_in_eval:
        dev = f - f.mean(dim=(2, 3), keepdim=True)
        spread = (dev.pow(2).mean(dim=(2, 3), keepdim=True) + fq.eps).sqrt()
        f = f + fq.perturb * spread * torch.sign(dev)
    std = (f.var(dim=1, keepdim=True, correction=0) + fq.eps).sqrt()
    f = torch.tanh(fq.alpha / std * f) * fq.gamma + fq.beta
    gate_s = torch.sigmoid(fq.conv(f.contiguous()))[:, :, None]
    return x * ((dam.w_t * (1 + gate_t) + dam.w_s * (1 + gate_s)) / 2)


@pytest.mark.parametrize('shape', [(1, 24, 8, 16, 16), (2, 48, 8, 8, 8), (1, 192, 8, 2, 2),
                                   (3, 7, 5, 9, 11)])
@pytest.mark.parametrize('train', [False, True])
def test_fast_forward_matches_the_plain_reference(shape, train):
    torch.manual_seed(0)
    dam = DAM(dispersion_init=0.7, conv_bias=True).train(train)
    with torch.no_grad():  # trained-looking parameters, not the initial values
        for p in dam.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.randn(*shape)
    with torch.no_grad():
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match='branches'):
        DAM(branches='spatial')
    with pytest.raises(ValueError, match='descriptor'):
        DAM(descriptor='max')
    with pytest.raises(ValueError, match='N, C, T, H, W'):
        DAM()(torch.randn(2, 3, 8, 8))


@pytest.mark.parametrize('descriptor', ['avg', 'fused'])
@pytest.mark.parametrize('perturb_in_eval', [True, False])
@pytest.mark.parametrize('shape', [(1, 24, 8, 16, 16), (1, 7, 5, 9, 11), (1, 3, 1, 1, 2),
                                   (1, 192, 8, 2, 2)])
def test_batch_one_plan_matches_the_plain_reference(shape, descriptor, perturb_in_eval):
    """One clip in evaluation without autograd on CPU takes the plan (hdf_bench/models/
    dam_plan.py); it computes the same function as the differentiable path."""
    torch.manual_seed(0)
    dam = DAM(dispersion_init=0.7, conv_bias=descriptor == 'fused', descriptor=descriptor,
              perturb_in_eval=perturb_in_eval).eval()
    with torch.no_grad():
        for p in dam.parameters():
            p.add_(0.1 * torch.randn_like(p))
        x = torch.randn(*shape)
        assert dam._plan_applies(x)
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)
    assert not dam._plan_applies(torch.randn(2, *shape[1:]))
    assert not dam.train()._plan_applies(x)


@pytest.mark.parametrize('batch', [1, 2])
def test_inference_reuses_nothing_stale(batch):
    """Eval forwards without autograd reuse tensors derived from the parameters; changing a
    parameter in place or loading a state dict must show in the very next output."""
    torch.manual_seed(0)
    dam = DAM(conv_bias=True).eval()
    x = torch.randn(batch, 6, 5, 7, 7)
    with torch.no_grad():
        dam(x)  # fills the cache
        for name, p in dam.named_parameters():
            before = dam(x)
            p.add_(0.3 * torch.randn_like(p) + 0.1)
            after = dam(x)
            torch.testing.assert_close(after, reference_forward(dam, x), atol=1e-6, rtol=1e-6)
            assert not torch.equal(before, after), name
        other = DAM(conv_bias=True)
        other.load_state_dict(dam.state_dict())
        other.eval()
        other(x)
        dam.load_state_dict(DAM(conv_bias=True).state_dict())
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)
        # replaced parameter objects, not edited ones
        dam.temporal.g = torch.nn.Parameter(torch.tensor(2.5))
        dam.frequency.conv.weight = torch.nn.Parameter(torch.randn_like(dam.frequency.conv.weight))
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)
        dam.load_state_dict(DAM(conv_bias=True).state_dict(), assign=True)
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)
    with torch.inference_mode():
        torch.testing.assert_close(dam(x), reference_forward(dam, x), atol=1e-6, rtol=1e-6)


def test_eval_with_autograd_gives_gradients():
    """An eval-mode forward that records autograd (saliency, attacks) reaches every parameter."""
    torch.manual_seed(0)
    dam = DAM(dispersion_init=0.5).eval()
    with torch.no_grad():
        dam(torch.randn(1, 4, 5, 6, 6))  # a cached inference call first
    dam(torch.randn(1, 4, 5, 6, 6)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in dam.parameters())
