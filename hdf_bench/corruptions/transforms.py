"""mmaction2 transforms: insert ``Corrupt`` right after frame decoding in a test pipeline."""
from __future__ import annotations

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from hdf_bench.corruptions.api import (
    TEMPORAL_NAMES,
    check_name,
    check_seed,
    check_severity,
    corrupt,
)


def clip_id_of(results: dict) -> str:
    """The clip identifier a draw depends on: ``clip_id``, else ``frame_dir``/``filename``."""
    for key in ('clip_id', 'frame_dir', 'filename'):
        if results.get(key) is not None:
            return str(results[key])
    return ''


@TRANSFORMS.register_module()
class Corrupt(BaseTransform):
    """Corrupt ``results['imgs']`` (a list of T RGB uint8 (H, W, 3) frames) in place.

    Works for appearance and temporal corruptions alike; the draw depends on
    ``results['clip_id']``, ``name``, ``severity`` and ``seed``.

    Args:
        name: corruption name (see ``hdf_bench.corruptions.CORRUPTIONS``).
        severity: 1..5.
        seed: run seed.
        per_frame: fresh appearance draws per frame.
    """

    def __init__(self, name: str, severity: int, seed: int = 0, per_frame: bool = False) -> None:
        self.name = check_name(name)
        self.severity = check_severity(severity)
        self.seed = check_seed(seed)
        self.per_frame = bool(per_frame)

    def transform(self, results: dict) -> dict:
        """Corrupt the frames and write them back as a list of arrays."""
        if 'imgs' not in results:
            raise KeyError("Corrupt expects results['imgs'] (decode frames before corrupting)")
        out = corrupt(results['imgs'], self.name, self.severity, seed=self.seed,
                      clip_id=clip_id_of(results), per_frame=self.per_frame)
        results['imgs'] = list(out)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(name={self.name!r}, severity={self.severity}, '
                f'seed={self.seed}, per_frame={self.per_frame})')


@TRANSFORMS.register_module()
class TemporalCorrupt(Corrupt):
    """``Corrupt`` restricted to temporal corruptions (for readable pipelines)."""

    def __init__(self, name: str, severity: int, seed: int = 0) -> None:
        if name not in TEMPORAL_NAMES:
            raise ValueError(f'{name!r} is not a temporal corruption; choose one of: '
                             f'{", ".join(TEMPORAL_NAMES)}')
        super().__init__(name, severity, seed=seed)
