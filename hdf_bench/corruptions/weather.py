"""Weather corruptions. One weather layer is drawn per clip (a static overlay on all frames)."""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from hdf_bench.corruptions._common import REFERENCE_SIZE, albu, pick, size_scale, to_uint8

#: Fog: (peak density of the fog layer, fog grey level). The layer is a 4-octave plasma-like
#: field, so its pattern scales with the image.
FOG = ((0.25, 210.0), (0.40, 215.0), (0.55, 220.0), (0.70, 225.0), (0.85, 230.0))
#: Snow (albumentations ``RandomSnow``, texture method): (snow point threshold, brightness).
SNOW = ((0.10, 1.5), (0.20, 1.75), (0.30, 2.0), (0.40, 2.25), (0.50, 2.5))
#: Rain: (streaks per 112x112 px, streak length px @112, streak opacity, scene brightness).
RAIN = ((40, 6, 0.5, 0.95), (80, 8, 0.6, 0.9), (140, 10, 0.7, 0.85), (220, 12, 0.8, 0.8),
        (320, 14, 0.9, 0.75))
#: Spatter (albumentations ``Spatter``): (mean, std, sigma px @112, threshold, intensity, mode).
#: Adapted from ImageNet-C: water drops with growing coverage for levels 1-4, mud for 5.
SPATTER = ((0.65, 0.3, 2.0, 0.70, 0.6, 'rain'), (0.65, 0.3, 2.0, 0.66, 0.6, 'rain'),
           (0.65, 0.3, 2.0, 0.62, 0.6, 'rain'), (0.65, 0.3, 2.0, 0.60, 0.6, 'rain'),
           (0.67, 0.4, 2.0, 0.50, 1.0, 'mud'))


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
    """Snow (albumentations ``RandomSnow``, texture method)."""
    point, brightness = pick(SNOW, severity)
    return albu(A.RandomSnow(snow_point_range=(point, point), brightness_coeff=brightness,
                             method='texture', p=1.0), clip, rng)


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
