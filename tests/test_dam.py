"""DAM: shapes, gradients, the DCT basis, parameter count, train-only perturbation."""
import pytest
import torch

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


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    dam = DAM().train()
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
    # frequency: perturbation, gamma, beta (49 each) + alpha + Conv2d(49, 1, 7) = 148 + 2402
    # fusion: w_t, w_s
    assert n == 868 + 2550 + 2 == 3420
    assert sum(p.numel() for p in DAM(branches='temporal').parameters()) == 868 + 1
    assert sum(p.numel() for p in DAM(branches='frequency').parameters()) == 2550 + 1


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


def test_perturbation_only_in_training():
    torch.manual_seed(0)
    dam = DAM(branches='frequency')
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


def test_rejects_bad_input():
    with pytest.raises(ValueError, match='branches'):
        DAM(branches='spatial')
    with pytest.raises(ValueError, match='N, C, T, H, W'):
        DAM()(torch.randn(2, 3, 8, 8))
