"""Weather corruptions. One weather layer is drawn per clip (a static overlay on all frames)."""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from hdf_bench.corruptions._common import albu, pick, size_scale, to_uint8

#: Fog: (peak density of the fog layer, fog grey level). The layer is a 4-octave plasma-like
#: field, so its pattern scales with the image.
FOG = ((0.25, 210.0), (0.40, 215.0), (0.55, 220.0), (0.70, 225.0), (0.85, 230.0))
#: Snow (albumentations ``RandomSnow``, texture method): (snow point threshold, brightness).
SNOW = ((0.10, 1.5), (0.20, 1.75), (0.30, 2.0), (0.40, 2.25), (0.50, 2.5))
#: Rain: (rain type = drop count, drop length px @112, blur kernel px, brightness factor).
RAIN = (('drizzle', 6, 1, 0.9), ('default', 8, 2, 0.85), ('heavy', 10, 2, 0.8),
        ('heavy', 12, 3, 0.75), ('torrential', 14, 3, 0.7))
#: Spatter (albumentations ``Spatter``): (mean, std, sigma px @112, threshold, intensity, mode).
#: Adapted from ImageNet-C: water drops for levels 1-3, mud for 4-5.
SPATTER = ((0.65, 0.3, 2.0, 0.69, 0.6, 'rain'), (0.65, 0.3, 1.5, 0.68, 0.6, 'rain'),
           (0.65, 0.3, 1.0, 0.68, 0.5, 'rain'), (0.65, 0.3, 1.0, 0.65, 1.5, 'mud'),
           (0.67, 0.4, 1.0, 0.65, 1.5, 'mud'))


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
    """Rain streaks (albumentations ``RandomRain``)."""
    rain_type, length, blur, brightness = pick(RAIN, severity)
    s = size_scale(clip)
    length = max(1, min(int(round(length * s)), clip.shape[1] - 1))
    transform = A.RandomRain(slant_range=(-10, 10), drop_length=length, drop_width=1,
                             blur_value=max(1, int(round(blur * s))),
                             brightness_coefficient=brightness, rain_type=rain_type, p=1.0)
    return albu(transform, clip, rng)


def spatter(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Water or mud spatter on the lens (albumentations ``Spatter``)."""
    mean, std, sigma, threshold, intensity, mode = pick(SPATTER, severity)
    sigma *= size_scale(clip)
    transform = A.Spatter(mean=(mean, mean), std=(std, std), gauss_sigma=(sigma, sigma),
                          cutout_threshold=(threshold, threshold),
                          intensity=(intensity, intensity), mode=mode, p=1.0)
    return albu(transform, clip, rng)


WEATHER = {'fog': fog, 'snow': snow, 'rain': rain, 'spatter': spatter}
