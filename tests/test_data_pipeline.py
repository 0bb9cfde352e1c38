"""Dataset configs -> registered dataset -> mmaction pipeline -> packed inputs with clip_id."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import hdf_bench  # noqa: F401
from hdf_bench.evaluation.dfer_metric import DFERMetric

CONFIGS = Path(__file__).resolve().parents[1] / 'configs' / '_base_' / 'datasets'


def _build(cfg_name: str, loader: str, **overrides):
    init_default_scope('mmaction')
    cfg = Config.fromfile(str(CONFIGS / f'{cfg_name}.py'))
    dataset_cfg = cfg[loader]['dataset']
    dataset_cfg.update(overrides)
    return cfg, DATASETS.build(dataset_cfg)


@pytest.mark.parametrize('cfg_name, frames, size', [('synthdfer_cpu', 8, 64),
                                                    ('synthdfer', 16, 112)])
@pytest.mark.parametrize('loader', ['train_dataloader', 'test_dataloader'])
def test_synthdfer_configs_give_inputs_of_the_right_shape(synth_root, cfg_name, frames, size,
                                                          loader):
    cfg, dataset = _build(cfg_name, loader, data_root=str(synth_root))
    assert cfg.val_evaluator == dict(type='DFERMetric') == cfg.test_evaluator
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    short = min(range(len(infos)), key=lambda i: infos[i]['total_frames'])
    for idx in {0, short}:
        out = dataset[idx]
        assert out['inputs'].shape == (1, 3, frames, size, size)
        assert out['inputs'].dtype == torch.uint8
        assert out['data_samples'].metainfo['clip_id'] == infos[idx]['clip_id']
    assert infos[short]['total_frames'] < frames or frames == 8  # a short clip was decoded


def test_corruption_point_is_right_after_raw_frame_decode():
    for name in ('synthdfer', 'synthdfer_cpu', 'dfew', 'ferv39k', 'mafw'):
        cfg = Config.fromfile(str(CONFIGS / f'{name}.py'))
        types = [t['type'] for t in cfg.test_pipeline]
        assert types[:2] == ['SegmentCentreSample', 'RawFrameDecode'], name
        assert cfg.train_pipeline[0]['type'] == 'UniformSample', name  # random in segment
        assert types[2] == 'Resize' and types[-1] == 'PackActionInputs', name
        assert 'clip_id' in cfg.test_pipeline[-1]['meta_keys'], name
        assert cfg.val_evaluator['type'] == 'DFERMetric', name


def test_short_clip_frames_repeat_in_order(make_dfew):
    root = make_dfew(frames={1: 5, 2: 20, 3: 3, 4: 30})
    _, dataset = _build('synthdfer', 'test_dataloader', data_root=str(root), split='train',
                        pipeline=[dict(type='UniformSample', clip_len=16, test_mode=True)])
    inds = dataset[2]['frame_inds'].tolist()  # clip 00003: 3 frames
    assert len(inds) == 16 and inds == sorted(inds) and set(inds) == {0, 1, 2}


def test_packed_sample_reaches_dfer_metric_with_clip_id(synth_root):
    _, dataset = _build('synthdfer_cpu', 'val_dataloader', data_root=str(synth_root))
    metric = DFERMetric()
    sample = dataset[0]['data_samples']
    sample.set_field(torch.eye(7)[sample.gt_label.item()], 'pred_score')
    metric.process({}, [sample.to_dict()])
    result = metric.compute_metrics(metric.results)
    assert metric.last_predictions[0]['sample_id'] == dataset.get_data_info(0)['clip_id']
    assert result['war'] == 1.0


@pytest.mark.parametrize('name, fixture', [('dfew', 'make_dfew'), ('ferv39k', 'make_ferv39k'),
                                           ('mafw', 'make_mafw')])
def test_real_dataset_configs_build_on_fixtures(request, name, fixture):
    root = request.getfixturevalue(fixture)()
    _, dataset = _build(name, 'test_dataloader', data_root=str(root))
    out = dataset[0]
    assert out['inputs'].shape == (1, 3, 16, 112, 112)
    assert 'clip_id' in out['data_samples'].metainfo
