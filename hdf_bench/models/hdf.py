"""HDF recognizer: mmaction2's Recognizer3D with a SAM-aware training step."""
from __future__ import annotations

from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS

from hdf_bench.engine.sam import SAMTrainStepMixin


@MODELS.register_module()
class HDF(SAMTrainStepMixin, Recognizer3D):
    """X3D + DAM backbone and a DSM head, trained with or without SAM.

    With ``optim_wrapper=dict(type='SAMOptimWrapper', ...)`` a training step is two passes
    (ascent, then descent); with any other wrapper it is a normal step. Either way the weight
    gradient norm of the step is fed to the DSM loss for the next step's scaling. Arguments are
    those of mmaction2's ``Recognizer3D`` (backbone, cls_head, data_preprocessor, ...).
    """
