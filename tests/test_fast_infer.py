"""The fast inference path gives the eager model's outputs (hdf_bench.engine.fast_infer).

Tolerances: fp32 paths (channels_last, compile) within 1e-4 of the logits' scale; bf16 autocast
within 5e-2 of it and with the same argmax on well-separated logits.
"""
from __future__ import annotations

import argparse
import copy

import pytest
import torch
from mmaction.registry import MODELS
from torch import nn

import hdf_bench  # noqa: F401  (registers the models)
from hdf_bench.engine.fast_infer import (
    FastInfer,
    InferConfig,
    add_infer_arguments,
    apply_infer_cfg,
    infer_cfg_from_args,
    optimize_for_inference,
    to_channels_last,
)
from hdf_bench.models.dam import DAM
from hdf_bench.models.x3d_dam import X3DDAM

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
FP32_TOL = 1e-4
BF16_TOL = 5e-2
FEAT_DIM = 192  # X3D conv5 width at gamma_b=1


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """One torch thread: these small models gain nothing from more, and on a busy shared
    machine a second thread mostly waits (see docs/PERFORMANCE.md)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def small_x3d_dam() -> nn.Module:
    """A narrow X3D with DAM after every stage (3-D and 2-D convolutions, attention)."""
    torch.manual_seed(0)
    model = X3DDAM(gamma_w=1, gamma_b=1, gamma_d=1, dam_stages=(0, 1, 2, 3))
    model.eval()
    return model


def small_recognizer() -> nn.Module:
    from mmengine.registry import init_default_scope

    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='X3DDAM', gamma_w=1, gamma_b=1, gamma_d=1),
        cls_head=dict(type='I3DHead', num_classes=7, in_channels=FEAT_DIM, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    model.init_weights()
    model.eval()
    return model


def clips(batch: int = 2, frames: int = 4, size: int = 32) -> torch.Tensor:
    return torch.randn(batch, 3, frames, size, size, generator=torch.Generator().manual_seed(1))


def assert_close(out: torch.Tensor, ref: torch.Tensor, rel: float) -> None:
    assert out.shape == ref.shape and out.dtype == torch.float32
    scale = ref.abs().max().clamp_min(1e-6)
    assert (out - ref).abs().max() <= rel * scale, float((out - ref).abs().max() / scale)


def test_channels_last_matches_eager():
    model, x = small_x3d_dam(), clips()
    with torch.no_grad():
        ref = model(x)
    fast = optimize_for_inference(copy.deepcopy(model), channels_last=True)
    assert isinstance(fast, FastInfer)
    conv = fast.module.conv1_s.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last_3d)
    assert_close(fast(x), ref, FP32_TOL)


def test_to_channels_last_handles_2d_and_3d_weights():
    model = to_channels_last(small_x3d_dam())
    dam_conv = model.dams['0'].frequency.conv.weight  # 4-D inside a 3-D network
    assert dam_conv.is_contiguous(memory_format=torch.channels_last)
    assert model.conv5.conv.weight.is_contiguous(memory_format=torch.channels_last_3d)


def test_bf16_autocast_agrees():
    model, x = small_x3d_dam(), clips(batch=4)
    head = nn.Linear(FEAT_DIM, 7)
    nn.init.normal_(head.weight, std=1.0)
    with torch.no_grad():
        ref = model(x)
        fast = optimize_for_inference(copy.deepcopy(model), channels_last=False, dtype='bf16')
        out = fast(x)
        ref_logits, logits = head(ref.mean(dim=(2, 3, 4))), head(out.mean(dim=(2, 3, 4)))
    assert out.dtype == torch.float32
    assert_close(out, ref, BF16_TOL)
    top2 = ref_logits.topk(2).values
    clear = (top2[:, 0] - top2[:, 1]) > BF16_TOL * ref_logits.abs().max()
    assert torch.equal(logits.argmax(1)[clear], ref_logits.argmax(1)[clear])


def test_recognizer_optimised_in_place_keeps_test_step_and_state_dict():
    model, x = small_recognizer(), clips()[:, None]
    keys = set(model.state_dict())
    with torch.no_grad():
        ref = model(x, mode='tensor', stage='head')
    out_model = apply_infer_cfg(model, dict(channels_last=True))
    assert out_model is model and set(model.state_dict()) == keys
    with torch.no_grad():
        out = model(x, mode='tensor', stage='head')
    assert_close(out, ref, FP32_TOL)
    data = dict(inputs=[torch.zeros(1, 3, 4, 32, 32, dtype=torch.uint8)] * 2,
                data_samples=None)
    from mmaction.structures import ActionDataSample
    data['data_samples'] = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    preds = model.test_step(data)
    assert len(preds) == 2 and preds[0].pred_score.shape == (7,)


def test_infer_cfg_from_dict_and_cli():
    assert InferConfig.from_dict(dict(bf16=True)).dtype == 'bf16'
    assert InferConfig.from_dict(None) == InferConfig()
    with pytest.raises(ValueError, match='unknown infer_cfg keys'):
        InferConfig.from_dict(dict(fast=True))
    with pytest.raises(ValueError, match='dtype must be one of'):
        InferConfig(dtype='int8')
    with pytest.raises(ValueError, match='compile must be'):
        InferConfig(compile='fastest')
    parser = argparse.ArgumentParser()
    add_infer_arguments(parser)
    assert infer_cfg_from_args(parser.parse_args([])) == {}
    args = parser.parse_args(['--channels-last', '--bf16', '--compile', 'max-autotune'])
    assert infer_cfg_from_args(args) == dict(channels_last=True, bf16=True,
                                             compile='max-autotune')
    assert infer_cfg_from_args(parser.parse_args(['--compile'])) == dict(
        compile=True, channels_last=False)


def test_fp16_refused_on_cpu():
    with pytest.raises(ValueError, match='only supported on CUDA'):
        optimize_for_inference(small_x3d_dam(), dtype='fp16')


def test_cuda_graphs_ignored_on_cpu():
    model, x = small_x3d_dam(), clips()
    with torch.no_grad():
        ref = model(x)
    fast = optimize_for_inference(copy.deepcopy(model), channels_last=False, cuda_graphs=True)
    assert_close(fast(x), ref, FP32_TOL)


def test_compile_dam_matches_eager():
    torch.manual_seed(0)
    dam = DAM().eval()
    x = torch.randn(2, 24, 4, 16, 16)
    with torch.no_grad():
        ref = dam(x)
    fast = optimize_for_inference(copy.deepcopy(dam), channels_last=True, compile=True)
    assert_close(fast(x), ref, FP32_TOL)


@pytest.mark.slow
def test_compile_x3d_dam_matches_eager():
    model, x = small_x3d_dam(), clips()
    with torch.no_grad():
        ref = model(x)
    fast = optimize_for_inference(copy.deepcopy(model), channels_last=True, compile=True)
    assert_close(fast(x), ref, FP32_TOL)


@pytest.fixture
def no_tf32():
    """fp32 comparisons on CUDA without TF32 (restored afterwards)."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


@CUDA
@pytest.mark.parametrize('opts', [
    dict(channels_last=True),
    dict(channels_last=True, cuda_graphs=True),
    pytest.param(dict(channels_last=True, compile='max-autotune'), marks=pytest.mark.slow),
    pytest.param(dict(channels_last=True, compile=True, cuda_graphs=True),
                 marks=pytest.mark.slow),
])
def test_cuda_fp32_paths_match_eager(opts, no_tf32):
    model, x = small_x3d_dam().cuda(), clips().cuda()
    with torch.no_grad():
        ref = model(x)
    fast = optimize_for_inference(copy.deepcopy(model), **opts)
    for _ in range(3):  # capture, then replays
        out = fast(x)
    assert_close(out, ref, 1e-3)  # cuDNN picks other algorithms per layout


@CUDA
def test_cuda_graphs_replay_new_inputs(no_tf32):
    model = small_x3d_dam().cuda()
    fast = optimize_for_inference(copy.deepcopy(model), channels_last=True, cuda_graphs=True)
    for seed in range(3):
        x = torch.randn(2, 3, 4, 32, 32, device='cuda',
                        generator=torch.Generator(device='cuda').manual_seed(seed))
        with torch.no_grad():
            ref = model(x)
        assert_close(fast(x), ref, 1e-3)


@CUDA
def test_cuda_bf16_agrees():
    model, x = small_x3d_dam().cuda(), clips().cuda()
    with torch.no_grad():
        ref = model(x)
    fast = optimize_for_inference(copy.deepcopy(model), channels_last=True, dtype='bf16',
                                  cuda_graphs=True)
    assert_close(fast(x), ref, BF16_TOL)


@CUDA
def test_cuda_recognizer_with_graphs_and_bf16_keeps_predictions():
    model = small_recognizer().cuda()
    x = clips(batch=4).cuda()[:, None]
    with torch.no_grad():
        ref = model(x, mode='tensor', stage='head')
    apply_infer_cfg(model, dict(channels_last=True, bf16=True, cuda_graphs=True))
    with torch.no_grad():
        for _ in range(2):
            out = model(x, mode='tensor', stage='head')
    assert_close(out, ref, BF16_TOL)


def test_recognizer_second_application_replaces_the_first():
    model, x = small_recognizer(), clips()[:, None]
    with torch.no_grad():
        ref = model(x, mode='tensor', stage='head')
    apply_infer_cfg(model, dict(channels_last=True, bf16=True))
    apply_infer_cfg(model, dict(channels_last=True))
    assert model.infer_cfg.dtype == 'fp32'
    with torch.no_grad():
        out = model(x, mode='tensor', stage='head')
    assert_close(out, ref, FP32_TOL)
