"""Config -> runner: train HDF (SAM) on a tiny SynthDFER, validate, resume, test."""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

CONFIG = 'configs/hdf/hdf_x3d_s_synthdfer_cpu.py'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_cfg(synth_root, work_dir, max_epochs):
    cfg = Config.fromfile(os.path.join(ROOT, CONFIG))
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[name]
        loader.dataset.data_root = str(synth_root)
        loader.batch_size = 4
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.launcher = 'none'
    return cfg


def test_train_validate_resume_test(synth_root, tmp_path):
    torch.set_num_threads(1)
    work_dir = tmp_path / 'work'
    runner = Runner.from_cfg(tiny_cfg(synth_root, work_dir, max_epochs=1))
    runner.train()
    assert type(runner.optim_wrapper).__name__ == 'SAMOptimWrapper'
    scalars = runner.message_hub.log_scalars
    for key in ('val/dfer/war', 'val/dfer/uar', 'train/loss_ce', 'train/loss_dsc',
                'train/loss_ib', 'train/lambda_ce', 'train/sam_grad_norm'):
        assert key in scalars, key
    war = scalars['val/dfer/war'].current()
    assert 0 <= war <= 1
    ckpt = work_dir / 'epoch_1.pth'
    assert ckpt.is_file()
    dsm = runner.model.cls_head.loss_cls
    g = dsm.grad_norm.item()
    assert g > 0 and g != 1.0  # fed by SAM's first pass, not the initial value

    # resume from the checkpoint for one more epoch: the DSM scaling state comes back too
    cfg = tiny_cfg(synth_root, work_dir, max_epochs=2)
    cfg.resume, cfg.load_from = True, str(ckpt)
    cfg.train_cfg.val_begin = 3  # validated above already: keep the test short
    resumed = Runner.from_cfg(cfg)
    resumed.load_or_resume()
    assert resumed.epoch == 1
    assert resumed.model.cls_head.loss_cls.grad_norm.item() == pytest.approx(g)
    resumed.train()
    assert resumed.epoch == 2 and (work_dir / 'epoch_2.pth').is_file()

    # test the last checkpoint
    cfg = tiny_cfg(synth_root, tmp_path / 'test', max_epochs=2)
    cfg.load_from = str(work_dir / 'epoch_2.pth')
    metrics = Runner.from_cfg(cfg).test()
    assert {'dfer/war', 'dfer/uar'} <= set(metrics)
    assert 0 <= metrics['dfer/uar'] <= 1
    assert glob.glob(str(work_dir / '*' / '*.log'))
