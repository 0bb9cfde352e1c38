"""Blur corruptions. Radii and kernel sizes are for 112-px crops and scale with min(H, W)/112."""
from __future__ import annotations

import albumentations as A
import numpy as np

from hdf_bench.corruptions._common import albu, gaussian, odd, pick, size_scale, to_uint8

#: Defocus: (disc radius px @112, alias-blur sigma).
DEFOCUS = ((1.0, 0.1), (2.0, 0.2), (3.0, 0.3), (4.0, 0.4), (5.0, 0.5))
#: Motion blur kernel length (px @112, rounded to odd); direction drawn per clip.
MOTION_LENGTH = (3, 5, 7, 9, 13)
#: Zoom blur: (max zoom factor, zoom step). Scale-free. ImageNet-C values for levels 1-5.
ZOOM = ((1.06, 0.01), (1.11, 0.01), (1.16, 0.02), (1.21, 0.02), (1.26, 0.03))
#: Glass blur: (sigma px @112, max displacement px @112, iterations).
GLASS = ((0.4, 1.0, 1), (0.5, 1.0, 2), (0.6, 2.0, 1), (0.7, 2.0, 2), (0.8, 3.0, 2))
#: Gaussian blur sigma (px @112).
GAUSSIAN_SIGMA = (0.6, 1.0, 1.5, 2.0, 3.0)


def defocus_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Disc-kernel defocus (albumentations ``Defocus``)."""
    radius, alias = pick(DEFOCUS, severity)
    r = max(1, int(round(radius * size_scale(clip))))
    return albu(A.Defocus(radius=(r, r), alias_blur=(alias, alias), p=1.0), clip, rng)


def motion_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Linear motion blur with a random direction (albumentations ``MotionBlur``)."""
    k = odd(pick(MOTION_LENGTH, severity) * size_scale(clip))
    return albu(A.MotionBlur(blur_limit=(k, k), allow_shifted=False, p=1.0), clip, rng)


def zoom_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Radial zoom blur (albumentations ``ZoomBlur``)."""
    factor, step = pick(ZOOM, severity)
    return albu(A.ZoomBlur(max_factor=(factor, factor), step_factor=(step, step), p=1.0),
                clip, rng)


def glass_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Glass blur, vectorised: blur, scramble pixels within +-delta, blur again.

    Each iteration gathers every pixel from a random neighbour (one displacement field per
    clip), which replaces ImageNet-C's sequential pixel swaps by a single fancy-index.
    """
    sigma, delta, iterations = pick(GLASS, severity)
    s = size_scale(clip)
    d = max(1, int(round(delta * s)))
    _, h, w, _ = clip.shape
    x = gaussian(clip.astype(np.float32), sigma * s)
    rows, cols = np.arange(h)[:, None], np.arange(w)[None, :]
    for _ in range(iterations):
        dy = rng.integers(-d, d + 1, size=(h, w))
        dx = rng.integers(-d, d + 1, size=(h, w))
        x = x[:, np.clip(rows + dy, 0, h - 1), np.clip(cols + dx, 0, w - 1)]
    return to_uint8(gaussian(x, sigma * s))


def gaussian_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Isotropic Gaussian blur (albumentations ``GaussianBlur``)."""
    sigma = pick(GAUSSIAN_SIGMA, severity) * size_scale(clip)
    return albu(A.GaussianBlur(sigma_limit=(sigma, sigma), blur_limit=0, p=1.0), clip, rng)


BLUR = {
    'defocus_blur': defocus_blur,
    'motion_blur': motion_blur,
    'zoom_blur': zoom_blur,
    'glass_blur': glass_blur,
    'gaussian_blur': gaussian_blur,
}
