"""HDF recognizer and X3DDAM backbone on random clips (no data set needed)."""
import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope

from hdf_bench.engine.sam import SAMOptimWrapper
from hdf_bench.models import HDF, X3DDAM

MODEL_CFG = 'configs/_base_/models/hdf_x3d_s.py'


@pytest.fixture(autouse=True)
def _scope():
    torch.set_num_threads(1)
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def build(**backbone):
    cfg = Config.fromfile(MODEL_CFG).model
    cfg.backbone.update(backbone)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(n=4, t=4, size=32):
    gen = torch.Generator().manual_seed(1)
    inputs = [torch.randint(0, 256, (1, 3, t, size, size), generator=gen, dtype=torch.uint8)
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(torch.tensor(i % 2)) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def sam(model, **kwargs):
    cfg = dict(type='SAMOptimWrapper', optimizer=dict(type='AdamW', lr=1e-3), **kwargs)
    return build_optim_wrapper(model, cfg)


def test_x3d_dam_without_stages_is_plain_x3d():
    from mmaction.models.backbones import X3D
    torch.manual_seed(0)
    plain = X3D(gamma_w=1, gamma_b=2.25, gamma_d=2.2)
    plain.eval()  # mmaction's X3D.train() returns None
    dammed = X3DDAM(dam_stages=(), gamma_w=1, gamma_b=2.25, gamma_d=2.2).eval()
    dammed.load_state_dict(plain.state_dict())  # strict: same parameters, nothing added
    x = torch.randn(1, 3, 4, 32, 32)
    torch.testing.assert_close(dammed(x), plain(x))
    full = X3DDAM(gamma_w=1, gamma_b=2.25, gamma_d=2.2)
    assert sorted(full.dams) == ['0', '1', '2', '3']
    extra = sum(p.numel() for p in full.parameters()) - sum(p.numel() for p in plain.parameters())
    assert extra == 4 * 3419  # DAM without the conv bias (release)
    with pytest.raises(ValueError, match='dam_stages'):
        X3DDAM(dam_stages=(4,))


def test_sam_step_logs_parts_feeds_dsm_and_updates_bn_once():
    model = build()
    model.train()
    reference = copy.deepcopy(model)
    data = batch()
    wrapper = sam(model)
    assert isinstance(wrapper, SAMOptimWrapper) and isinstance(model, HDF)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log_vars = model.train_step(data, wrapper)
    for key in ('loss', 'loss_ce', 'loss_dsc', 'loss_ib', 'lambda_ce', 'lambda_sc',
                'top1_acc', 'sam_grad_norm'):
        assert torch.isfinite(log_vars[key]), key
    # DSM uses g = 1 (initial) in this step, the first-pass norm from the next step on
    assert log_vars['lambda_ce'].item() == pytest.approx(5.0)
    g = log_vars['sam_grad_norm'].item()
    assert model.cls_head.loss_cls.grad_norm.item() == pytest.approx(g)
    after = model.state_dict()
    assert not torch.equal(after['cls_head.fc.weight'], before['cls_head.fc.weight'])
    assert not torch.equal(after['backbone.dams.0.w_t'], before['backbone.dams.0.w_t'])
    # BatchNorm statistics moved once (first pass), as in one plain forward at w
    with torch.no_grad():
        reference.train()
        reference._run_forward(reference.data_preprocessor(data, True), mode='loss')
    key = 'backbone.conv5.bn.running_mean'
    torch.testing.assert_close(after[key], reference.state_dict()[key])


def test_plain_optimizer_step_feeds_grad_norm():
    model = build(dam_stages=(3,))
    model.train()
    wrapper = build_optim_wrapper(model, dict(type='OptimWrapper',
                                              optimizer=dict(type='AdamW', lr=1e-3)))
    assert type(wrapper) is OptimWrapper
    log_vars = model.train_step(batch(), wrapper)
    assert 'sam_grad_norm' not in log_vars
    g = model.cls_head.loss_cls.grad_norm.item()
    assert g > 0 and g != 1.0


def test_bf16_sam_step_and_predict():
    model = build(dam_stages=(0, 3))
    model.train()
    log_vars = model.train_step(batch(n=2), sam(model, dtype='bfloat16'))
    assert torch.isfinite(log_vars['loss'])
    assert all(torch.isfinite(p).all() for p in model.parameters())
    model.eval()
    with torch.no_grad():
        out = model.test_step(batch(n=2))
    assert out[0].pred_score.shape == (7,)
    assert out[0].pred_score.sum().item() == pytest.approx(1.0, abs=1e-4)  # average_clips='prob'
