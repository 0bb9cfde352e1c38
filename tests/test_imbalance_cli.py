"""`hdf-bench imbalance`: config override, split wiring, train + evaluate + store cells, rerun."""
from __future__ import annotations

import json
import os

import pytest
import torch
from mmengine.config import Config

from hdf_bench.cli.main import main
from hdf_bench.data.classes import CLASSES
from hdf_bench.engine.cfg import with_epochs, with_train_split
from hdf_bench.engine.run import dataset_identity, resolve_model
from hdf_bench.engine.training import final_checkpoint
from hdf_bench.imbalance import read_manifest, read_split
from hdf_bench.imbalance.experiment import ensure_split, prepare_run, run_imbalance
from hdf_bench.imbalance.train import source_split_path, split_format
from hdf_bench.results import ResultsStore
from hdf_bench.results.provenance import StaleCellError, file_digest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HDF_CPU = os.path.join(ROOT, 'configs', 'hdf', 'hdf_x3d_s_synthdfer_cpu.py')
TINY = ['train_dataloader.batch_size=4', 'test_dataloader.batch_size=4',
        'default_hooks.logger.interval=1']


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_with_train_split_overrides_only_training(synth_root, tmp_path):
    cfg = prepare_run(resolve_model('hdf'), data_root=str(synth_root)).cfg
    assert split_format(cfg) == 'dfew'
    source = source_split_path(cfg)
    assert source == (synth_root / 'EmoLabel_DataSplit' / 'train(single-labeled)'
                      / 'set_1.csv').resolve()
    manifest, reused = ensure_split(source, 'dfew', tmp_path / 'lt.csv', 'exp', 10, 0)
    assert not reused
    out = with_train_split(cfg, manifest.split_path)
    assert out.train_dataloader.dataset.ann_file == manifest.split_path
    assert 'ann_file' not in cfg.train_dataloader.dataset  # input left alone
    assert 'ann_file' not in out.test_dataloader.dataset
    assert out.test_dataloader.dataset.data_root == str(synth_root.resolve())
    # the same override as `--cfg-options train_dataloader.dataset.ann_file=...`
    via_options = Config.fromfile(HDF_CPU)
    via_options.merge_from_dict({'train_dataloader.dataset.ann_file': manifest.split_path})
    assert via_options.train_dataloader.dataset.ann_file == out.train_dataloader.dataset.ann_file
    # the reader reads exactly the subset, in DFEW's format
    from mmaction.registry import DATASETS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    dataset = DATASETS.build(out.train_dataloader.dataset)
    labels = [dataset.get_data_info(i)['label'] for i in range(len(dataset))]
    assert len(labels) == manifest.num_clips
    assert [labels.count(c) for c in range(len(CLASSES))] == manifest.chosen
    assert dataset_identity(out) == ('synthdfer', '1')
    # reuse when the manifest matches; a different rho rewrites
    again, reused = ensure_split(source, 'dfew', tmp_path / 'lt.csv', 'exp', 10, 0)
    assert reused and again == manifest
    _, reused = ensure_split(source, 'dfew', tmp_path / 'lt.csv', 'exp', 2, 0)
    assert not reused
    with pytest.raises(FileNotFoundError, match='does not exist'):
        with_train_split(cfg, tmp_path / 'missing.csv')


def test_with_epochs_scales_schedule():
    cfg = Config.fromfile(HDF_CPU)  # 4 epochs, 1.2 warm-up, cosine
    short = with_epochs(cfg, 2, iters_per_epoch=10)
    assert short.train_cfg.max_epochs == 2
    warm, cos = short.param_scheduler
    assert (warm.begin, warm.end) == pytest.approx((0, 0.6))
    assert (cos.begin, cos.end, cos.T_max) == pytest.approx((0.6, 2, 1.4))
    assert final_checkpoint(short, '/w').name == 'epoch_2.pth'
    one = with_epochs(cfg, 1, iters_per_epoch=2)  # warm-up shorter than one iteration: dropped
    assert [s.type for s in one.param_scheduler] == ['CosineAnnealingLR']
    with pytest.raises(ValueError, match='epochs'):
        with_epochs(cfg, 0)


def test_bad_model_and_rho(tmp_path):
    with pytest.raises(ValueError, match='unknown zoo model'):
        resolve_model('nope')
    with pytest.raises(FileNotFoundError, match='config of model'):
        resolve_model('x=/no/such/config.py')
    assert main(['imbalance', '--models', 'hdf', '--rho', '0.5', '--run-dir',
                 str(tmp_path)]) == 2
    assert main(['imbalance', '--models', 'hdf', '--rho', '10', '--run-dir', str(tmp_path),
                 '--prior', 'short=1,2']) == 2  # one weight per class needed
    assert not (tmp_path / 'imbalance').exists()


def test_cli_trains_writes_cells_and_skips_on_rerun(synth_root, tmp_path, capsys):
    run = tmp_path / 'run'
    argv = ['imbalance', '--models', f'hdf={HDF_CPU}', '--rho', '1', '10', '--run-dir',
            str(run), '--data-root', str(synth_root), '--epochs', '1', '--no-val',
            '--prior', 'tail=1,1,1,1,1,5,5', '--cfg-options', *TINY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count('] trained:') == 2 and 'skip training' not in out

    splits = run / 'imbalance' / 'splits'
    manifests = {}
    for rho in (1, 10):
        split = splits / f'synthdfer_fold1_exp_rho{rho}.csv'
        assert split.read_text().startswith('video_name,label\n')  # DFEW's own format
        manifest = read_manifest(split.with_name(split.name + '.manifest.json'))
        assert read_split(split, 'dfew').class_counts().tolist() == manifest.chosen
        manifests[manifest.condition] = manifest
        assert (run / 'imbalance' / f'exp_rho{rho}' / 'hdf' / 'epoch_1.pth').is_file()
    assert len(set(m.num_clips for m in manifests.values())) == 2  # balanced vs long-tailed

    store = ResultsStore(run / 'results')
    records = list(store.records())
    imb = [r for r in records if r['key']['axis'] == 'imbalance']
    prior = [r for r in records if r['key']['axis'] == 'prior']
    assert len(imb) == 2 and len(prior) == 2 * 4  # uniform, train, reversed, tail
    for record in imb:
        key, metrics, meta = record['key'], record['metrics'], record['meta']
        assert (key['model'], key['dataset'], key['fold']) == ('hdf', 'synthdfer', '1')
        assert 0 <= metrics['war'] <= 1 and 0 <= metrics['uar'] <= 1
        assert len(metrics['per_class_recall']) == 7
        assert meta['train_class_counts'] == manifests[key['condition']].chosen
        assert meta['train_status'] == 'trained' and meta['epochs'] == 1
        assert set(metrics['group_recall']) == {'head', 'medium', 'tail'}
        assert len(record['predictions']['preds']) == metrics['num_samples'] > 0
    conditions = {r['key']['condition'] for r in prior}
    assert {'exp_rho1/uniform', 'exp_rho10/reversed', 'exp_rho10/tail'} <= conditions
    for record in prior:
        assert 0 <= record['metrics']['war'] <= 1

    cells = {p.name: p.read_text() for p in (run / 'results' / 'cells').glob('*.json')}
    cell_mtimes = {p: p.stat().st_mtime_ns for p in (run / 'results' / 'cells').glob('*.json')}
    mtimes = {p: p.stat().st_mtime_ns for p in run.glob('imbalance/*/hdf/*.pth')}
    assert main(argv) == 0  # everything stored: neither training nor testing again
    out = capsys.readouterr().out
    assert out.count('already in') == 2 and '] trained:' not in out
    assert {p: p.stat().st_mtime_ns for p in cell_mtimes} == cell_mtimes

    import shutil
    shutil.rmtree(run / 'results')  # checkpoints kept, cells lost: test again, no training
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count('skip training (final checkpoint exists)') == 2 and '] trained:' not in out
    assert {p: p.stat().st_mtime_ns for p in run.glob('imbalance/*/hdf/*.pth')} == mtimes
    assert out.count('(reused)') == 2
    rerun = {p.name: json.loads(p.read_text()) for p in (run / 'results' / 'cells').glob('*.json')}
    assert set(rerun) == set(cells)
    for name, record in rerun.items():  # same checkpoint, same predictions
        assert record['metrics'] == json.loads(cells[name])['metrics']

    # "retrained" under the same name and path: its cells are recomputed, or refused
    ckpt1, ckpt10 = (run / 'imbalance' / f'exp_rho{rho}' / 'hdf' / 'epoch_1.pth' for rho in (1, 10))
    shutil.copy(ckpt1, ckpt10)
    with pytest.raises(StaleCellError, match='checkpoint'):
        run_imbalance([f'hdf={HDF_CPU}'], [10], run, data_root=synth_root, epochs=1,
                      validate=False, cfg_options=dict(o.split('=') for o in TINY),
                      log=None, on_stale='error')
    capsys.readouterr()
    assert main([*argv, '--on-stale', 'error']) != 0  # the CLI refuses too, naming the cause
    assert 'checkpoint' in capsys.readouterr().err
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count('already in') == 1 and out.count('skip training') == 1
    store = ResultsStore(run / 'results')
    digest = file_digest(ckpt1)
    assert {r['provenance']['checkpoint'] for r in store.records()} == {digest}

def test_plan_imbalance_returns_split_trainings_without_training(synth_root, tmp_path):
    from hdf_bench.imbalance.experiment import plan_imbalance
    run = prepare_run(resolve_model('x3d_s'), data_root=str(synth_root), validate=False)
    jobs = plan_imbalance([run, 'hdf'], [10], tmp_path, epochs=1, data_root=str(synth_root),
                          validate=False, log=None)
    assert [(j.run.name, j.work_dir) for j in jobs] == [
        ('x3d_s', tmp_path.resolve() / 'imbalance' / 'exp_rho10' / 'x3d_s'),
        ('hdf', tmp_path.resolve() / 'imbalance' / 'exp_rho10' / 'hdf')]
    for job in jobs:
        assert job.run.cfg.train_dataloader.dataset.ann_file == job.manifest.split_path
        assert job.run.cfg.train_cfg.max_epochs == 1 and job.run.cfg.val_dataloader is None
        assert (job.dataset, job.fold) == ('synthdfer', '1')
        assert job.manifest.rho == 10 and job.manifest.num_clips < 21
    assert not list(tmp_path.glob('imbalance/*/*/*.pth'))  # planned, not trained


def test_steps_give_whole_epochs_of_each_split_that_reach_them(synth_root, tmp_path):
    from hdf_bench.imbalance.experiment import plan_imbalance
    run = prepare_run(resolve_model('x3d_s'), data_root=str(synth_root), validate=False)
    batch = run.cfg.train_dataloader.batch_size
    for steps in (1, 5, 7):
        jobs = plan_imbalance([run], [1, 10], tmp_path, steps=steps, log=None)
        for job in jobs:
            per_epoch = -(-job.manifest.num_clips // batch)
            epochs = job.run.cfg.train_cfg.max_epochs
            assert epochs * per_epoch >= steps > (epochs - 1) * per_epoch, (steps, per_epoch)
    with pytest.raises(ValueError, match='epochs or steps, not both'):
        plan_imbalance([run], [10], tmp_path, steps=5, epochs=1, log=None)
    with pytest.raises(ValueError, match='steps must be an integer >= 1'):
        plan_imbalance([run], [10], tmp_path, steps=0, log=None)
