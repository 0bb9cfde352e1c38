"""`hdf-bench demo` end to end (smoke preset): every artefact, then a resume that redoes nothing."""
from __future__ import annotations

import json

import pytest

from hdf_bench.cli.main import main
from hdf_bench.results import ResultsStore


@pytest.mark.slow
def test_demo_smoke_end_to_end_and_resume(tmp_path, capsys):
    run = tmp_path / 'run'
    assert main(['demo', '--preset', 'smoke', '--run-dir', str(run)]) == 0
    summary = json.loads((run / 'demo.json').read_text())
    assert [s['ok'] for s in summary['stages']] == [True] * len(summary['stages'])
    for name in summary['preset']['models']:
        assert (run / 'train' / name / 'epoch_1.pth').is_file()
        assert (run / 'logs' / f'train_{name}.log').is_file()
        assert json.loads((run / 'train' / name / 'progress.json').read_text())['status'] == 'done'
    assert list((run / 'clips').glob('*/*.npy'))  # the clip cache lives in the run folder
    out = capsys.readouterr().out
    assert 'System environment' not in out  # mmengine's dumps go to the logs
    assert 'x3d_s: clean WAR' in out and 'learned' in out.lower()
    assert 'exp_rho10/hdf: trained' in out and 'skip training (final checkpoint exists)' in out
    frame = ResultsStore(run / 'results').frame()
    assert set(frame['axis']) >= {'clean', 'corruption', 'imbalance', 'prior'}
    assert set(frame.loc[frame['axis'] == 'clean', 'model']) == set(summary['preset']['models'])
    html = (run / 'report' / 'report.html').read_text()
    assert 'data:image/png;base64' in html
    assert (run / 'report' / 'report.md').is_file()

    cells = sorted((run / 'results' / 'cells').glob('*.json'))
    stamps = {p: p.stat().st_mtime_ns for p in cells}
    assert main(['demo', '--preset', 'smoke', '--run-dir', str(run)]) == 0
    out = capsys.readouterr().out
    assert '0 cells to compute' in out
    assert out.count(': skipped (0 s)') == 4  # 3 models + 1 long-tailed: nothing trained
    assert {p: p.stat().st_mtime_ns for p in cells} == stamps


def test_default_preset_is_the_demo_setting():
    from hdf_bench.demo import PRESETS
    preset = PRESETS['default']
    assert (preset.synth, preset.recipe, preset.epochs) == ('demo', 'demo', 3)
    assert preset.models == ('hdf', 'x3d_s', 'static_r18')
    assert preset.imbalance_models == ('hdf', 'x3d_s') and preset.rhos == (10.0,)
    for name in preset.models:
        config = preset.model(name).config
        assert config.endswith('_synthdfer_demo.py'), config
    assert PRESETS['smoke'].recipe == 'demo' and PRESETS['full'].recipe == 'paper'


def test_long_tailed_trainings_get_the_balanced_steps(synth_root, tmp_path):
    from hdf_bench.demo import PRESETS, plan_trainings
    from hdf_bench.engine.cfg import iters_per_epoch

    preset = PRESETS['default']
    main_jobs, imbalanced = plan_trainings(tmp_path, synth_root, preset)
    steps = {job.name: preset.epochs * iters_per_epoch(job.cfg) for job, _ in main_jobs}
    assert len(imbalanced) == len(preset.imbalance_models) * len(preset.rhos)
    for job, _ in imbalanced:
        per_epoch = iters_per_epoch(job.cfg)  # of the long-tailed split
        epochs = job.cfg.train_cfg.max_epochs
        assert epochs * per_epoch >= steps[job.name] > (epochs - 1) * per_epoch
        assert epochs >= preset.epochs  # the split is no larger than the balanced one


def test_demo_rejects_bad_worker_counts(tmp_path, capsys):
    for flag in ('--workers', '--threads'):
        assert main(['demo', '--run-dir', str(tmp_path), flag, '0']) == 2
        assert f'{flag}: expected an integer >= 1' in capsys.readouterr().err
    assert not (tmp_path / 'data').exists()


def test_demo_rejects_unknown_preset(tmp_path):
    from hdf_bench.demo import run_demo
    with pytest.raises(ValueError, match='presets: default, smoke, full'):
        run_demo(tmp_path, 'huge')
