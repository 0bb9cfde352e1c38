"""Seaborn figures (Agg backend), each returned as PNG bytes."""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

DPI = 90


def _png(fig: matplotlib.figure.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=DPI, bbox_inches='tight')
    plt.close(fig)
    return buffer.getvalue()


def severity_curves(frame: pd.DataFrame, metric: str) -> bytes:
    """Metric vs severity (0 = clean), one line per model, one facet per corruption.

    Args:
        frame: columns model, corruption, severity, value (mean over folds).
        metric: axis label.
    """
    with sns.axes_style('whitegrid'):
        n = frame['corruption'].nunique()
        grid = sns.relplot(data=frame, x='severity', y='value', hue='model', col='corruption',
                           col_wrap=min(4, n), kind='line', marker='o', errorbar=None,
                           height=2.4, aspect=1.2,
                           facet_kws=dict(sharey=True))
        grid.set_axis_labels('severity (0 = clean)', metric.upper())
        grid.set_titles('{col_name}')
        return _png(grid.figure)


def robustness_heatmap(pivot: pd.DataFrame, label: str) -> bytes:
    """Model x corruption heatmap (e.g. relative robustness gamma_r)."""
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * pivot.shape[1], 1.2 + 0.45 * pivot.shape[0]))
    sns.heatmap(pivot, annot=True, fmt='.2f', cmap='viridis', ax=ax, cbar_kws={'label': label})
    ax.set_xlabel('corruption')
    ax.set_ylabel('model')
    return _png(fig)


def clean_vs_mpc(frame: pd.DataFrame, metric: str) -> bytes:
    """Clean metric and mPC per model with interval bars.

    Args:
        frame: columns model, kind (clean / mPC), value, low, high.
        metric: axis label.
    """
    models = list(dict.fromkeys(frame['model']))
    kinds = list(dict.fromkeys(frame['kind']))
    x = np.arange(len(models))
    width = 0.8 / max(1, len(kinds))
    palette = sns.color_palette('deep', len(kinds))
    fig, ax = plt.subplots(figsize=(1.5 + 1.1 * len(models), 3.2))
    for i, kind in enumerate(kinds):
        part = frame[frame['kind'] == kind].set_index('model').reindex(models)
        err = np.vstack([part['value'] - part['low'], part['high'] - part['value']])
        ax.bar(x + (i - (len(kinds) - 1) / 2) * width, part['value'], width, label=kind,
               color=palette[i], yerr=np.nan_to_num(np.clip(err, 0, None)), capsize=3)
    ax.set_xticks(x, models, rotation=30, ha='right')
    ax.set_ylabel(metric.upper())
    ax.legend()
    sns.despine(fig)
    return _png(fig)


def confusion_grid(items: Sequence[tuple[str, str, np.ndarray]], classes: Sequence[str]) -> bytes:
    """Row-normalised confusion matrices, one row of panels per model.

    Args:
        items: (model, panel title, confusion counts) triples, two per model.
        classes: class names (tick labels).
    """
    models = list(dict.fromkeys(m for m, _, _ in items))
    ncols = max(sum(1 for m, _, _ in items if m == model) for model in models)
    fig, axes = plt.subplots(len(models), ncols, figsize=(3.8 * ncols, 3.8 * len(models)),
                             squeeze=False)
    for ax in axes.ravel():
        ax.set_visible(False)
    counters = dict.fromkeys(models, 0)
    for model, title, cm in items:
        ax = axes[models.index(model), counters[model]]
        counters[model] += 1
        ax.set_visible(True)
        support = cm.sum(axis=1, keepdims=True)
        norm = np.divide(cm, support, out=np.zeros_like(cm, dtype=float), where=support > 0)
        sns.heatmap(norm, vmin=0, vmax=1, cmap='Blues', annot=len(classes) <= 8, fmt='.2f',
                    xticklabels=classes, yticklabels=classes, cbar=False, ax=ax,
                    annot_kws={'fontsize': 6})
        ax.set_title(f'{model}: {title}', fontsize=8)
        ax.set_xlabel('predicted')
        ax.set_ylabel('true')
    fig.subplots_adjust(wspace=0.45, hspace=0.75)
    return _png(fig)


def imbalance_curves(frame: pd.DataFrame) -> bytes:
    """WAR and UAR vs imbalance ratio (log scale), one line per model.

    Args:
        frame: columns model, rho, metric, value.
    """
    with sns.axes_style('whitegrid'):
        grid = sns.relplot(data=frame, x='rho', y='value', hue='model', col='metric',
                           kind='line', marker='o', errorbar=None, height=3, aspect=1.2)
        grid.set(xscale='log')
        grid.set_axis_labels('imbalance ratio rho', 'score')
        return _png(grid.figure)


def recall_by_class(frame: pd.DataFrame) -> bytes:
    """Per-class recall by imbalance ratio, one panel per model.

    Args:
        frame: columns model, class, rho, recall.
    """
    with sns.axes_style('whitegrid'):
        n = frame['model'].nunique()
        grid = sns.catplot(data=frame, x='class', y='recall', hue='rho', col='model',
                           col_wrap=min(3, n), kind='point', errorbar=None, height=2.8, aspect=1.3,
                           palette='viridis')
        for ax in grid.axes.ravel():
            ax.tick_params(axis='x', rotation=45)
        return _png(grid.figure)


def accuracy_latency(frame: pd.DataFrame, metric: str) -> bytes:
    """Clean metric vs latency, one marker per model (and benchmark).

    Args:
        frame: columns model, benchmark, median_ms, value.
        metric: axis label.
    """
    with sns.axes_style('whitegrid'):
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        several = frame.groupby('model')['benchmark'].nunique().max() > 1
        style = 'benchmark' if several else None
        sns.scatterplot(data=frame, x='median_ms', y='value', hue='model', style=style, s=70,
                        ax=ax)
        ax.set_xlabel('median latency (ms)')
        ax.set_ylabel(f'clean {metric.upper()}')
        ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc='upper left')
        return _png(fig)


def training_curves(frame: pd.DataFrame) -> bytes:
    """Training loss vs step per run and, for runs that log DSM's terms, DSM's share (log y).

    Args:
        frame: columns model, run, step, loss, share (NaN for runs without DSM).
    """
    dsm = frame.dropna(subset=['share'])
    panels = 2 if not dsm.empty else 1
    with sns.axes_style('whitegrid'):
        fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.6), squeeze=False)
        sns.lineplot(data=frame, x='step', y='loss', hue='model', units='run', estimator=None,
                     ax=axes[0, 0])
        axes[0, 0].set_ylabel('training loss')
        axes[0, 0].legend(fontsize=7)
        if not dsm.empty:
            ax = axes[0, 1]
            sns.lineplot(data=dsm, x='step', y='share', hue='model', units='run',
                         estimator=None, ax=ax)
            ax.set_yscale('log')
            ax.set_ylabel('DSM share of the loss')
            ax.legend(fontsize=7)
        fig.tight_layout()
        return _png(fig)
