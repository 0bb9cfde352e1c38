"""Weather corruptions. One weather layer is drawn per clip (a static overlay on all frames)."""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from hdf_bench.corruptions._common import REFERENCE_SIZE, albu, pick, size_scale, to_uint8
from hdf_bench.corruptions.blur import line_kernel

#: Fog: (peak density of the fog layer, fog grey level). The layer is a 4-octave plasma-like
#: field, so its pattern scales with the image.
FOG = ((0.25, 210.0), (0.40, 215.0), (0.55, 220.0), (0.70, 225.0), (0.85, 230.0))
#: Snow: (flake density per px, flake size px @112, whitening haze of the scene).
SNOW = ((0.004, 1.0, 0.08), (0.008, 1.1, 0.14), (0.014, 1.2, 0.2), (0.02, 1.3, 0.26),
        (0.03, 1.4, 0.32))
#: Rain: (streaks per 112x112 px, streak length px @112, streak opacity, scene brightness).
RAIN = ((40, 6, 0.5, 0.95), (80, 8, 0.6, 0.9), (140, 10, 0.7, 0.85), (220, 12, 0.8, 0.8),
        (320, 14, 0.9, 0.75))
#: Spatter (albumentations ``Spatter``): (mean, std, sigma px @112, threshold, intensity, mode).
#: Adapted from ImageNet-C's water drops; coverage grows with level (its mud levels were
#: dropped: at 112 px they cover the whole frame).
SPATTER = ((0.65, 0.3, 2.0, 0.72, 0.6, 'rain'), (0.65, 0.3, 2.0, 0.69, 0.6, 'rain'),
           (0.65, 0.3, 2.0, 0.66, 0.6, 'rain'), (0.65, 0.3, 2.0, 0.63, 0.6, 'rain'),
           (0.65, 0.3, 2.0, 0.60, 0.6, 'rain'))


def _plasma(h: int, w: int, rng: np.random.Generator, octaves: int = 4) -> np.ndarray:
    """Smooth random field in [0, 1]: sum of upsampled random grids, halving per octave."""
    field = np.zeros((h, w), np.float32)
    for o in range(octaves):
        n = 2 ** (o + 1) + 1
        grid = rng.random((n, n), dtype=np.float32)
        field += 0.5**o * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    field -= field.min()
    return field / max(float(field.max()), 1e-6)


def fog(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Fog: blend towards grey through a smooth random density field (one per clip)."""
    density, grey = pick(FOG, severity)
    alpha = (density * (0.5 + 0.5 * _plasma(clip.shape[1], clip.shape[2], rng)))[..., None]
    return to_uint8(clip.astype(np.float32) * (1.0 - alpha) + grey * alpha)


def snow(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Snow: white flakes (one layer per clip, slightly streaked) over a whitened scene."""
    density, size, haze = pick(SNOW, severity)
    _, h, w, _ = clip.shape
    s = size_scale(clip)
    flakes = (rng.random((h, w)) < density).astype(np.float32)
    flakes *= rng.uniform(0.6, 1.0, (h, w)).astype(np.float32)
    layer = cv2.GaussianBlur(flakes, (0, 0), size * s) * (2 * np.pi * (size * s) ** 2)
    angle = rng.uniform(np.pi / 3, 2 * np.pi / 3)
    layer = cv2.filter2D(layer, -1, line_kernel(3 * s, angle) / line_kernel(3 * s, angle).sum())
    alpha = np.clip(layer, 0, 1)[..., None]
    x = clip.astype(np.float32) * (1 - haze) + 255.0 * haze
    return to_uint8(x * (1 - alpha) + 250.0 * alpha)


def rain(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Rain: slanted light streaks (one layer per clip) over a slightly darkened scene."""
    count, length, opacity, brightness = pick(RAIN, severity)
    _, h, w, _ = clip.shape
    s = size_scale(clip)
    n = max(1, int(round(count * h * w / REFERENCE_SIZE**2)))
    length = max(2.0, length * s)
    angle = np.deg2rad(rng.uniform(-15, 15))
    x0, y0 = rng.uniform(0, w, n), rng.uniform(-length, h, n)
    x1, y1 = x0 + length * np.sin(angle), y0 + length * np.cos(angle)
    layer = np.zeros((h, w), np.float32)
    for pts in np.rint(np.stack([x0, y0, x1, y1], 1)).astype(int):
        cv2.line(layer, (pts[0], pts[1]), (pts[2], pts[3]), 1.0, 1, cv2.LINE_AA)
    alpha = (opacity * np.clip(layer, 0, 1))[..., None]
    return to_uint8(clip.astype(np.float32) * brightness * (1 - alpha) + 210.0 * alpha)


def spatter(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Water or mud spatter on the lens (albumentations ``Spatter``)."""
    mean, std, sigma, threshold, intensity, mode = pick(SPATTER, severity)
    sigma *= size_scale(clip)
    transform = A.Spatter(mean=(mean, mean), std=(std, std), gauss_sigma=(sigma, sigma),
                          cutout_threshold=(threshold, threshold),
                          intensity=(intensity, intensity), mode=mode, p=1.0)
    return albu(transform, clip, rng)


WEATHER = {'fog': fog, 'snow': snow, 'rain': rain, 'spatter': spatter}
