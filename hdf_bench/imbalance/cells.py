"""Turn one evaluation's per-sample predictions into ``imbalance`` and ``prior`` store cells.

Prior cells hold the usual metrics of the evaluation with ``war`` replaced by the WAR under
the prior (``war_test`` keeps the plain test-set WAR). Their condition is the prior name
(``uniform``, ``train``, ``reversed`` or a user name) for a model trained on the full split,
and ``<split condition>/<prior name>`` (e.g. ``exp_rho10/uniform``) for a model trained on a
long-tailed split, so that models trained on different splits never share a cell.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from hdf_bench.data.classes import CLASSES
from hdf_bench.evaluation.dfer_metric import dfer_scores
from hdf_bench.evaluation.groups import frequency_groups, group_recall
from hdf_bench.evaluation.prior import NAMED_PRIORS, named_prior, prior_war, validate_prior
from hdf_bench.imbalance.splits import Manifest
from hdf_bench.results import CellKey, ResultsStore


def _columns(predictions: Sequence[Mapping]) -> dict[str, list]:
    """``sample_ids``, ``labels``, ``preds`` lists from ``DFERMetric.last_predictions``-style
    records (``label``, ``pred``, optional ``sample_id``)."""
    out: dict[str, list] = dict(sample_ids=[], labels=[], preds=[])
    for i, record in enumerate(predictions):
        if 'label' not in record or 'pred' not in record:
            raise ValueError(f'prediction {i} lacks "label" or "pred": {dict(record)!r}')
        out['sample_ids'].append(str(record.get('sample_id', i)))
        out['labels'].append(int(record['label']))
        out['preds'].append(int(record['pred']))
    if not out['labels']:
        raise ValueError('no predictions given')
    return out


def prior_condition(prior_name: str, train_condition: str | None = None) -> str:
    """Store condition of a prior cell (see the module doc)."""
    if not prior_name or '/' in prior_name:
        raise ValueError(f'prior name must be a non-empty string without "/", got {prior_name!r}')
    if train_condition in (None, '', 'clean'):
        return prior_name
    return f'{train_condition}/{prior_name}'


def put_prior_cells(store: ResultsStore, model: str, dataset: str, fold: str,
                    predictions: Sequence[Mapping], train_class_counts: Sequence[int],
                    seed: int = 0, train_condition: str | None = None,
                    priors: Sequence[str] = NAMED_PRIORS,
                    extra_priors: Mapping[str, Sequence[float] | Mapping[str, float]]
                    | None = None,
                    classes: Sequence[str] = CLASSES, meta: Mapping | None = None,
                    provenance: dict | None = None) -> list[CellKey]:
    """Write one ``prior`` cell per prior; return their keys.

    Args:
        store: the results store.
        model, dataset, fold: cell identity.
        predictions: per-sample records with ``label``, ``pred`` and optional ``sample_id``.
        train_class_counts: training clips per class of the evaluated model.
        seed: seed of the training split (cell seed).
        train_condition: long-tailed split condition, or ``None`` for the full split.
        priors: named priors to evaluate (``uniform``, ``train``, ``reversed``).
        extra_priors: user priors, name -> weights per class (or class name -> weight).
        classes: class names in label order.
        meta: extra metadata for every cell.
        provenance: what the evaluation read (:mod:`hdf_bench.results.provenance`).
    """
    classes = tuple(classes)
    if len(train_class_counts) != len(classes):
        raise ValueError(f'train_class_counts has {len(train_class_counts)} entries, '
                         f'expected one per class ({len(classes)})')
    vectors = {name: named_prior(name, train_class_counts) for name in priors}
    for name, weights in (extra_priors or {}).items():
        if name in vectors:
            raise ValueError(f'user prior {name!r} clashes with a named prior')
        vectors[name] = validate_prior(weights, len(classes), classes, name=f'prior {name!r}')
    cols = _columns(predictions)
    scores = dfer_scores(cols['labels'], cols['preds'], len(classes))
    keys = []
    for name, pi in vectors.items():
        key = CellKey(model, dataset, str(fold), 'prior', prior_condition(name, train_condition),
                      0, int(seed))
        metrics = dict(scores, war=prior_war(scores['per_class_recall'], pi),
                       war_test=scores['war'], prior=pi.tolist())
        cell_meta = dict(meta or {}, classes=list(classes), prior_name=name,
                         train_condition=train_condition or 'clean',
                         train_class_counts=[int(c) for c in train_class_counts])
        store.put(key, metrics, cols, cell_meta, provenance)
        keys.append(key)
    return keys


def put_imbalance_cells(store: ResultsStore, model: str, dataset: str, fold: str,
                        predictions: Sequence[Mapping], manifest: Manifest,
                        priors: Sequence[str] = NAMED_PRIORS,
                        extra_priors: Mapping[str, Sequence[float] | Mapping[str, float]]
                        | None = None,
                        group_sizes: Sequence[int] | None = None,
                        meta: Mapping | None = None,
                        provenance: dict | None = None) -> list[CellKey]:
    """Write the ``imbalance`` cell of a model trained on a long-tailed split, and its
    ``prior`` cells; return all keys (imbalance cell first).

    The imbalance cell's metrics add ``group_recall`` (head/medium/tail by training rank);
    its meta holds ``train_class_counts``, ``rho``, ``profile``, ``groups`` and the manifest.

    Args:
        store: the results store.
        model, dataset, fold: cell identity.
        predictions: per-sample records with ``label``, ``pred`` and optional ``sample_id``.
        manifest: the training split's manifest (from :func:`make_longtail_split`).
        priors: named priors for the prior cells.
        extra_priors: user priors for the prior cells.
        group_sizes: head/medium/tail sizes (default ``(2, 3, 2)`` for 7 classes).
        meta: extra metadata for every cell.
        provenance: what the evaluation read (:mod:`hdf_bench.results.provenance`).
    """
    classes = tuple(manifest.classes)
    counts = manifest.train_class_counts
    cols = _columns(predictions)
    scores = dfer_scores(cols['labels'], cols['preds'], len(classes))
    groups = frequency_groups(counts, group_sizes)
    metrics = dict(scores, group_recall=group_recall(scores['per_class_recall'], groups))
    cell_meta = dict(meta or {}, classes=list(classes), train_class_counts=counts,
                     rho=manifest.rho, profile=manifest.profile,
                     groups={g: [classes[i] for i in m] for g, m in groups.items()},
                     split_path=manifest.split_path, split_order=manifest.order,
                     split_n_max=manifest.n_max)
    key = CellKey(model, dataset, str(fold), 'imbalance', manifest.condition, 0, manifest.seed)
    store.put(key, metrics, cols, cell_meta, provenance)
    return [key] + put_prior_cells(
        store, model, dataset, fold, predictions, counts, seed=manifest.seed,
        train_condition=manifest.condition, priors=priors, extra_priors=extra_priors,
        classes=classes, meta=meta, provenance=provenance)
