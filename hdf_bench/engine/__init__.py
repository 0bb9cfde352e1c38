from hdf_bench.engine.sam import (SAMOptimWrapper, SAMTrainStepMixin, frozen_bn_stats,
                                  grad_norm, sam_train_step)

__all__ = ['SAMOptimWrapper', 'SAMTrainStepMixin', 'frozen_bn_stats', 'grad_norm',
           'sam_train_step']
