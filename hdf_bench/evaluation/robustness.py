"""Robustness summaries: mPC, rPC, gamma_a / gamma_r, CE / relative CE / mCE, fold mean +- std.

Conventions (see shared/reference/ROBUSTNESS.md): accuracies ``A`` are fractions in [0, 1];
errors ``E = 1 - A``; higher gamma is better (1 = no loss under the corruption).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

FOLD_KEYS = ['model', 'dataset', 'fold']


# ---- the maths on plain arrays -------------------------------------------------------------
def mean_performance(values: pd.Series) -> float:
    """mPC: mean over corruptions of the mean over severities.

    Args:
        values: metric indexed by (corruption, severity); equals the plain mean over all
            (corruption, severity) pairs when every corruption has the same severities.
    """
    if values.empty:
        return float('nan')
    return float(values.groupby(level=0).mean().mean())


def gamma_absolute(clean: float | np.ndarray, corrupted: float | np.ndarray):
    """Absolute robustness ``1 - (A_clean - A_p)`` (higher is better)."""
    return 1.0 - (np.asarray(clean) - np.asarray(corrupted))


def gamma_relative(clean: float | np.ndarray, corrupted: float | np.ndarray):
    """Relative robustness ``1 - (A_clean - A_p) / A_clean`` (higher is better)."""
    clean = np.asarray(clean, dtype=float)
    with np.errstate(divide='ignore', invalid='ignore'):
        return 1.0 - (clean - np.asarray(corrupted)) / clean


#: a denominator below this is zero up to rounding (errors are fractions of at most ~1e6 clips)
ZERO_ERROR = 1e-9
#: relative CE needs a reference that degrades: at least this much error (a fraction, i.e. one
#: point of accuracy) per severity on average; below it the ratio divides by sampling noise
#: (a reference at -0.1 points per severity gave a relative CE of -11000 %)
MIN_REF_DEGRADATION = 0.01


def corruption_error(err: Sequence[float], err_ref: Sequence[float]) -> float:
    """CE_c = sum_s E_{s,c} / sum_s E^ref_{s,c} (same severities in both); NaN if the
    reference makes no error."""
    den = float(np.sum(err_ref))
    return float(np.sum(err)) / den if abs(den) > ZERO_ERROR else float('nan')


def relative_corruption_error(err: Sequence[float], err_clean: float, err_ref: Sequence[float],
                              err_ref_clean: float) -> float:
    """Relative CE_c = sum_s (E_{s,c} - E_clean) / sum_s (E^ref_{s,c} - E^ref_clean).

    NaN when the reference does not degrade: its error grows by less than
    :data:`MIN_REF_DEGRADATION` per severity on average, or falls (a reference unaffected by
    the corruption leaves relative CE undefined; a near-zero denominator would only amplify
    noise, and a negative one flip the sign).
    """
    den = float(np.sum(np.asarray(err_ref) - err_ref_clean))
    num = float(np.sum(np.asarray(err) - err_clean))
    floor = max(ZERO_ERROR, MIN_REF_DEGRADATION * len(err_ref))
    return num / den if den >= floor else float('nan')


# ---- tables from the cells frame -----------------------------------------------------------
def clean_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Clean WAR/UAR per model x dataset x fold (mean over seeds)."""
    clean = cells[cells['axis'] == 'clean']
    return clean.groupby(FOLD_KEYS, as_index=False, sort=False)[['war', 'uar']].mean()


def corruption_table(cells: pd.DataFrame, severities: Sequence[int]) -> pd.DataFrame:
    """Corrupted WAR/UAR per model x dataset x fold x corruption x severity (mean over seeds)."""
    corr = cells[(cells['axis'] == 'corruption') & cells['severity'].isin(list(severities))]
    corr = corr.rename(columns={'condition': 'corruption'})
    corr = corr.assign(group=corr['group'].fillna('other'))
    keys = FOLD_KEYS + ['corruption', 'group', 'severity']
    return corr.groupby(keys, as_index=False, sort=False)[['war', 'uar']].mean()


def per_corruption(corr: pd.DataFrame, clean: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean over severities per corruption, with gamma_a and gamma_r against the clean metric.

    Args:
        corr: output of :func:`corruption_table`.
        clean: output of :func:`clean_table`.
        metric: ``war`` or ``uar``.
    """
    keys = FOLD_KEYS + ['corruption', 'group']
    out = corr.groupby(keys, as_index=False, sort=False)[metric].mean()
    out = out.rename(columns={metric: 'value'})
    out = out.merge(clean[FOLD_KEYS + [metric]].rename(columns={metric: 'clean'}),
                    on=FOLD_KEYS, how='left')
    out['gamma_a'] = gamma_absolute(out['clean'], out['value'])
    out['gamma_r'] = gamma_relative(out['clean'], out['value'])
    out.insert(3, 'metric', metric)
    return out


def corruption_errors(corr: pd.DataFrame, clean: pd.DataFrame, reference: str,
                      metric: str) -> pd.DataFrame:
    """CE and relative CE per model x dataset x fold x corruption against ``reference``.

    Only severities present for both the model and the reference enter the sums; a corruption
    the reference lacks gets no row.
    """
    err = corr.assign(err=1.0 - corr[metric])
    ref = err[err['model'] == reference][['dataset', 'fold', 'corruption', 'severity', 'err']]
    joined = err.merge(ref.rename(columns={'err': 'err_ref'}),
                       on=['dataset', 'fold', 'corruption', 'severity'], how='inner')
    clean_err = clean.assign(err_clean=1.0 - clean[metric])[FOLD_KEYS + ['err_clean']]
    joined = joined.merge(clean_err, on=FOLD_KEYS, how='left')
    ref_clean = clean_err[clean_err['model'] == reference].drop(columns='model')
    joined = joined.merge(ref_clean.rename(columns={'err_clean': 'err_ref_clean'}),
                          on=['dataset', 'fold'], how='left')
    rows = []
    for key, part in joined.groupby(FOLD_KEYS + ['corruption'], sort=False):
        rows.append(dict(zip(FOLD_KEYS + ['corruption'], key, strict=False), metric=metric,
                         ce=corruption_error(part['err'], part['err_ref']),
                         rel_ce=relative_corruption_error(
                             part['err'], part['err_clean'].iloc[0], part['err_ref'],
                             part['err_ref_clean'].iloc[0])))
    columns = FOLD_KEYS + ['corruption', 'metric', 'ce', 'rel_ce']
    return pd.DataFrame(rows, columns=columns)


def per_group(per_corr: pd.DataFrame) -> pd.DataFrame:
    """Mean over the corruptions of each group (of the per-corruption means)."""
    keys = FOLD_KEYS + ['metric', 'group']
    return per_corr.groupby(keys, as_index=False, sort=False)[
        ['value', 'gamma_a', 'gamma_r']].mean()


def fold_summary(corr: pd.DataFrame, clean: pd.DataFrame, reference: str | None,
                 metrics: Sequence[str]) -> pd.DataFrame:
    """clean, mPC, rPC, gamma_a, gamma_r, mCE, relative mCE per model x dataset x fold x metric.

    Args:
        corr: output of :func:`corruption_table`.
        clean: output of :func:`clean_table`.
        reference: reference model for CE; ``None`` omits CE (columns stay NaN).
        metrics: metrics to summarise.
    """
    folds = pd.concat([clean[FOLD_KEYS], corr[FOLD_KEYS]]).drop_duplicates()
    rows = []
    for metric in metrics:
        ces = (corruption_errors(corr, clean, reference, metric) if reference
               else pd.DataFrame(columns=FOLD_KEYS + ['ce', 'rel_ce']))
        for key in folds.itertuples(index=False):
            sel = (corr[FOLD_KEYS] == tuple(key)).all(axis=1)
            part = corr[sel].set_index(['corruption', 'severity'])[metric]
            a_clean = clean.loc[(clean[FOLD_KEYS] == tuple(key)).all(axis=1), metric]
            a_clean = float(a_clean.iloc[0]) if len(a_clean) else float('nan')
            mpc = mean_performance(part)
            ce_part = ces[(ces[FOLD_KEYS] == tuple(key)).all(axis=1)] if len(ces) else ces
            rows.append(dict(zip(FOLD_KEYS, key, strict=True), metric=metric, clean=a_clean,
                             mpc=mpc,
                             rpc=mpc / a_clean if a_clean else float('nan'),
                             gamma_a=float(gamma_absolute(a_clean, mpc)),
                             gamma_r=float(gamma_relative(a_clean, mpc)),
                             # an undefined CE of one corruption leaves the mean undefined
                             mce=(float(ce_part['ce'].mean(skipna=False)) if len(ce_part)
                                  else float('nan')),
                             # relative CE: over the corruptions the reference degrades on
                             rel_mce=(float(ce_part['rel_ce'].mean())
                                      if len(ce_part) else float('nan')),
                             rel_mce_n=int(ce_part['rel_ce'].notna().sum()) if len(ce_part)
                             else 0,
                             n_corruptions=int(part.index.get_level_values(0).nunique())))
    return pd.DataFrame(rows)


def across_folds(frame: pd.DataFrame, by: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """Mean and sample std (ddof=1; NaN for one fold) of ``values`` over folds.

    Args:
        frame: one row per fold (and per ``by`` combination).
        by: columns that identify a row of the result (``fold`` must not be among them).
        values: numeric columns to aggregate.
    """
    grouped = frame.groupby(list(by), sort=False, dropna=False)
    out = grouped[list(values)].agg(['mean', 'std'])
    out.columns = [f'{col}_{stat}' for col, stat in out.columns]
    out.insert(0, 'n_folds', grouped['fold'].nunique())
    return out.reset_index()
