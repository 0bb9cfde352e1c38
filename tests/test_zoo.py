"""The model zoo: the table, lookup, the CLI, and every entry built, run and trained."""
from __future__ import annotations

import json
import math

import pytest
import torch

import hdf_bench  # noqa: F401  (registers mmaction2's and hdf-bench's modules)
import hdf_bench.models.c3d  # noqa: F401
import hdf_bench.models.clip2d  # noqa: F401
import hdf_bench.models.m3dfel  # noqa: F401
from hdf_bench import zoo
from hdf_bench.cli.main import main

NAMES = zoo.list_models()
EXPECTED = {'hdf', 'x3d_s', 'x3d_s_sam', 'r3d18', 'r2plus1d18', 'c3d', 'tsm_r18', 'static_r18',
            'm3dfel', 'hdf_no_sam', 'x3d_dam_ce', 'x3d_dsm', 'dam_temporal', 'dam_frequency'}


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_table_names_families_and_configs():
    assert set(NAMES) == EXPECTED and len(NAMES) == len(zoo.ZOO)
    assert [e.family for e in zoo.ZOO if e.family == 'hdf'] == ['hdf']
    for entry in zoo.ZOO:
        assert entry.family in zoo.FAMILIES
        assert entry.paper and entry.description
        assert entry.config_path().is_file(), entry.config
        if entry.paper_config:
            assert entry.config_path(paper_recipe=True).is_file(), entry.paper_config
        assert entry.config_path(recipe='demo').is_file(), entry.demo_config
    assert zoo.list_models('ablation') == ['hdf_no_sam', 'x3d_dam_ce', 'x3d_dsm',
                                           'dam_temporal', 'dam_frequency']


def test_unknown_name_lists_the_zoo():
    with pytest.raises(ValueError, match='zoo models: hdf, x3d_s, x3d_s_sam, r3d18'):
        zoo.get('resnet50')
    with pytest.raises(ValueError, match='families'):
        zoo.list_models('transformers')


def test_cpu_and_paper_configs_differ_in_input_only():
    for name in ('r3d18', 'hdf_no_sam'):
        cpu, paper = zoo.load_config(name), zoo.load_config(name, paper_recipe=True)
        assert (cpu.clip_len, cpu.img_size) == (8, 64)
        assert (paper.clip_len, paper.img_size) == (16, 112)
        assert cpu.model.backbone.type == paper.model.backbone.type
    assert zoo.load_config('hdf_no_sam').optim_wrapper.type == 'OptimWrapper'
    assert zoo.load_config('dam_temporal').optim_wrapper.type == 'SAMOptimWrapper'
    assert zoo.load_config('x3d_s').optim_wrapper.type == 'OptimWrapper'


@pytest.mark.parametrize('name', NAMES)
def test_paper_recipe_steps_on_256_clips_and_scales_lr(name):
    cfg = zoo.load_config(name, paper_recipe=True)
    per_gpu, accum = cfg.train_dataloader.batch_size, cfg.optim_wrapper.accumulative_counts
    assert per_gpu * accum == 256  # on one GPU
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=256 // accum)
    # mmengine's ratio (GPUs x per-GPU batch / base) is global batch / 256
    for gpus in (1, 2, 8):
        ratio = gpus * per_gpu / cfg.auto_scale_lr.base_batch_size
        assert ratio == gpus * per_gpu * accum / 256
    assert not zoo.load_config(name).auto_scale_lr.enable  # CPU preset: lr set for batch 16


@pytest.mark.parametrize('paper_recipe', [False, True])
def test_x3d_s_sam_is_x3d_s_with_hdfs_sam_step(paper_recipe):
    plain, sam = (zoo.load_config(n, paper_recipe) for n in ('x3d_s', 'x3d_s_sam'))
    hdf = zoo.load_config('hdf', paper_recipe)
    assert sam.model == plain.model and sam.model.type == 'Recognizer3D'
    assert sam.optim_wrapper == hdf.optim_wrapper and sam.train_cfg == hdf.train_cfg
    assert sam.optim_wrapper.type == 'SAMOptimWrapper'
    assert sam.train_cfg.type == 'SAMEpochBasedTrainLoop'


def test_cli_table_and_json(capsys):
    assert main(['zoo']) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in NAMES) and 'configs/baselines/m3dfel' in out
    assert main(['zoo', '--json', '--family', 'baseline']) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r['name'] for r in rows] == zoo.list_models('baseline')
    assert set(rows[0]) >= {'name', 'family', 'config', 'paper_config', 'paper', 'description'}


def _batch(model, n: int = 2, clip_len: int = 8, size: int = 64) -> dict:
    from mmaction.structures import ActionDataSample

    inputs = [torch.randint(0, 256, (1, 3, clip_len, size, size), dtype=torch.uint8)
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(i % 7) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name', NAMES)
def test_entry_builds_and_runs_forward_backward_at_cpu_size(name):
    torch.manual_seed(0)
    model = zoo.build_model(name)
    cfg = zoo.load_config(name)
    data = model.data_preprocessor(_batch(model, 2, cfg.clip_len, cfg.img_size), True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert math.isfinite(loss.item())
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert sum(g is not None for g in grads) > 0.9 * len(grads)
    assert all(torch.isfinite(g).all() for g in grads if g is not None)
    model.eval()
    with torch.no_grad():
        out = model.test_step(_batch(model, 2, cfg.clip_len, cfg.img_size))
    assert out[0].pred_score.shape == (7,)


@pytest.mark.slow
@pytest.mark.parametrize('name', NAMES)
def test_entry_trains_and_evaluates_on_synthdfer(name, synth_root, tmp_path):
    """One epoch of 2 iterations (4 clips, batch 2) through mmengine's Runner, then a test."""
    from mmengine.runner import Runner

    cfg = zoo.load_config(name)
    for split in ('train_dataloader', 'test_dataloader'):
        cfg[split].batch_size = 2
        cfg[split].dataset.data_root = str(synth_root)
        cfg[split].dataset.indices = 4
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # evaluated once, by test()
    # mmaction2 1.2.0's ColorJitter.adjust_hue overflows uint8 under numpy 2 for a negative hue
    # shift (a stack bug, reported); this test is about the models, so it trains without it.
    cfg.train_dataloader.dataset.pipeline = [
        step for step in cfg.train_dataloader.dataset.pipeline if step.type != 'ColorJitter']
    cfg.train_cfg.max_epochs = 1
    cfg.work_dir = str(tmp_path)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0.0 <= metrics['dfer/war'] <= 1.0 and 0.0 <= metrics['dfer/uar'] <= 1.0
