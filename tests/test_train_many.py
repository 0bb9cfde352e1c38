"""`train_many`: parallel worker trainings with console logs and progress files; the progress
hook and the cost order."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from hdf_bench import zoo
from hdf_bench.engine import cfg as cfgs
from hdf_bench.engine.progress import (
    PROGRESS_FILE,
    ProgressFileHook,
    progress_line,
    read_progress,
)
from hdf_bench.engine.run import Run
from hdf_bench.engine.training import SAM_STEP_COST, train_cost, train_many

TINY = {'train_dataloader.batch_size': 8, 'default_hooks.logger.interval': 1}


def _job(name: str, root: Path, work: Path) -> tuple[Run, Path]:
    run = Run.load(zoo.get(name).ref(recipe='demo'), root, options=TINY)
    cfg = cfgs.with_clip_cache(cfgs.without_validation(run.cfg), work / 'clips')
    cfg = cfgs.with_epochs(cfg, 1, cfgs.iters_per_epoch(cfg))
    return run.edited(cfg), work / 'train' / name


def test_progress_hook_writes_iterations_loss_and_eta(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path), iter=0, max_iters=4)
    hook = ProgressFileHook(interval=2)
    assert read_progress(tmp_path) is None
    hook.before_train(runner)
    assert read_progress(tmp_path)['iter'] == 0 and read_progress(tmp_path)['eta_s'] is None
    hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(2.5)})
    assert read_progress(tmp_path)['iter'] == 0  # interval 2: not written after one iteration
    runner.iter = 1
    hook.after_train_iter(runner, 1, outputs={'loss': torch.tensor(1.5)})
    record = json.loads((tmp_path / PROGRESS_FILE).read_text())
    assert (record['status'], record['iter'], record['max_iters']) == ('running', 2, 4)
    assert record['loss'] == 1.5 and record['eta_s'] >= 0
    assert progress_line('train/x', record).startswith('train/x: 2/4 steps, loss 1.500, ETA ')
    runner.iter = 4
    hook.after_train(runner)
    assert read_progress(tmp_path)['status'] == 'done'
    assert 'done in' in progress_line('train/x', read_progress(tmp_path))
    with pytest.raises(ValueError, match='interval'):
        ProgressFileHook(interval=0)


def test_train_cost_counts_sam_steps_and_bad_arguments(synth_root, tmp_path):
    hdf, _ = _job('hdf', synth_root, tmp_path)
    x3d, _ = _job('x3d_s', synth_root, tmp_path)
    assert train_cost(hdf) == pytest.approx(SAM_STEP_COST * train_cost(x3d))
    with pytest.raises(ValueError, match='workers'):
        train_many([(x3d, tmp_path / 'a')], workers=0)
    with pytest.raises(ValueError, match='share a work dir'):
        train_many([(x3d, tmp_path / 'a'), (hdf, tmp_path / 'a')])


@pytest.mark.slow
def test_train_many_two_workers_logs_progress_and_skips_on_rerun(synth_root, tmp_path, capsys):
    jobs = [_job(name, synth_root, tmp_path) for name in ('x3d_s', 'static_r18')]
    results = train_many(jobs, workers=2, threads=1, log_dir=tmp_path / 'logs')
    out = capsys.readouterr().out
    assert [r.status for r in results] == ['trained', 'trained']
    for (run, work_dir), result in zip(jobs, results, strict=True):
        assert result.run.checkpoint == str(work_dir / 'epoch_1.pth')
        assert Path(result.run.checkpoint).is_file()
        steps = cfgs.iters_per_epoch(run.cfg)
        record = read_progress(work_dir)
        assert record['status'] == 'done' and record['iter'] == record['max_iters'] == steps
        log = (tmp_path / 'logs' / f'train_{run.name}.log').read_text()
        assert 'System environment' in log and 'Epoch(train)' in log  # mmengine's console
        assert list(work_dir.glob('*/*.log'))  # mmengine's own log file stays in the work dir
        assert f'train/{run.name}: {steps}/{steps} steps' in out
    assert 'System environment' not in out
    again = train_many(jobs, workers=2, threads=1, log_dir=tmp_path / 'logs')
    assert [r.status for r in again] == ['skipped', 'skipped']
