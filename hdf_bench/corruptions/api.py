"""The corruption entry point: ``corrupt(clip, name, severity, seed, clip_id, per_frame)``.

Every draw depends only on ``(clip_id, name, severity, seed)``: the same inputs give
byte-identical outputs, and a clip keeps its draw whatever else is in the batch.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from hdf_bench.corruptions._common import CorruptionFn
from hdf_bench.corruptions.blur import BLUR
from hdf_bench.corruptions.compression import COMPRESSION
from hdf_bench.corruptions.digital import DIGITAL
from hdf_bench.corruptions.face import FACE
from hdf_bench.corruptions.noise import NOISE
from hdf_bench.corruptions.style import STYLE
from hdf_bench.corruptions.temporal import TEMPORAL
from hdf_bench.corruptions.weather import WEATHER
from hdf_bench.data.landmarks import check_landmarks

SEVERITIES = (1, 2, 3, 4, 5)

#: Corruption groups, in report order. Every corruption is in exactly one group.
GROUPS: dict[str, tuple[str, ...]] = {
    'noise': tuple(NOISE),
    'blur': tuple(BLUR),
    'weather': tuple(WEATHER),
    'digital': (*DIGITAL, 'jpeg'),
    'style': tuple(STYLE),
    'temporal': (*TEMPORAL, 'h264'),
    'face': tuple(FACE),
}

#: Name -> function ``(clip, severity, rng) -> clip``, in group order.
CORRUPTIONS: dict[str, CorruptionFn] = {
    name: {**NOISE, **BLUR, **WEATHER, **DIGITAL, **STYLE, **TEMPORAL, **COMPRESSION,
           **FACE}[name]
    for names in GROUPS.values() for name in names
}

#: Corruptions that act on frames independently (``per_frame`` applies to these).
APPEARANCE: tuple[str, ...] = tuple(n for g, ns in GROUPS.items() if g not in ('temporal', 'face')
                                    for n in ns)
#: Corruptions that act across frames (``per_frame`` is ignored for these).
TEMPORAL_NAMES: tuple[str, ...] = GROUPS['temporal']
#: Face shifts (occlusion, crop jitter, rotation, resolution): they take per-frame landmarks
#: and define their own behaviour over time (``per_frame`` is ignored for these).
FACE_NAMES: tuple[str, ...] = GROUPS['face']
#: Corruptions whose output does not depend on the seed or clip id.
DETERMINISTIC: frozenset[str] = frozenset({
    'defocus_blur', 'zoom_blur', 'gaussian_blur', 'brightness', 'contrast', 'saturate',
    'pixelate', 'posterize', 'jpeg', 'gamma', 'grayscale', 'sepia', 'frame_rate',
    'temporal_motion_blur', 'h264', 'low_resolution'})


def group_of(name: str) -> str:
    """Return the group a corruption belongs to."""
    check_name(name)
    return next(g for g, names in GROUPS.items() if name in names)


def check_name(name: str) -> str:
    """Raise ValueError (listing the valid names) unless ``name`` is a known corruption."""
    if not isinstance(name, str) or name not in CORRUPTIONS:
        raise ValueError(f'unknown corruption {name!r}; valid names: {", ".join(CORRUPTIONS)}')
    return name


def check_severity(severity: int) -> int:
    """Raise ValueError unless ``severity`` is an integer in 1..5."""
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)):
        raise ValueError(f'severity must be an int in 1..5, got {severity!r}')
    if int(severity) not in SEVERITIES:
        raise ValueError(f'severity must be in 1..5, got {severity}')
    return int(severity)


def as_clip(clip: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Validate a clip and return it as a (T, H, W, 3) uint8 array.

    Args:
        clip: (T, H, W, 3) uint8 RGB array, or a non-empty list of (H, W, 3) uint8 frames.
    """
    if isinstance(clip, (list, tuple)):
        if not clip:
            raise ValueError('expected a non-empty list of (H, W, 3) uint8 frames, got []')
        if not all(isinstance(f, np.ndarray) for f in clip):
            raise TypeError('expected a list of numpy (H, W, 3) uint8 frames')
        shapes = sorted({f.shape for f in clip})
        if len(shapes) != 1:
            raise ValueError(f'all frames must share one shape, got {shapes}')
        clip = np.stack(clip)
    if not isinstance(clip, np.ndarray):
        raise TypeError(f'expected a (T, H, W, 3) uint8 numpy array, got {type(clip).__name__}')
    if clip.dtype != np.uint8:
        raise TypeError(f'expected dtype uint8 (RGB 0-255), got {clip.dtype}')
    if clip.ndim != 4 or clip.shape[-1] != 3 or min(clip.shape) == 0:
        raise ValueError(f'expected shape (T, H, W, 3) with T, H, W > 0, got {clip.shape}')
    return np.ascontiguousarray(clip)


def check_seed(seed: int) -> int:
    """Raise TypeError unless ``seed`` is an integer (``bool`` is not); return it as ``int``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f'seed must be an int, got {type(seed).__name__} {seed!r}')
    return int(seed)


def derive_seed(clip_id: str, name: str, severity: int, seed: int) -> int:
    """Hash (clip_id, name, severity, seed) to a 64-bit integer seed."""
    key = f'{clip_id}\x1f{name}\x1f{severity}\x1f{seed}'.encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], 'little')


def corrupt(clip: np.ndarray | Sequence[np.ndarray], name: str, severity: int, seed: int = 0,
            clip_id: str = '', per_frame: bool = False,
            landmarks: np.ndarray | None = None) -> np.ndarray:
    """Corrupt a clip.

    Args:
        clip: (T, H, W, 3) uint8 RGB array or list of (H, W, 3) uint8 frames.
        name: a key of ``CORRUPTIONS``.
        severity: 1 (mild) .. 5 (strong).
        seed: run seed; with ``clip_id``, ``name`` and ``severity`` it fixes every draw.
        clip_id: identifier of the clip, so different clips get different draws.
        per_frame: draw appearance parameters (noise fields, blur directions, ...) afresh for
            each frame instead of once per clip. Ignored for temporal and face corruptions.
        landmarks: (T, K, 2) face landmarks in pixels of ``clip`` (order of
            ``hdf_bench.data.landmarks.LANDMARK_NAMES``) for the face corruptions, which
            otherwise use the aligned-crop prior. Ignored by the other corruptions.

    Returns:
        A new (T, H, W, 3) uint8 array (a list input gives an array too).
    """
    fn = CORRUPTIONS[check_name(name)]
    severity = check_severity(severity)
    clip = as_clip(clip)
    rng = np.random.default_rng(derive_seed(str(clip_id), name, severity, check_seed(seed)))
    if name in FACE_NAMES:
        if landmarks is not None:
            landmarks = check_landmarks(landmarks, len(clip))
        out = fn(clip, severity, rng, landmarks=landmarks)
    elif per_frame and name not in TEMPORAL_NAMES:
        seeds = rng.integers(0, 2**63, size=len(clip))
        out = np.concatenate([fn(clip[i:i + 1], severity, np.random.default_rng(int(s)))
                              for i, s in enumerate(seeds)])
    else:
        out = fn(clip, severity, rng)
    if out.shape != clip.shape or out.dtype != np.uint8:
        raise RuntimeError(f'{name} returned {out.dtype} {out.shape}, expected uint8 {clip.shape}')
    return np.ascontiguousarray(out)
