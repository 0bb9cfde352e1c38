"""Every report statistic against an independent computation on fixed inputs."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score

from hdf_bench.evaluation import robustness as rb
from hdf_bench.report import stats as st

# model x corruption x severity accuracies (2 corruptions x 3 severities), clean accuracies
CLEAN = {'ref': 0.80, 'm': 0.90}
ACC = {
    'ref': {'noise': [0.70, 0.60, 0.50], 'blur': [0.75, 0.65, 0.40]},
    'm': {'noise': [0.85, 0.80, 0.70], 'blur': [0.80, 0.70, 0.60]},
}


def _frames(folds=('1',), shift=0.0):
    clean = pd.DataFrame([dict(model=m, dataset='d', fold=f, war=a + i * shift, uar=a - 0.05)
                          for i, f in enumerate(folds) for m, a in CLEAN.items()])
    corr = pd.DataFrame([dict(model=m, dataset='d', fold=f, corruption=c, group='g',
                              severity=s + 1, war=v + i * shift, uar=v - 0.05)
                         for i, f in enumerate(folds) for m, by in ACC.items()
                         for c, vals in by.items() for s, v in enumerate(vals)])
    return clean, corr


def test_mean_performance_full_and_ragged_grid():
    values = pd.Series([0.7, 0.6, 0.5, 0.75, 0.65, 0.4],
                       index=pd.MultiIndex.from_product([['noise', 'blur'], [1, 2, 3]]))
    assert rb.mean_performance(values) == pytest.approx(np.mean(values.to_numpy()))
    ragged = values.drop(('blur', 3))
    assert rb.mean_performance(ragged) == pytest.approx((0.6 + 0.7) / 2)


def test_gammas_by_hand():
    assert rb.gamma_absolute(0.8, 0.6) == pytest.approx(1 - (0.8 - 0.6))
    assert rb.gamma_relative(0.8, 0.6) == pytest.approx(1 - 0.2 / 0.8)
    assert rb.gamma_relative(0.8, 0.8) == pytest.approx(1.0)  # no loss = 1, higher is better


def test_corruption_errors_by_hand():
    e, e_ref = [0.15, 0.2, 0.3], [0.3, 0.4, 0.5]
    assert rb.corruption_error(e, e_ref) == pytest.approx(0.65 / 1.2)
    rel = rb.relative_corruption_error(e, 0.1, e_ref, 0.2)
    assert rel == pytest.approx((0.05 + 0.1 + 0.2) / (0.1 + 0.2 + 0.3))
    assert math.isnan(rb.corruption_error([0.1], [0.0]))
    # a reference unaffected by the corruption: its degradation is 0 up to rounding, so the
    # relative CE is undefined (not +-2e15, as a float residue of 0.85 - 0.85 once gave)
    e_clean = 1 - 0.15
    assert math.isnan(rb.relative_corruption_error([0.9, 0.8], e_clean,
                                                   [1 - 0.15, 1 - 0.150000000000001], e_clean))
    # a reference that degrades by less than 1 point per severity, or improves: undefined too
    # (the demo's X3D-S lost 0.1 point on jumble and HDF's relative CE read -11000 %)
    assert math.isnan(rb.relative_corruption_error([0.5, 0.6], 0.3, [0.305, 0.31], 0.3))
    assert math.isnan(rb.relative_corruption_error([0.5, 0.6], 0.3, [0.29, 0.28], 0.3))
    assert rb.relative_corruption_error([0.5, 0.6], 0.3, [0.31, 0.33], 0.3) == pytest.approx(
        0.5 / 0.04)


def test_fold_summary_matches_hand_computation():
    clean, corr = _frames()
    out = rb.fold_summary(corr, clean, 'ref', ['war'])
    row = out[out['model'] == 'm'].iloc[0]
    mpc = np.mean(ACC['m']['noise'] + ACC['m']['blur'])
    assert row['clean'] == pytest.approx(0.9)
    assert row['mpc'] == pytest.approx(mpc)
    assert row['rpc'] == pytest.approx(mpc / 0.9)
    assert row['gamma_a'] == pytest.approx(1 - (0.9 - mpc))
    assert row['gamma_r'] == pytest.approx(1 - (0.9 - mpc) / 0.9)
    ce = {c: np.sum(1 - np.array(ACC['m'][c])) / np.sum(1 - np.array(ACC['ref'][c]))
          for c in ('noise', 'blur')}
    rel = {c: np.sum((1 - np.array(ACC['m'][c])) - 0.1)
           / np.sum((1 - np.array(ACC['ref'][c])) - 0.2) for c in ('noise', 'blur')}
    assert row['mce'] == pytest.approx(np.mean(list(ce.values())))
    assert row['rel_mce'] == pytest.approx(np.mean(list(rel.values())))
    ref = out[out['model'] == 'ref'].iloc[0]
    assert ref['mce'] == pytest.approx(1.0) and ref['rel_mce'] == pytest.approx(1.0)
    assert (out['rel_mce_n'] == 2).all()


def test_relative_mce_averages_the_corruptions_the_reference_degrades_on():
    clean, corr = _frames()
    # the reference unaffected by blur: relative CE of blur undefined, relative mCE = noise's
    flat = (corr['model'] == 'ref') & (corr['corruption'] == 'blur')
    corr.loc[flat, 'war'] = 0.8  # the reference's clean WAR (error 0.2)
    out = rb.fold_summary(corr, clean, 'ref', ['war'])
    row = out[out['model'] == 'm'].iloc[0]
    noise = (np.sum((1 - np.array(ACC['m']['noise'])) - 0.1)
             / np.sum((1 - np.array(ACC['ref']['noise'])) - 0.2))
    assert row['rel_mce'] == pytest.approx(noise) and row['rel_mce_n'] == 1
    assert not math.isnan(row['mce'])


def test_without_reference_ce_is_nan():
    clean, corr = _frames()
    out = rb.fold_summary(corr, clean, None, ['war', 'uar'])
    assert out['mce'].isna().all() and out['mpc'].notna().all()


def test_missing_clean_gives_nan_not_invented():
    clean, corr = _frames()
    out = rb.fold_summary(corr, clean[clean['model'] != 'm'], 'ref', ['war'])
    row = out[out['model'] == 'm'].iloc[0]
    assert math.isnan(row['clean']) and math.isnan(row['rpc']) and not math.isnan(row['mpc'])


def test_fold_mean_and_std():
    clean, corr = _frames(folds=('1', '2', '3'), shift=0.01)
    folds = rb.fold_summary(corr, clean, 'ref', ['war'])
    agg = rb.across_folds(folds, ['model', 'dataset', 'metric'], ['clean', 'mpc'])
    row = agg[agg['model'] == 'm'].iloc[0]
    values = np.array([0.9, 0.91, 0.92])
    assert row['n_folds'] == 3
    assert row['clean_mean'] == pytest.approx(values.mean())
    assert row['clean_std'] == pytest.approx(values.std(ddof=1))


def test_per_corruption_and_groups():
    clean, corr = _frames()
    per = rb.per_corruption(corr, clean, 'war')
    row = per[(per['model'] == 'm') & (per['corruption'] == 'blur')].iloc[0]
    assert row['value'] == pytest.approx(np.mean(ACC['m']['blur']))
    assert row['gamma_r'] == pytest.approx(np.mean(ACC['m']['blur']) / 0.9)
    groups = rb.per_group(per)
    assert groups[groups['model'] == 'm']['value'].iloc[0] == pytest.approx(
        np.mean(ACC['m']['noise'] + ACC['m']['blur']))


# ---- predictions-based statistics ---------------------------------------------------------
@pytest.fixture
def clips():
    rng = np.random.default_rng(1)
    n = 300
    labels = rng.integers(0, 7, n)
    pred_a = np.where(rng.random(n) < 0.75, labels, (labels + 1) % 7)
    pred_b = np.where(rng.random(n) < 0.55, labels, (labels + 2) % 7)
    return labels, pred_a, pred_b


def test_weighted_metric_matches_sklearn(clips):
    labels, pred_a, _ = clips
    correct = (pred_a == labels)[None]
    idx = np.random.default_rng(0).integers(0, len(labels), len(labels))
    for sel in (np.arange(len(labels)), idx):
        uar = st.weighted_metric(sel, correct, labels, np.ones(1), 'uar', 7)
        assert uar == pytest.approx(balanced_accuracy_score(labels[sel], pred_a[sel]))
        war = st.weighted_metric(sel, correct, labels, np.ones(1), 'war', 7)
        assert war == pytest.approx(np.mean(pred_a[sel] == labels[sel]))


def test_bootstrap_ci_contains_estimate_and_matches_hand_percentile(clips):
    labels, pred_a, _ = clips
    correct = (pred_a == labels)[None]
    res = st.bootstrap_clips(correct, labels, [1.0], 'war', 7, n_resamples=2000, seed=0)
    assert res.estimate == pytest.approx(np.mean(pred_a == labels))
    assert res.low < res.estimate < res.high
    rng = np.random.default_rng(123)
    hand = [np.mean(correct[0, rng.integers(0, len(labels), len(labels))]) for _ in range(2000)]
    lo, hi = np.percentile(hand, [2.5, 97.5])
    assert res.low == pytest.approx(lo, abs=0.015) and res.high == pytest.approx(hi, abs=0.015)
    # normal approximation as a third opinion
    p, n = res.estimate, len(labels)
    assert (res.high - res.low) == pytest.approx(2 * 1.96 * math.sqrt(p * (1 - p) / n), rel=0.15)
    uar = st.bootstrap_clips(correct, labels, [1.0], 'uar', 7, n_resamples=500, seed=0)
    assert uar.low < balanced_accuracy_score(labels, pred_a) < uar.high


def test_bootstrap_is_seeded(clips):
    labels, pred_a, _ = clips
    correct = (pred_a == labels)[None]
    one = st.bootstrap_clips(correct, labels, [1.0], 'uar', 7, n_resamples=300, seed=5)
    two = st.bootstrap_clips(correct, labels, [1.0], 'uar', 7, n_resamples=300, seed=5)
    assert (one.low, one.high) == (two.low, two.high)


def test_mcnemar_against_hand_formula(clips):
    labels, pred_a, pred_b = clips
    ca, cb = pred_a == labels, pred_b == labels
    out = st.mcnemar(ca, cb)
    b, c = int(np.sum(ca & ~cb)), int(np.sum(~ca & cb))
    assert (out['b'], out['c']) == (b, c)
    n, k = b + c, min(b, c)
    exact = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)
    assert out['p_exact'] == pytest.approx(exact, rel=1e-9)
    chi2 = (abs(b - c) - 1) ** 2 / n
    assert out['chi2'] == pytest.approx(chi2)
    assert out['p_chi2'] == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))  # chi2(1) survival
    small = st.mcnemar([1, 1, 0, 1], [0, 1, 1, 0])  # b=2, c=1
    assert small['p_exact'] == pytest.approx(1.0)
    assert st.mcnemar([1, 0], [1, 0])['p_exact'] == 1.0


def test_paired_bootstrap_of_uar_difference(clips):
    labels, pred_a, pred_b = clips
    correct = np.stack([pred_a == labels, pred_b == labels])
    res = st.bootstrap_clips(correct, labels, [1.0, -1.0], 'uar', 7, n_resamples=1000, seed=0)
    diff = balanced_accuracy_score(labels, pred_a) - balanced_accuracy_score(labels, pred_b)
    assert res.estimate == pytest.approx(diff)
    assert res.low < diff < res.high
    rng = np.random.default_rng(7)
    hand = []
    for _ in range(1000):
        i = rng.integers(0, len(labels), len(labels))
        hand.append(balanced_accuracy_score(labels[i], pred_a[i])
                    - balanced_accuracy_score(labels[i], pred_b[i]))
    assert np.std(res.distribution) == pytest.approx(np.std(hand), rel=0.2)
    assert st.bootstrap_pvalue(res.distribution) < 0.01  # 0.75 vs 0.55 accuracy
    same = st.bootstrap_clips(correct[[0, 0]], labels, [1.0, -1.0], 'uar', 7, n_resamples=200)
    assert same.estimate == 0 and st.bootstrap_pvalue(same.distribution) == 1.0


def test_align_by_sample_id():
    a = pd.DataFrame({'label': [0, 1, 2], 'pred': [0, 1, 0]}, index=['x', 'y', 'z'])
    b = pd.DataFrame({'label': [2, 0], 'pred': [2, 1]}, index=['z', 'x'])
    ids, labels, correct = st.align([a, b])
    assert list(ids) == ['x', 'z'] and list(labels) == [0, 2]
    assert correct.tolist() == [[True, False], [False, True]]


def test_mpc_weights_reproduce_mean_performance():
    from hdf_bench.report.sections.statistics import weights

    rows = pd.DataFrame(dict(condition=['a', 'a', 'a', 'b', 'b'], severity=[1, 1, 2, 1, 2],
                             seed=[0, 1, 0, 0, 0], war=[0.5, 0.7, 0.4, 0.9, 0.8]))
    w = weights(rows)
    seed_mean = rows.groupby(['condition', 'severity'])['war'].mean()
    assert w.sum() == pytest.approx(1.0)
    assert float(w @ rows['war']) == pytest.approx(rb.mean_performance(seed_mean))
