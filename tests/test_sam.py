"""SAM optimizer wrapper: ascent then descent, checked by hand on a toy problem."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn

from hdf_bench.engine.sam import SAMOptimWrapper, SAMTrainStepMixin, frozen_bn_stats

W0 = [1.0, -2.0, 0.5]


def f(w, x):
    """A non-quadratic toy loss: 0.5 * sum(x * w^2) + sum(w^3) / 3."""
    return 0.5 * (x * w ** 2).sum() + (w ** 3).sum() / 3


def grad_f(w, x):
    return x * w + w ** 2


class GradNormSink(nn.Module):
    """A submodule that consumes the gradient norm, like DSM's loss."""

    def __init__(self):
        super().__init__()
        self.values = []

    def set_grad_norm(self, value, num_params=None):
        self.values.append(float(value))


class Toy(SAMTrainStepMixin, BaseModel):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(W0, dtype=torch.float64))
        self.seen = []
        self.sink = GradNormSink()

    @property
    def grad_norms(self):
        return self.sink.values

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.seen.append(self.w.detach().clone())
        return dict(loss=f(self.w, inputs))


def make(rho=0.05, lr=0.1, **kwargs):
    model = Toy()
    cfg = dict(type='SAMOptimWrapper', rho=rho, optimizer=dict(type='SGD', lr=lr), **kwargs)
    with DefaultScope.overwrite_default_scope('mmaction'):  # as in a config (default_scope)
        wrapper = build_optim_wrapper(model, cfg)
    return model, wrapper


def test_ascent_then_descent_matches_hand_computation():
    model, wrapper = make()
    assert isinstance(wrapper, SAMOptimWrapper)
    x = torch.tensor([2.0, 1.0, 3.0], dtype=torch.float64)
    w0 = torch.tensor(W0, dtype=torch.float64)
    g0 = grad_f(w0, x)
    e_w = 0.05 * g0 / g0.norm()
    g1 = grad_f(w0 + e_w, x)
    log_vars = model.train_step(dict(inputs=x), wrapper)

    torch.testing.assert_close(model.seen[0], w0)  # first pass at w
    torch.testing.assert_close(model.seen[1], w0 + e_w)  # second pass at w + e_w
    torch.testing.assert_close(model.w.detach(), w0 - 0.1 * g1)  # SGD step from w with g1
    assert model.grad_norms == [pytest.approx(g0.norm().item())]
    assert log_vars['sam_grad_norm'].item() == pytest.approx(g0.norm().item())
    assert log_vars['loss'].item() == pytest.approx(f(w0, x).item())  # logged at w
    assert model.w.grad is None or not model.w.grad.any()  # zeroed after the step


def test_adaptive_sam():
    model, wrapper = make(adaptive=True)
    x = torch.tensor([2.0, 1.0, 3.0], dtype=torch.float64)
    w0 = torch.tensor(W0, dtype=torch.float64)
    g0 = grad_f(w0, x)
    e_w = 0.05 * w0 ** 2 * g0 / (w0.abs() * g0).norm()
    model.train_step(dict(inputs=x), wrapper)
    torch.testing.assert_close(model.seen[1], w0 + e_w)
    torch.testing.assert_close(model.w.detach(), w0 - 0.1 * grad_f(w0 + e_w, x))


def test_gradient_accumulation_steps_once_with_the_mean_sam_gradient():
    model, wrapper = make(accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 2)
    xs = [torch.tensor(v, dtype=torch.float64) for v in ([2.0, 1.0, 3.0], [0.5, 4.0, 1.0])]
    w0 = torch.tensor(W0, dtype=torch.float64)
    sam_grads = []
    for x in xs:
        g0 = grad_f(w0, x)
        sam_grads.append(grad_f(w0 + 0.05 * g0 / g0.norm(), x))
    model.train_step(dict(inputs=xs[0]), wrapper)
    torch.testing.assert_close(model.w.detach(), w0)  # no step yet, weights restored
    model.train_step(dict(inputs=xs[1]), wrapper)
    # the second micro-batch is perturbed from its own gradient, not the accumulated one
    g0 = grad_f(w0, xs[1])
    torch.testing.assert_close(model.seen[3], w0 + 0.05 * g0 / g0.norm())
    torch.testing.assert_close(model.w.detach(), w0 - 0.1 * (sam_grads[0] + sam_grads[1]) / 2)


def test_bf16_autocast_context():
    lin = nn.Linear(4, 2)
    wrapper = SAMOptimWrapper(torch.optim.SGD(lin.parameters(), lr=0.1), dtype='bfloat16')
    with wrapper.optim_context(lin):
        out = lin(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.ascent(out.float().square().mean())
    with wrapper.optim_context(lin):
        out = lin(torch.randn(3, 4))
    wrapper.descent(out.float().square().mean())
    assert all(torch.isfinite(p).all() for p in lin.parameters())
    with pytest.raises(ValueError, match='bfloat16'):
        SAMOptimWrapper(torch.optim.SGD(lin.parameters(), lr=0.1), dtype='float16')


def test_update_params_is_refused():
    lin = nn.Linear(2, 1)
    wrapper = SAMOptimWrapper(torch.optim.SGD(lin.parameters(), lr=0.1))
    with pytest.raises(RuntimeError, match='two forward passes'):
        wrapper.update_params(lin(torch.ones(1, 2)).sum())


def test_plain_wrapper_takes_a_normal_step_and_reports_the_grad_norm():
    model = Toy()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    x = torch.tensor([2.0, 1.0, 3.0], dtype=torch.float64)
    w0 = torch.tensor(W0, dtype=torch.float64)
    model.train_step(dict(inputs=x), wrapper)
    assert len(model.seen) == 1
    torch.testing.assert_close(model.w.detach(), w0 - 0.1 * grad_f(w0, x))
    assert model.grad_norms == [pytest.approx(grad_f(w0, x).norm().item())]


def test_frozen_bn_stats():
    bn = nn.BatchNorm1d(3).train()
    x = torch.randn(8, 3) + 5
    with frozen_bn_stats(bn):
        bn(x)
    assert torch.equal(bn.running_mean, torch.zeros(3)) and bn.momentum == 0.1
    bn(x)
    assert bn.running_mean.abs().sum() > 0


class PlainToy(BaseModel):
    """Toy without a SAM-aware train_step (mmengine's default one, like a plain Recognizer3D)."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(W0, dtype=torch.float64))
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.seen.append(self.w.detach().clone())
        return dict(loss=f(self.w, inputs[0]))


def test_sam_loop_runs_sam_on_a_model_without_a_sam_step(tmp_path):
    """SAMEpochBasedTrainLoop (what the SAM schedule bases set) through mmengine's Runner."""
    from mmengine.runner import Runner

    import hdf_bench  # noqa: F401  (registers the loop)
    x = torch.tensor([2.0, 1.0, 3.0], dtype=torch.float64)
    loader = torch.utils.data.DataLoader([x], batch_size=1, collate_fn=lambda b: dict(inputs=b))
    model = PlainToy()
    runner = Runner(model=model, work_dir=str(tmp_path), train_dataloader=loader,
                    optim_wrapper=dict(type='SAMOptimWrapper', rho=0.05,
                                       optimizer=dict(type='SGD', lr=0.1)),
                    train_cfg=dict(type='SAMEpochBasedTrainLoop', max_epochs=1),
                    default_scope='mmaction', default_hooks=dict(checkpoint=None),
                    env_cfg=dict(dist_cfg=dict(backend='gloo')))
    runner.train()
    w0 = torch.tensor(W0, dtype=torch.float64)
    g0 = grad_f(w0, x)
    e_w = 0.05 * g0 / g0.norm()
    assert len(model.seen) == 2  # two passes: at w, then at w + e_w
    torch.testing.assert_close(model.seen[1], w0 + e_w)
    torch.testing.assert_close(model.w.detach(), w0 - 0.1 * grad_f(w0 + e_w, x))
