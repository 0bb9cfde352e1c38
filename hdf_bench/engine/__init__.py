from hdf_bench.engine.sam import (  # noqa: F401
    SAMOptimWrapper,
    SAMTrainStepMixin,
    frozen_bn_stats,
    grad_norm,
    sam_train_step,
)
