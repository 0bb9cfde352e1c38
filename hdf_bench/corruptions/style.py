"""Style shifts: tone curve, lighting, colour cast, hue, grayscale and sepia.

Grayscale and sepia have no natural severity; here it is the blend weight of the full effect.
"""
from __future__ import annotations

import colorsys

import albumentations as A
import numpy as np

from hdf_bench.corruptions._common import albu, blend, pick, to_uint8

#: Gamma (> 1 darkens: under-exposure).
GAMMA = (1.4, 1.8, 2.3, 2.9, 3.6)
#: Uneven lighting: gain 1 +- i across the frame along a random direction (per clip).
ILLUMINATION = (0.15, 0.3, 0.45, 0.6, 0.75)
#: Hue rotation in degrees; the sign is drawn per clip.
HUE_SHIFT = (10.0, 20.0, 35.0, 50.0, 70.0)
#: Colour cast (white-balance error): strength of the per-channel gain towards a random hue.
COLOR_CAST = (0.15, 0.3, 0.45, 0.6, 0.75)
#: Grayscale / sepia: blend weight of the fully converted clip.
BLEND = (0.2, 0.4, 0.6, 0.8, 1.0)


def gamma(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Gamma curve (albumentations ``RandomGamma``)."""
    g = 100.0 * pick(GAMMA, severity)
    return albu(A.RandomGamma(gamma_limit=(g, g), p=1.0), clip, rng)


def illumination(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Uneven lighting: a linear gain ramp from 1 - i to 1 + i in a random direction."""
    i = pick(ILLUMINATION, severity)
    _, h, w, _ = clip.shape
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[-1:1:h * 1j, -1:1:w * 1j].astype(np.float32)
    ramp = (np.cos(theta) * xx + np.sin(theta) * yy) / np.sqrt(2)
    ramp /= max(float(np.abs(ramp).max()), 1e-6)
    return to_uint8(clip.astype(np.float32) * (1.0 + i * ramp)[..., None])


def hue_shift(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Hue rotation (albumentations ``HueSaturationValue``, which counts hue in 2-degree units)."""
    h = pick(HUE_SHIFT, severity) / 2.0 * (1.0 if rng.random() < 0.5 else -1.0)
    transform = A.HueSaturationValue(hue_shift_limit=(h, h), sat_shift_limit=(0, 0),
                                     val_shift_limit=(0, 0), p=1.0)
    return albu(transform, clip, rng)


def color_cast(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Colour cast: per-channel gains 1 - a * (1 - tint), tint a saturated colour of random hue."""
    a = pick(COLOR_CAST, severity)
    tint = np.array(colorsys.hsv_to_rgb(float(rng.random()), 1.0, 1.0), np.float32)
    return to_uint8(clip.astype(np.float32) * (1.0 - a * (1.0 - tint)))


def grayscale(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Desaturation towards grayscale (albumentations ``ToGray``, blended)."""
    return blend(clip, albu(A.ToGray(p=1.0), clip, rng), pick(BLEND, severity))


def sepia(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Sepia tone (albumentations ``ToSepia``, blended)."""
    return blend(clip, albu(A.ToSepia(p=1.0), clip, rng), pick(BLEND, severity))


STYLE = {
    'gamma': gamma,
    'illumination': illumination,
    'hue_shift': hue_shift,
    'color_cast': color_cast,
    'grayscale': grayscale,
    'sepia': sepia,
}
