"""Paired tests per training seed and across seeds (hdf_bench.report.seeds)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_store import make_synthetic_store

from hdf_bench.report.seeds import (
    across_seeds,
    default_pairs,
    seed_paired_tests,
    write_seed_pairs,
)
from hdf_bench.results import CellKey, ResultsStore

# per seed: clean accuracy of each model; 'dead' is at chance in seed 1 only
SEEDS = {0: {'x3d_s': 0.55, 'hdf': 0.85, 'x3d_s_sam': 0.55, 'dead': 0.70},
         1: {'x3d_s': 0.55, 'hdf': 0.80, 'x3d_s_sam': 0.75, 'dead': 1 / 7},
         2: {'x3d_s': 0.60, 'hdf': 0.88, 'x3d_s_sam': 0.60, 'dead': 0.70}}


@pytest.fixture(scope='module')
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp('seeds')
    return {seed: make_synthetic_store(root / f'seed{seed}', models, {}, severities=(),
                                       n_clips=300, imbalance=False, seed=seed).root
            for seed, models in SEEDS.items()}


def _uar(labels, preds, c=7):
    return np.mean([np.mean(preds[labels == k] == k) for k in range(c) if (labels == k).any()])


def test_default_pairs():
    assert default_pairs(['hdf', 'x3d_s', 'x3d_s_sam', 'hdf_no_sam']) == [
        ('hdf', 'x3d_s'), ('x3d_s_sam', 'x3d_s'), ('hdf_no_sam', 'x3d_s'),
        ('hdf', 'x3d_s_sam'), ('hdf', 'hdf_no_sam')]
    assert default_pairs(['hdf', 'x3d_s_sam']) == [('hdf', 'x3d_s_sam')]
    assert default_pairs(['tsm_r18']) == []


def test_per_seed_differences_match_the_predictions(stores):
    per_seed = seed_paired_tests(stores, [('hdf', 'x3d_s'), ('dead', 'x3d_s')],
                                 n_resamples=300)
    assert len(per_seed) == 6
    for seed, store in stores.items():
        cells = {r['key']['model']: r for r in ResultsStore(store).records()}
        pred = {m: pd.DataFrame({'label': c['predictions']['labels'],
                                 'pred': c['predictions']['preds']},
                                index=c['predictions']['sample_ids']).sort_index()
                for m, c in cells.items()}
        labels = pred['hdf']['label'].to_numpy()
        row = per_seed[(per_seed.a == 'hdf') & (per_seed.train_seed == seed)].iloc[0]
        expected = _uar(labels, pred['hdf']['pred'].to_numpy()) - _uar(
            labels, pred['x3d_s']['pred'].to_numpy())
        assert row.status == 'tested' and row.clips == 300
        assert row.d_uar == pytest.approx(expected)
        assert row.uar_low < row.d_uar < row.uar_high and row.uar_low > 0
        assert row.d_war == pytest.approx((pred['hdf']['pred'] == pred['hdf']['label']).mean()
                                          - (pred['x3d_s']['pred'] == labels).mean())
        assert row.p_war < 0.001
    dead = per_seed[per_seed.a == 'dead'].set_index('train_seed')['status']
    assert dead[1] == 'not learned: dead' and dead[0] == dead[2] == 'tested'


def test_across_seeds_verdicts(stores):
    summary = across_seeds(seed_paired_tests(
        stores, [('hdf', 'x3d_s'), ('x3d_s_sam', 'x3d_s'), ('dead', 'x3d_s')],
        n_resamples=300)).set_index('a')
    hdf = summary.loc['hdf']
    assert hdf.tested == 3 and hdf.verdict == 'hdf > x3d_s in every seed (3)'
    assert hdf.t_low > 0 and hdf.t_low < hdf.d_uar_mean < hdf.t_high
    # SAM helps by 20 points in one seed and not in the others: not established
    assert summary.loc['x3d_s_sam'].verdict.startswith('not established (x3d_s_sam > x3d_s in 1')
    dead = summary.loc['dead']
    assert dead.tested == 2 and 'tested of 3' in dead.verdict
    only_dead = across_seeds(seed_paired_tests({1: stores[1]}, [('dead', 'x3d_s')],
                                               n_resamples=100))
    assert only_dead['verdict'].tolist() == ['not tested (not learned: dead)']


def test_write_seed_pairs_writes_both_tables(stores, tmp_path):
    summary = write_seed_pairs(stores, ['hdf', 'x3d_s', 'x3d_s_sam'], tmp_path,
                               n_resamples=200)
    assert list(summary[['a', 'b']].itertuples(index=False, name=None)) == [
        ('hdf', 'x3d_s'), ('x3d_s_sam', 'x3d_s'), ('hdf', 'x3d_s_sam')]
    md = (tmp_path / 'zoo_paired.md').read_text()
    assert '| hdf | x3d_s | 3 of 3 |' in md and 'in every seed (3)' in md
    assert len(pd.read_csv(tmp_path / 'zoo_paired.csv')) == 9
    assert len(pd.read_csv(tmp_path / 'zoo_paired_seeds.csv')) == 3


def test_two_folds_of_one_model_are_refused(tmp_path):
    store = make_synthetic_store(tmp_path, {'hdf': 0.8, 'x3d_s': 0.6}, {}, severities=(),
                                 folds=('1', '2'), n_clips=50, imbalance=False)
    assert store.path(CellKey('hdf', 'synthdfer', '2', 'clean', 'clean')).is_file()
    with pytest.raises(ValueError, match='more than one dataset or fold'):
        seed_paired_tests({0: tmp_path}, [('hdf', 'x3d_s')], n_resamples=50)
