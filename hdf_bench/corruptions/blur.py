"""Blur corruptions. Radii and kernel sizes are for 112-px crops and scale with min(H, W)/112."""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from hdf_bench.corruptions._common import albu, gaussian, map_channels, pick, size_scale, to_uint8

#: Defocus: (disc radius px @112, anti-alias Gaussian sigma px @112).
DEFOCUS = ((1.0, 0.1), (2.0, 0.2), (3.0, 0.3), (4.0, 0.4), (5.0, 0.5))
#: Motion blur length (px @112); direction drawn per clip.
MOTION_LENGTH = (3.0, 5.0, 7.0, 9.0, 13.0)
#: Zoom blur: (max zoom factor, zoom step). Scale-free. ImageNet-C values for levels 1-5.
ZOOM = ((1.06, 0.01), (1.11, 0.01), (1.16, 0.02), (1.21, 0.02), (1.26, 0.03))
#: Glass blur: (sigma px @112, max displacement px @112, iterations).
GLASS = ((0.6, 1.0, 1), (0.7, 1.0, 2), (0.8, 2.0, 2), (0.9, 2.0, 3), (1.1, 3.0, 3))
#: Gaussian blur sigma (px @112).
GAUSSIAN_SIGMA = (0.6, 1.0, 1.5, 2.0, 3.0)


def _filter(clip: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve every frame with a 2-D kernel (reflect border)."""
    kernel = (kernel / kernel.sum()).astype(np.float32)
    return map_channels(lambda x: cv2.filter2D(x, -1, kernel, borderType=cv2.BORDER_REFLECT_101),
                        clip.astype(np.float32))


def disc_kernel(radius: float) -> np.ndarray:
    """Anti-aliased disc of a real-valued radius (area grows smoothly with the radius)."""
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float32)
    return np.clip(radius + 0.5 - np.sqrt(xx**2 + yy**2), 0.0, 1.0)


def line_kernel(length: float, angle: float) -> np.ndarray:
    """Centred line of a real-valued length at ``angle`` (radians), splatted bilinearly."""
    r = int(np.ceil(length / 2)) + 1
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    t = np.linspace(-length / 2, length / 2, max(2, int(np.ceil(length * 4))))
    x, y = r + t * np.cos(angle), r + t * np.sin(angle)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dx, dy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                        (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(kernel, (y0 + dy, x0 + dx), wgt)
    return kernel


def defocus_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Defocus: disc kernel of a real-valued radius, then a light Gaussian (anti-aliasing)."""
    radius, alias = pick(DEFOCUS, severity)
    s = size_scale(clip)
    return to_uint8(gaussian(_filter(clip, disc_kernel(radius * s)), alias * s))


def motion_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Linear motion blur of a real-valued length in a random direction (one per clip)."""
    length = pick(MOTION_LENGTH, severity) * size_scale(clip)
    return to_uint8(_filter(clip, line_kernel(length, rng.uniform(0, np.pi))))


def zoom_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Radial zoom blur (albumentations ``ZoomBlur``)."""
    factor, step = pick(ZOOM, severity)
    return albu(A.ZoomBlur(max_factor=(factor, factor), step_factor=(step, step), p=1.0),
                clip, rng)


def glass_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Glass blur, vectorised: blur, scramble pixels within +-delta, blur again.

    Each iteration gathers every pixel from a random neighbour at most ~delta px away (one
    displacement field per clip), which replaces ImageNet-C's sequential pixel swaps by a
    single fancy-index. Offsets are rounded from a continuous range so delta scales smoothly.
    """
    sigma, delta, iterations = pick(GLASS, severity)
    s = size_scale(clip)
    d = max(0.5, delta * s)
    _, h, w, _ = clip.shape
    x = gaussian(clip.astype(np.float32), sigma * s)
    rows, cols = np.arange(h)[:, None], np.arange(w)[None, :]
    for _ in range(iterations):
        dy, dx = np.rint(rng.uniform(-d - 0.5, d + 0.5, size=(2, h, w))).astype(np.intp)
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
