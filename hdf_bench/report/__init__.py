"""``hdf-bench report``: statistics, tables and figures from the results store.

Reporting reads only the store (and pytest-benchmark JSON); it never re-runs a model.
"""
from hdf_bench.report.build import build_report, run_report
from hdf_bench.report.spec import ReportSpec, load_spec

__all__ = ['ReportSpec', 'build_report', 'load_spec', 'run_report']
