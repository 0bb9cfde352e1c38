"""A synthetic face-like test clip for tests and benchmarks (no data needed)."""
from __future__ import annotations

import cv2
import numpy as np


def make_test_clip(frames: int = 16, size: int = 112, seed: int = 0) -> np.ndarray:
    """A (frames, size, size, 3) uint8 clip: textured background, a moving 'face', a sweeping bar.

    Every frame differs from every other (the face drifts and the bar moves), intensities stay
    mid-range, and the texture has both fine and coarse detail.

    Args:
        frames: number of frames T.
        size: height and width.
        seed: texture seed.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    coarse = cv2.resize(rng.random((8, 8, 3), dtype=np.float32), (size, size),
                        interpolation=cv2.INTER_CUBIC)
    fine = rng.random((size, size, 3), dtype=np.float32)
    base = 65 + 60 * coarse + 10 * fine + 30 * np.stack([yy, xx, 1 - yy], -1)
    clip = []
    for t in range(frames):
        img = base.copy()
        phase = 2 * np.pi * t / max(frames, 1)
        cx, cy = 0.5 + 0.12 * np.sin(phase), 0.5 + 0.08 * np.cos(phase)
        face = ((xx - cx) / 0.28) ** 2 + ((yy - cy) / 0.36) ** 2 < 1
        img[face] = 0.6 * img[face] + 0.4 * np.array([200, 150, 120], np.float32)
        for ex in (-0.1, 0.1):
            eye = ((xx - cx - ex) / 0.05) ** 2 + ((yy - cy + 0.1) / 0.03) ** 2 < 1
            img[eye] = (40, 35, 30)
        mouth = (np.abs(xx - cx) < 0.1) & (np.abs(yy - cy - 0.15 - 0.02 * np.sin(3 * phase)) < 0.02)
        img[mouth] = (120, 40, 50)
        bar = np.abs(xx - (t + 0.5) / max(frames, 1)) < 0.03
        img[bar] = 0.5 * img[bar] + 90
        clip.append(img)
    return np.clip(np.rint(np.stack(clip)), 0, 255).astype(np.uint8)
