"""WAR / UAR over a fixed class list, as an mmengine metric and as plain functions."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from hdf_bench.data.classes import CLASSES


def confusion(labels: Sequence[int], preds: Sequence[int], num_classes: int) -> np.ndarray:
    """Confusion matrix with rows = true class, columns = predicted class."""
    labels = np.asarray(labels, dtype=np.int64)
    preds = np.asarray(preds, dtype=np.int64)
    if labels.shape != preds.shape:
        raise ValueError(f'labels {labels.shape} and preds {preds.shape} differ in shape')
    for name, arr in (('labels', labels), ('preds', preds)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f'{name} must lie in [0, {num_classes}), got {arr.min()}..{arr.max()}')
    return np.bincount(labels * num_classes + preds,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_recall(cm: np.ndarray) -> np.ndarray:
    """Recall of each class; NaN for a class with no true sample."""
    support = cm.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)


def dfer_scores(labels: Sequence[int], preds: Sequence[int],
                num_classes: int = len(CLASSES)) -> dict:
    """WAR (accuracy), UAR (mean recall over classes present in the labels), recalls, confusion.

    UAR averages over the classes that occur in ``labels`` (sklearn's
    ``balanced_accuracy_score``); a class never predicted counts with recall 0.
    """
    cm = confusion(labels, preds, num_classes)
    recall = per_class_recall(cm)
    total = cm.sum()
    return dict(
        war=float(np.trace(cm) / total) if total else float('nan'),
        uar=float(np.nanmean(recall)) if np.isfinite(recall).any() else float('nan'),
        per_class_recall=recall.tolist(),
        confusion=cm.tolist(),
        num_samples=int(total),
    )


@METRICS.register_module()
class DFERMetric(BaseMetric):
    """WAR, UAR, per-class recall and confusion over the canonical class list.

    Args:
        classes (Sequence[str]): class names, in label order (default: the 7 basic emotions).
        collect_device (str): device for collecting results across ranks.
        prefix (str, optional): prefix of the metric names.
    """

    default_prefix = 'dfer'

    def __init__(self, classes: Sequence[str] = CLASSES, collect_device: str = 'cpu',
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.classes = tuple(classes)
        #: per-sample predictions of the last :meth:`compute_metrics` call
        self.last_predictions: list[dict] = []

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_score']
            label = sample['gt_label']
            self.results.append(dict(
                sample_id=str(sample.get('clip_id', sample.get('frame_dir', ''))),
                label=int(label.item() if hasattr(label, 'item') else label),
                pred=int(score.argmax().item()),
                score=[float(s) for s in score.tolist()],
            ))

    def compute_metrics(self, results: list[dict]) -> dict:
        self.last_predictions = results
        scores = dfer_scores([r['label'] for r in results], [r['pred'] for r in results],
                             len(self.classes))
        metrics = dict(war=scores['war'], uar=scores['uar'])
        for name, recall in zip(self.classes, scores['per_class_recall'], strict=True):
            metrics[f'recall_{name}'] = recall
        return metrics
