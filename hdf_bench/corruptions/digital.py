"""Digital corruptions: brightness, contrast, saturation, pixelation, posterisation.

All deterministic (no random draw); they depend only on the clip and the severity.
"""
from __future__ import annotations

import albumentations as A
import cv2
import numpy as np

from hdf_bench.corruptions._common import albu, pick, to_uint8

#: Brightness: additive shift as a fraction of 255 (Yi et al.: +0.1 .. +0.5).
BRIGHTNESS = (0.1, 0.2, 0.3, 0.4, 0.5)
#: Contrast: factor applied around each frame's per-channel mean (Yi et al.: 0.5 .. 0.1).
CONTRAST = (0.5, 0.4, 0.3, 0.2, 0.1)
#: Saturation amplification factor (1 = unchanged), applied around the luma.
SATURATE = (1.5, 2.0, 3.0, 4.5, 7.0)
#: Pixelate: downscale factor (area down, exact nearest up) = blocks of 2, 3, 4, 5, 8 px.
PIXELATE = (0.5, 0.33, 0.25, 0.2, 0.125)
#: Posterize: bits kept per channel.
POSTERIZE_BITS = (6, 5, 4, 3, 2)

LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def brightness(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Additive brightness shift (albumentations ``RandomBrightnessContrast``)."""
    b = pick(BRIGHTNESS, severity)
    return albu(A.RandomBrightnessContrast(brightness_limit=(b, b), contrast_limit=(0.0, 0.0),
                                           p=1.0), clip, rng)


def contrast(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Contrast reduction towards each frame's per-channel mean."""
    c = pick(CONTRAST, severity)
    x = clip.astype(np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    return to_uint8((x - mean) * c + mean)


def saturate(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Over-saturation: push colours away from their luma by a factor."""
    f = pick(SATURATE, severity)
    x = clip.astype(np.float32)
    luma = (x @ LUMA)[..., None]
    return to_uint8(luma + f * (x - luma))


def pixelate(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Pixelation (albumentations ``Downscale``: area downscaling, nearest upscaling).

    Frames too small for the severity's block size keep at least one block per side.
    """
    scale = pick(PIXELATE, severity)
    side = min(clip.shape[1:3])
    if round(side * scale) < 1:  # OpenCV rounds the downscaled size; 0 pixels is an error
        scale = 1.0 / side
    transform = A.Downscale(scale_range=(scale, scale), p=1.0,
                            interpolation_pair={'downscale': cv2.INTER_AREA,
                                                'upscale': cv2.INTER_NEAREST_EXACT})
    return albu(transform, clip, rng)


def posterize(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Colour quantisation (albumentations ``Posterize``)."""
    return albu(A.Posterize(num_bits=pick(POSTERIZE_BITS, severity), p=1.0), clip, rng)


DIGITAL = {
    'brightness': brightness,
    'contrast': contrast,
    'saturate': saturate,
    'pixelate': pixelate,
    'posterize': posterize,
}
