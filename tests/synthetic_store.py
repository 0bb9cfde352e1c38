"""A small synthetic results store (for tests and for trying the report without a sweep)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hdf_bench.data.classes import CLASSES
from hdf_bench.evaluation.dfer_metric import dfer_scores
from hdf_bench.results import CellKey, ResultsStore

CORRUPTIONS = {'gaussian_noise': 'noise', 'motion_blur': 'blur', 'frame_drop': 'temporal'}
MODELS = {'x3d_s': 0.70, 'hdf': 0.78, 'm3dfel': 0.66}


def _predict(rng: np.random.Generator, labels: np.ndarray, accuracy: float,
             num_classes: int) -> np.ndarray:
    right = rng.random(labels.size) < accuracy
    wrong = (labels + rng.integers(1, num_classes, labels.size)) % num_classes
    return np.where(right, labels, wrong)


def _put(store: ResultsStore, key: CellKey, labels: np.ndarray, preds: np.ndarray,
         ids: Sequence[str], meta: dict | None = None) -> None:
    scores = dfer_scores(labels, preds, len(CLASSES))
    store.put(key, scores, dict(sample_ids=list(ids), labels=labels.tolist(),
                                preds=preds.tolist()), meta)


def make_synthetic_store(root: str | Path, models: dict[str, float] | None = None,
                         corruptions: dict[str, str] | None = None,
                         severities: Sequence[int] = (1, 2, 3, 4, 5),
                         folds: Sequence[str] = ('1',), n_clips: int = 120,
                         imbalance: bool = True, seed: int = 0,
                         checkpoints: dict[str, str] | None = None) -> ResultsStore:
    """Write clean, corruption, imbalance and prior cells with per-sample predictions.

    Args:
        root: store folder.
        models: model name -> clean accuracy.
        corruptions: corruption name -> group (stored in the cell meta).
        severities: severities of every corruption.
        folds: fold names (all on data set ``synthdfer``).
        n_clips: test clips per fold.
        imbalance: also write imbalance (rho 10, 100) and prior cells.
        seed: seed of everything.
        checkpoints: model -> checkpoint path written in its clean cells' meta (``{fold}`` is
            replaced by the fold).
    """
    models = MODELS if models is None else models
    corruptions = CORRUPTIONS if corruptions is None else corruptions
    rng = np.random.default_rng(seed)
    store = ResultsStore(root)
    c = len(CLASSES)
    for fold in folds:
        labels = rng.integers(0, c, n_clips)
        ids = [f'{fold}-{i:05d}' for i in range(n_clips)]
        for model, acc in models.items():
            meta = ({} if model not in (checkpoints or {})
                    else dict(checkpoint=checkpoints[model].format(fold=fold)))
            _put(store, CellKey(model, 'synthdfer', fold, 'clean', 'clean'), labels,
                 _predict(rng, labels, acc, c), ids, meta)
            for k, (name, group) in enumerate(corruptions.items()):
                for sev in severities:
                    a = max(0.05, acc - 0.06 * sev * (1 + 0.3 * k) * (0.8 if model == 'hdf' else 1))
                    order = rng.permutation(n_clips)  # cells need not share an order
                    preds = _predict(rng, labels, a, c)
                    _put(store, CellKey(model, 'synthdfer', fold, 'corruption', name, sev),
                         labels[order], preds[order], [ids[i] for i in order], dict(group=group))
            if not imbalance:
                continue
            for rho in (10, 100):
                counts = np.round(200 * rho ** (-np.arange(c) / (c - 1))).astype(int)
                recall = acc * (counts / counts.max()) ** 0.15
                right = rng.random(n_clips) < recall[labels]
                preds = np.where(right, labels, 0)
                _put(store, CellKey(model, 'synthdfer', fold, 'imbalance', f'exp_rho{rho}'),
                     labels, preds, ids, dict(rho=rho, train_class_counts=counts.tolist()))
            _put(store, CellKey(model, 'synthdfer', fold, 'prior', 'reversed'), labels,
                 _predict(rng, labels, acc - 0.05, c), ids)
    return store
