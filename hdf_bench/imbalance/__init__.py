"""Class imbalance: long-tailed training splits, frequency groups, label-prior shift."""
from hdf_bench.evaluation.groups import frequency_groups, group_recall
from hdf_bench.evaluation.prior import (
    named_prior,
    prior_war,
    resampled_accuracy,
    reversed_prior,
    train_prior,
    uniform_prior,
    validate_prior,
)
from hdf_bench.imbalance.cells import prior_condition, put_imbalance_cells, put_prior_cells
from hdf_bench.imbalance.experiment import format_summary, run_imbalance
from hdf_bench.imbalance.formats import MAFW_CLASSES, Split, SplitEntry, read_split
from hdf_bench.imbalance.profiles import PROFILES, CountPlan, condition_name, plan_counts
from hdf_bench.imbalance.splits import Manifest, make_longtail_split, manifest_path, read_manifest

__all__ = [
    'MAFW_CLASSES', 'PROFILES', 'CountPlan', 'Manifest', 'Split', 'SplitEntry', 'condition_name',
    'frequency_groups', 'group_recall', 'make_longtail_split', 'manifest_path', 'named_prior',
    'plan_counts', 'prior_condition', 'prior_war', 'put_imbalance_cells', 'put_prior_cells',
    'read_manifest', 'read_split', 'resampled_accuracy', 'reversed_prior', 'train_prior',
    'uniform_prior', 'validate_prior', 'run_imbalance', 'format_summary',
]
