"""Helpers shared by the corruption modules: size scaling, blending, albumentations calls."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import albumentations as A
import cv2
import numpy as np

#: Signature of every corruption function: (clip (T,H,W,3) uint8, severity 1-5, rng) -> clip.
CorruptionFn = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]

#: Reference crop size the severity tables are calibrated for (DFER face crops).
REFERENCE_SIZE = 112


def size_scale(clip: np.ndarray) -> float:
    """Factor by which size-dependent parameters (radii, shifts) scale for this clip.

    Args:
        clip: (T, H, W, 3) array.
    """
    return min(clip.shape[1], clip.shape[2]) / REFERENCE_SIZE


def pick(table: Sequence, severity: int):
    """Return the entry of a five-level severity table for ``severity`` (1-5)."""
    return table[severity - 1]


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Round and clip a float array in [0, 255] to uint8."""
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def blend(clean: np.ndarray, target: np.ndarray, alpha: float) -> np.ndarray:
    """Blend ``clean`` towards ``target`` by ``alpha`` (0 = clean, 1 = target).

    Args:
        clean: uint8 clip.
        target: uint8 or float clip of the same shape (float values in [0, 255]).
        alpha: blend weight of ``target``.
    """
    if alpha >= 1.0:
        return to_uint8(target) if target.dtype != np.uint8 else target
    out = clean.astype(np.float32) * (1.0 - alpha) + target.astype(np.float32) * alpha
    return to_uint8(out)


def albu(transform: A.BasicTransform, clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply one albumentations transform to every frame with ONE parameter draw.

    Args:
        transform: an albumentations transform with ``p=1`` and degenerate ranges.
        clip: (T, H, W, 3) uint8.
        rng: source of the albumentations seed.
    """
    seed = int(rng.integers(0, 2**32))
    out = A.Compose([transform], seed=seed, strict=True)(images=clip)['images']
    return np.ascontiguousarray(np.asarray(out, dtype=np.uint8))


def map_channels(op: Callable[[np.ndarray], np.ndarray], clip: np.ndarray) -> np.ndarray:
    """Apply a 2-D OpenCV operation to all frames at once by stacking them as channels.

    Args:
        op: maps an (H, W, C) array to an (H', W', C) array (C up to 510).
        clip: (T, H, W, 3) array.
    """
    t = clip.shape[0]
    h, w = clip.shape[1:3]
    stacked = np.ascontiguousarray(clip.transpose(1, 2, 0, 3).reshape(h, w, -1))
    chunks = [op(np.ascontiguousarray(stacked[..., i:i + 510])) for i in range(0, 3 * t, 510)]
    out = np.concatenate([c.reshape(c.shape[0], c.shape[1], -1) for c in chunks], axis=2)
    return np.ascontiguousarray(out.reshape(out.shape[0], out.shape[1], t, 3).transpose(2, 0, 1, 3))


def gaussian(clip: np.ndarray, sigma: float) -> np.ndarray:
    """Spatial Gaussian blur of every frame (any dtype OpenCV accepts)."""
    if sigma <= 0:
        return clip
    return map_channels(lambda x: cv2.GaussianBlur(x, (0, 0), sigma), clip)
