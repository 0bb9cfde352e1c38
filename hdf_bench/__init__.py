"""hdf-bench: HDF and baselines for dynamic facial expression recognition, with a
robustness harness (style shifts, temporal corruptions, class imbalance).

Importing this package applies the OpenMMLab stack fixes (:mod:`hdf_bench.compat`)
and registers every component into mmaction2's registries.
"""
import warnings

# mmcv-lite has no compiled ops; mmaction2's recognizers do not need them (STACK.md).
warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

from hdf_bench import compat  # noqa: E402

compat.apply()

from mmaction.utils import register_all_modules  # noqa: E402

register_all_modules(init_default_scope=False)

from hdf_bench import corruptions, data, engine, evaluation, models  # noqa: E402,F401
from hdf_bench.any_model import InputSpec, benchmark  # noqa: E402,F401

__version__ = '0.1.0'
