# Default report spec for `hdf-bench report --spec reports/default.py`.
# Keys are those of hdf_bench.report.spec.ReportSpec; CLI flags override them.
title = 'hdf-bench robustness report'
sections = ['summary', 'headline', 'corruptions', 'groups', 'uncertainty', 'significance',
            'confusion', 'training', 'imbalance', 'prior', 'latency', 'regions', 'gallery']
models = None            # None = every model in the store (reference first, not learned last)
datasets = None          # None = every data set in the store
reference = 'x3d_s'      # CE / mCE denominator and paired-test baseline
metrics = ['war', 'uar']
severities = [1, 2, 3, 4, 5]  # upper bound: only those every model holds are averaged
formats = ['md', 'html', 'tex', 'csv', 'parquet']
figures = True
latency = None           # path of a pytest-benchmark JSON, or --latency
n_resamples = 2000
confidence_level = 0.95
ci_method = 'percentile'  # scipy.stats.bootstrap method: percentile | basic | bca
seed = 0
max_confusion_models = 6
