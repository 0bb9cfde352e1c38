"""Noise corruptions. Severity tables are fractions of the 0-255 range unless stated.

Clip-consistent by default: one noise field is drawn per call and added to every frame
(``corrupt(..., per_frame=True)`` draws a fresh field per frame).
"""
from __future__ import annotations

import albumentations as A
import numpy as np

from hdf_bench.corruptions._common import albu, pick, to_uint8

#: Gaussian noise standard deviation (fraction of 255). ImageNet-C: .08 .. .38 (milder here).
GAUSSIAN_STD = (0.05, 0.08, 0.11, 0.15, 0.20)
#: Shot noise photon count at full scale (lower = noisier). Yi et al.: 60, 25, 12, 5, 3.
SHOT_PHOTONS = (120.0, 60.0, 30.0, 15.0, 8.0)
#: Impulse (salt-and-pepper) noise: fraction of pixels replaced.
IMPULSE_AMOUNT = (0.01, 0.02, 0.04, 0.07, 0.11)
#: Speckle noise: standard deviation of the multiplicative factor.
SPECKLE_STD = (0.10, 0.15, 0.25, 0.35, 0.45)


def _field(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One standard normal field (H, W, 3), broadcast over frames."""
    return rng.standard_normal(clip.shape[1:], dtype=np.float32)


def gaussian_noise(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian noise (albumentations ``GaussNoise``)."""
    std = pick(GAUSSIAN_STD, severity)
    return albu(A.GaussNoise(std_range=(std, std), per_channel=True, p=1.0), clip, rng)


def shot_noise(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Photon (Poisson) noise, Gaussian approximation: variance proportional to intensity."""
    photons = pick(SHOT_PHOTONS, severity)
    x = clip.astype(np.float32)
    return to_uint8(x + np.sqrt(x * (255.0 / photons)) * _field(clip, rng))


def impulse_noise(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Salt-and-pepper noise (albumentations ``SaltAndPepper``)."""
    amount = pick(IMPULSE_AMOUNT, severity)
    return albu(A.SaltAndPepper(amount=(amount, amount), salt_vs_pepper=(0.5, 0.5), p=1.0),
                clip, rng)


def speckle_noise(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative Gaussian noise: x * (1 + N(0, c))."""
    std = pick(SPECKLE_STD, severity)
    x = clip.astype(np.float32)
    return to_uint8(x * (1.0 + std * _field(clip, rng)))


NOISE = {
    'gaussian_noise': gaussian_noise,
    'shot_noise': shot_noise,
    'impulse_noise': impulse_noise,
    'speckle_noise': speckle_noise,
}
