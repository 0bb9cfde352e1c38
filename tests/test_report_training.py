"""The report's training section: logs read next to each checkpoint, DSM's share of the loss."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from synthetic_store import make_synthetic_store

from hdf_bench.cli.main import main
from hdf_bench.report.training_logs import read_training_log


def _log(work_dir, stamp, rows, extra=''):
    path = work_dir / stamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(r) for r in rows) + '\n' + extra)


def _dsm(step, ce, dsc, ib, g, lam_ce, lam_sc):
    return dict(lr=0.01, loss=ce + dsc + ib, loss_ce=ce, loss_dsc=dsc, loss_ib=ib,
                dsm_ce=ce / lam_ce, dsm_dsc=dsc / lam_sc, dsm_ib=ib / lam_sc, lambda_ce=lam_ce,
                lambda_sc=lam_sc, dsm_grad_norm=g, top1_acc=0.5, epoch=1, iter=step, step=step)


def _hdf_resumed(work_dir):
    """Steps 10..100, then a resume that logs 70..120 again (the later log wins on 70..100)."""
    _log(work_dir, '20260101_000000',
         [_dsm(s, 2.5 - s / 100, -0.5, 0.5, 20.0, 9.0, 0.01) for s in range(10, 101, 10)]
         + [{'acc/war': 0.5, 'acc/uar': 0.4, 'step': 1}],  # validation: no loss, step = epoch
         extra='{"loss": 1.0, "st')  # a line cut by a killed run
    _log(work_dir, '20260101_120000',
         [_dsm(s, 1.5, -0.25, 0.25, 30.0, 8.0, 0.02) for s in range(70, 121, 10)])


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('runs')
    _hdf_resumed(root / 'hdf_f1')
    _log(root / 'hdf_f2', '20260102_000000',
         [_dsm(10, 1.2, 0.01, -0.01, 5.0, 8.3, 0.017)]
         + [_dsm(s, 1.0, 0.01, -0.01, 5.0, 8.3, 0.017) for s in (20, 30, 40)])
    _log(root / 'x3d_s', '20260101_000000',  # a baseline: no DSM keys
         [dict(loss=2.0 - 0.1 * s, loss_cls=2.0 - 0.1 * s, step=s) for s in range(1, 11)])
    store = root / 'store'
    make_synthetic_store(store, {'x3d_s': 0.7, 'hdf': 0.8, 'x3d_s_sam': 0.75},
                         {'gaussian_noise': 'noise'}, severities=(1,), folds=('1', '2'),
                         n_clips=60, imbalance=False, checkpoints=dict(
                             hdf=str(root / 'hdf_f{fold}' / 'epoch_3.pth'),
                             x3d_s=str(root / 'x3d_s' / 'epoch_3.pth'),
                             x3d_s_sam=str(root / 'gone' / 'epoch_3.pth')))
    spec = root / 'spec.py'
    spec.write_text("sections = ['training']\nformats = ['md', 'csv']\nn_resamples = 50\n")
    return root, store, spec


def _report(runs, out, *flags):
    root, store, spec = runs
    assert main(['report', '--store', str(store), '--out', str(out), '--spec', str(spec),
                 *flags]) == 0
    return out


def test_reader_merges_a_resumed_run_by_step(runs):
    root, _, _ = runs
    log, why = read_training_log(str(root / 'hdf_f1' / 'epoch_3.pth'))
    assert why == '' and log.attrs['skipped'] == 1
    assert log['step'].tolist() == list(range(10, 121, 10))  # validation line dropped
    assert log.set_index('step').loc[[60, 70, 100], 'loss_ce'].tolist() == [1.9, 1.5, 1.5]
    assert log['share'].iloc[-1] == pytest.approx(0.5 / 2.0)
    assert log['share'].iloc[0] == pytest.approx(1.0 / 3.4)
    baseline, _ = read_training_log(str(root / 'x3d_s' / 'epoch_3.pth'))
    assert 'share' not in baseline and len(baseline) == 10
    assert read_training_log(None) == (None, 'the cells record no checkpoint')
    missing, why = read_training_log(str(root / 'gone' / 'epoch_3.pth'))
    assert missing is None and str(root / 'gone') in why


def test_section_table_matches_hand_computation(runs, tmp_path, capsys):
    out = _report(runs, tmp_path / 'report')
    table = pd.read_csv(out / 'tables' / 'training.csv', dtype={'fold': str})
    assert table['model'].tolist() == ['x3d_s', 'hdf', 'hdf']
    # runs are named by their work dir's last two parts: no machine folder in the tables
    root = runs[0]
    assert sorted(table['work_dir']) == sorted(
        f'{root.name}/{name}' for name in ('x3d_s', 'hdf_f1', 'hdf_f2'))
    assert str(root.parent) not in (out / 'tables' / 'training.csv').read_text()
    rows = {(m, f): r for m, f, r in zip(table['model'], table['fold'],
                                         table.to_dict('records'), strict=True)}
    base = rows[('x3d_s', '1, 2')]  # both folds' cells come from one work dir: one row
    assert base['steps'] == 10 and not base['dsm']
    assert base['first_loss'] == pytest.approx(1.9) and base['last_loss'] == pytest.approx(1.0)
    assert pd.isna(base['dsm_share']) and pd.isna(base['g'])
    resumed = rows[('hdf', '1')]
    assert resumed['steps'] == 12 and resumed['last_step'] == 120  # 10 + 6 logged, 4 shared
    # first / last 10 % of 12 steps = 2 steps: 10, 20 (first log) and 110, 120 (resumed log)
    assert resumed['first_loss'] == pytest.approx((2.4 + 2.3) / 2)
    assert resumed['last_loss'] == pytest.approx(1.5)
    # last half = steps 70..120, all from the resumed log
    assert resumed['dsm_share'] == pytest.approx(0.25)
    assert resumed['g'] == pytest.approx(30.0)
    assert resumed['lambda_ce'] == pytest.approx(8.0)
    assert resumed['lambda_sc'] == pytest.approx(0.02)
    fold2 = rows[('hdf', '2')]
    assert fold2['first_loss'] == pytest.approx(1.2) and fold2['last_loss'] == pytest.approx(1.0)
    assert fold2['dsm_share'] == pytest.approx(0.02 / 1.02)
    md = (out / 'report.md').read_text()
    assert "## Training runs and DSM's share of the loss" in md
    assert 'scaled cross-entropy' in md and "SAM's first pass" in md
    gone = str(runs[0] / 'gone')
    assert f'x3d_s_sam (synthdfer fold 1, 2): training log not found: work dir {gone}' in md
    assert 'undecodable' in md
    assert 'note: x3d_s_sam (synthdfer fold 1, 2): training log not found' in \
        capsys.readouterr().out
    figure = out / 'figures' / 'training_curves.png'
    assert figure.read_bytes().startswith(b'\x89PNG')


def test_no_figures_writes_no_figure(runs, tmp_path):
    out = _report(runs, tmp_path / 'report', '--no-figures')
    assert (out / 'tables' / 'training.csv').is_file()
    assert not (out / 'figures').exists()
    assert '![' not in (out / 'report.md').read_text()


def test_cells_without_checkpoint_are_named(tmp_path):
    store = tmp_path / 'store'
    make_synthetic_store(store, {'hdf': 0.8}, {'gaussian_noise': 'noise'}, severities=(1,),
                         n_clips=60, imbalance=False)
    spec = tmp_path / 'spec.py'
    spec.write_text("sections = ['training']\nformats = ['md']\nn_resamples = 50\n")
    assert main(['report', '--store', str(store), '--out', str(tmp_path / 'out'),
                 '--spec', str(spec)]) == 0
    md = (tmp_path / 'out' / 'report.md').read_text()
    assert 'hdf: its clean cells record no checkpoint' in md
