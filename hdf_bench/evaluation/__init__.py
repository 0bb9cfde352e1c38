"""Metrics: WAR / UAR over the fixed class list."""
from hdf_bench.evaluation.dfer_metric import DFERMetric, dfer_scores

__all__ = ['DFERMetric', 'dfer_scores']
