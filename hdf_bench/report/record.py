"""Per-sample predictions and confusion matrices of one store cell (a ``record`` of
:func:`hdf_bench.results.read_frame`)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def predictions(record: Mapping) -> pd.DataFrame | None:
    """Per-sample ``label`` and ``pred`` indexed by ``sample_id``; ``None`` if absent."""
    pred = record.get('predictions') or {}
    if not all(pred.get(k) for k in ('sample_ids', 'labels', 'preds')):
        return None
    frame = pd.DataFrame({'label': np.asarray(pred['labels'], dtype=np.int64),
                          'pred': np.asarray(pred['preds'], dtype=np.int64)},
                         index=pd.Index([str(s) for s in pred['sample_ids']], name='sample_id'))
    return frame[~frame.index.duplicated()]


def confusion_of(record: Mapping, num_classes: int) -> np.ndarray | None:
    """The cell's confusion matrix, from its metrics or rebuilt from its predictions."""
    cm = record['metrics'].get('confusion')
    if cm is not None:
        return np.asarray(cm, dtype=float)
    pred = predictions(record)
    if pred is None:
        return None
    from hdf_bench.evaluation.dfer_metric import confusion

    return confusion(pred['label'], pred['pred'], num_classes).astype(float)
