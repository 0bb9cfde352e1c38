from hdf_bench.engine.fast_infer import (  # noqa: F401
    FastInfer,
    InferConfig,
    add_infer_arguments,
    apply_infer_cfg,
    infer_cfg_from_args,
    optimize_for_inference,
)
from hdf_bench.engine.progress import ProgressFileHook  # noqa: F401
from hdf_bench.engine.sam import (  # noqa: F401
    SAMDistributedDataParallel,
    SAMEpochBasedTrainLoop,
    SAMOptimWrapper,
    SAMTrainStepMixin,
    frozen_bn_stats,
    grad_norm,
    grad_norm_train_step,
    sam_train_step,
)
from hdf_bench.engine.training import train, train_many  # noqa: F401
