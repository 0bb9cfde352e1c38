"""The report's learned guard, headline comparison, common conditions and protocol labels."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from synthetic_store import make_synthetic_store

from hdf_bench.cli.main import main
from hdf_bench.results import CellKey, ResultsStore

CORRUPTIONS = {'gaussian_noise': 'noise', 'frame_drop': 'temporal'}
DEAD = 'dead (not learned)'


def _report(store, out, *extra):
    code = main(['report', '--store', str(store), '--out', str(out), '--no-figures',
                 '--n-resamples', '200', '--formats', 'md,html,tex,csv', *extra])
    assert code == 0
    return out


@pytest.fixture(scope='module')
def guarded(tmp_path_factory):
    """A store where model ``dead`` is at chance and ``hdf`` lacks gaussian_noise s5."""
    root = tmp_path_factory.mktemp('store')
    store = make_synthetic_store(root, {'x3d_s': 0.7, 'hdf': 0.8, 'x3d_s_sam': 0.72,
                                        'dead': 1 / 7}, CORRUPTIONS, severities=(1, 3, 5),
                                 n_clips=200, imbalance=False)
    store.path(CellKey('hdf', 'synthdfer', '1', 'corruption', 'gaussian_noise', 5)).unlink()
    return root, _report(root, tmp_path_factory.mktemp('report'))


def test_banner_names_the_model_that_did_not_learn_in_every_document(guarded):
    _, out = guarded
    md = (out / 'report.md').read_text()
    assert md.split('\n')[2].startswith('> **Warning:** NOT LEARNED: dead:')
    assert 'class="banner">Warning: NOT LEARNED: dead:' in (out / 'report.html').read_text()
    tex = (out / 'report.tex').read_text()
    assert r'\fbox' in tex and 'NOT LEARNED: dead:' in tex
    assert tex.index('NOT LEARNED') < tex.index('Generated 2')


def test_learned_table_and_marks_in_every_table(guarded):
    _, out = guarded
    learned = pd.read_csv(out / 'tables' / 'learned.csv').set_index('model')
    assert not learned.loc[DEAD, 'learned'] and learned.loc[DEAD, 'uar_low'] <= 1 / 7
    assert learned.drop(DEAD)['learned'].all()
    assert (learned.drop(DEAD)['uar_low'] > 1 / 7).all()
    assert (learned['classes_predicted'] == 7).all()
    seen = 0
    for path in (out / 'tables').glob('*.csv'):
        frame = pd.read_csv(path)
        if 'model' in frame:
            names = set(frame['model'].astype(str))
            assert 'dead' not in names, path.name
            seen += DEAD in names
    assert seen >= 3  # learned, summary, per-corruption tables at least
    summary = pd.read_csv(out / 'tables' / 'summary.csv')
    assert list(dict.fromkeys(summary['model']))[-1] == DEAD  # last: out of the ranking


def test_not_learned_model_is_out_of_paired_tests_and_headline(guarded):
    _, out = guarded
    paired = pd.read_csv(out / 'tables' / 'paired_tests.csv')
    assert set(paired['model']) == {'hdf', 'x3d_s_sam'}
    headline = pd.read_csv(out / 'tables' / 'headline.csv')
    assert set(headline['model']) == {'hdf'}
    assert list(dict.fromkeys(headline['baseline'])) == ['x3d_s_sam', 'x3d_s']
    assert 'left out of the paired tests (did not learn)' in (out / 'report.md').read_text()


def test_only_conditions_every_model_has_are_averaged(guarded):
    root, out = guarded
    md = (out / 'report.md').read_text()
    assert 'severities [1, 3, 5]' in md and '[1, 2, 3, 4, 5]' not in md
    assert 'hdf lacks 1 corruption condition(s) on synthdfer fold 1 (gaussian_noise s5)' in md
    frame = ResultsStore(root).frame()
    corr = frame[(frame['axis'] == 'corruption')
                 & ~((frame['condition'] == 'gaussian_noise') & (frame['severity'] == 5))]
    summary = pd.read_csv(out / 'tables' / 'summary.csv')
    for model in ('x3d_s', 'hdf'):
        mine = corr[corr['model'] == model]
        mpc = mine.groupby('condition')['war'].mean().mean()  # mean over severities, corruptions
        row = summary[(summary['model'] == model) & (summary['metric'] == 'war')].iloc[0]
        assert row['mpc_mean'] == pytest.approx(mpc)


def test_protocol_in_every_table_heading(guarded):
    _, out = guarded
    md = (out / 'report.md').read_text()
    headings = [line for line in md.split('\n') if line.startswith('**') and line.endswith('**')]
    assert headings and all('[protocol: strict]' in h for h in headings)


def test_reference_that_did_not_learn_is_not_used(tmp_path):
    root = tmp_path / 'store'
    make_synthetic_store(root, {'x3d_s': 1 / 7, 'hdf': 0.8, 'm3dfel': 0.7}, CORRUPTIONS,
                         severities=(1,), n_clips=200, imbalance=False)
    cell = ResultsStore(root).path(CellKey('hdf', 'synthdfer', '1', 'clean', 'clean'))
    record = json.loads(cell.read_text())
    record['meta']['protocol'] = 'peers'
    cell.write_text(json.dumps(record))
    out = _report(root, tmp_path / 'report')
    md = (out / 'report.md').read_text()
    assert "Reference model 'x3d_s' did not learn: no reference is used" in md
    assert 'Reference: none' in md
    summary = pd.read_csv(out / 'tables' / 'summary.csv')
    assert summary['mce_mean'].isna().all()
    assert not (out / 'tables' / 'paired_tests.csv').exists()
    assert 'M3DFEL (scratch)' in set(summary['model'])  # no pretrained weights in its config
    assert ('protocols: hdf peers+strict, M3DFEL (scratch) strict, x3d_s (not learned) '
            'strict]') in md


def test_learned_guard_sorts_nothing_when_all_learned(tmp_path):
    root = tmp_path / 'store'
    make_synthetic_store(root, {'x3d_s': 0.7, 'hdf': 0.8}, CORRUPTIONS, severities=(1,),
                         n_clips=100, imbalance=False)
    out = _report(root, tmp_path / 'report')
    md = (out / 'report.md').read_text()
    assert 'Warning' not in md and 'not learned' not in md.replace('did not learn', '')
    assert np.array_equal(pd.read_csv(out / 'tables' / 'learned.csv')['learned'], [True, True])
