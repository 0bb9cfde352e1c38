"""`hdf-bench report` end to end on a synthetic results store."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic_store import make_synthetic_store

from hdf_bench.cli.main import main
from hdf_bench.report import load_spec
from hdf_bench.results import CellKey, ResultsStore

MODELS = {'x3d_s': 0.7, 'hdf': 0.8, 'm3dfel': 0.65}
CORRUPTIONS = {'gaussian_noise': 'noise', 'frame_drop': 'temporal'}


@pytest.fixture(scope='module')
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp('store')
    make_synthetic_store(root, MODELS, CORRUPTIONS, severities=(1, 2), folds=('1', '2'),
                         n_clips=60)
    return root


@pytest.fixture(scope='module')
def latency(tmp_path_factory):
    path = tmp_path_factory.mktemp('bench') / 'bench.json'
    path.write_text(json.dumps({'benchmarks': [
        {'name': f'test_latency[{m}]', 'extra_info': {'model': m},
         'stats': {'mean': 0.01 * (i + 1), 'median': 0.01 * (i + 1)}}
        for i, m in enumerate(MODELS)]}))
    return path


@pytest.fixture(scope='module')
def report(store, latency, tmp_path_factory):
    out = tmp_path_factory.mktemp('report')
    code = main(['report', '--store', str(store), '--out', str(out), '--no-figures',
                 '--n-resamples', '200', '--latency', str(latency),
                 '--formats', 'md,html,tex,csv,parquet'])
    assert code == 0
    return out


def test_files_written(report):
    for name in ('report.md', 'report.html', 'report.tex', 'tables/summary.csv',
                 'tables/summary.parquet', 'tables/paired_tests.csv', 'tables/intervals.csv',
                 'tables/imbalance.csv', 'tables/prior.csv', 'tables/latency.csv'):
        assert (report / name).is_file(), name
    assert not list(report.rglob('*.tmp'))


def test_report_names_its_store_relative_to_itself(store, report):
    # a committed report must not carry a folder of the machine it was made on
    relative = Path(os.path.relpath(Path(store).resolve(), report.resolve())).as_posix()
    for name in ('report.md', 'report.html', 'report.tex'):
        text = (report / name).read_text()
        assert str(Path(store).resolve()) not in text and str(report.resolve()) not in text
    assert f'from the results store {relative} (' in (report / 'report.md').read_text()


def test_markdown_and_tex_hold_tables(report):
    md = (report / 'report.md').read_text()
    assert '## Robustness summary' in md and '| model | dataset | metric |' in md
    assert 'McNemar (exact)' in md and 'head %' in md and 'median ms' in md
    assert 'higher is better' in md
    tex = (report / 'report.tex').read_text()
    assert r'\toprule' in tex and r'\bottomrule' in tex and r'$\pm$' in tex


def test_summary_matches_independent_computation(store, report):
    frame = ResultsStore(store).frame()
    summary = pd.read_csv(report / 'tables' / 'summary.csv')
    for model in MODELS:
        mine = frame[frame['model'] == model]
        corr = mine[mine['axis'] == 'corruption'].groupby('fold')['war'].mean()
        clean = mine[mine['axis'] == 'clean'].set_index('fold')['war']
        shown = 'M3DFEL (scratch)' if model == 'm3dfel' else model  # display name
        row = summary[(summary['model'] == shown) & (summary['metric'] == 'war')].iloc[0]
        assert row['n_folds'] == 2
        assert row['mpc_mean'] == pytest.approx(corr.mean())
        assert row['mpc_std'] == pytest.approx(np.std(corr.to_numpy(), ddof=1))
        assert row['rpc_mean'] == pytest.approx((corr / clean).mean())
        ref = frame[(frame['model'] == 'x3d_s') & (frame['axis'] == 'corruption')]
        ce = []
        for fold in ('1', '2'):
            for name in CORRUPTIONS:
                sel = (mine['fold'] == fold) & (mine['condition'] == name)
                rsel = (ref['fold'] == fold) & (ref['condition'] == name)
                ce.append((1 - mine[sel]['war']).sum() / (1 - ref[rsel]['war']).sum())
        fold_mce = np.array(ce).reshape(2, -1).mean(axis=1)
        assert row['mce_mean'] == pytest.approx(fold_mce.mean())


def test_paired_tests_and_intervals(report):
    tests = pd.read_csv(report / 'tables' / 'paired_tests.csv')
    assert set(tests['model']) == {'hdf', 'M3DFEL (scratch)'}
    assert set(tests['comparison']) == {'clean WAR', 'clean UAR', 'mPC WAR', 'mPC UAR'}
    assert tests['p'].between(0, 1).all()
    intervals = pd.read_csv(report / 'tables' / 'intervals.csv')
    assert (intervals['low'] <= intervals['estimate']).all()
    assert (intervals['estimate'] <= intervals['high']).all()


def test_missing_reference_and_clean_are_named(tmp_path):
    store = ResultsStore(tmp_path / 'store')
    make_synthetic_store(store.root, {'hdf': 0.8}, {'gaussian_noise': 'noise'}, severities=(1,),
                         n_clips=30, imbalance=False)
    store.put(CellKey('lonely', 'synthdfer', '1', 'corruption', 'gaussian_noise', 1),
              dict(war=0.5, uar=0.5, per_class_recall=[0.5] * 7))
    out = tmp_path / 'out'
    assert main(['report', '--store', str(store.root), '--out', str(out), '--no-figures',
                 '--n-resamples', '50', '--formats', 'md,csv']) == 0
    md = (out / 'report.md').read_text()
    assert "reference model 'x3d_s' is not in the store" in md
    assert 'no clean cell for model lonely' in md
    assert 'no imbalance results' in md and 'no latency results' in md
    assert 'no per-sample predictions' in md
    summary = pd.read_csv(out / 'tables' / 'summary.csv')
    assert summary['mce_mean'].isna().all()


def test_missing_store_is_an_error(tmp_path, capsys):
    assert main(['report', '--store', str(tmp_path / 'nope'), '--out', str(tmp_path)]) == 2
    assert 'no results store' in capsys.readouterr().err


def test_spec_files_load():
    spec = load_spec('reports/default.py', reference='hdf')
    assert spec.reference == 'hdf' and spec.metrics == ['war', 'uar']
    paper = load_spec('reports/paper.py')
    assert paper.figures is False and paper.n_resamples == 5000
    with pytest.raises(ValueError, match='unknown formats'):
        load_spec(None, formats='md,pdf')
