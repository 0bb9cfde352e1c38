"""Temporal corruptions. All keep T frames: lost frames are filled by holding a kept one.

Severity definitions (T = clip length):
  frame_drop   fraction of frames lost (never the first), each filled by the previous kept frame
  frame_rate   fps reduction factor r: keep frames floor(k * r) and hold each until the next
  freeze       fraction of the clip held on one frame (one contiguous run at a random position)
  reverse      fraction of the clip played backwards (one window at a random position; 1.0 = all)
  jumble       frames shuffled within consecutive segments of L frames (larger L = more disorder)
  box_jumble   the clip is cut into n segments whose order is shuffled (never the identity)
  temporal_motion_blur  each frame averaged with k neighbours on each side
  jitter       per-frame random translation (camera shake), up to m px @112, reflect padding
"""
from __future__ import annotations

import numpy as np

from hdf_bench.corruptions._common import pick, size_scale, to_uint8

FRAME_DROP = (0.1, 0.2, 0.35, 0.5, 0.7)
FRAME_RATE = (1.5, 2.0, 3.0, 4.0, 6.0)
FREEZE = (0.15, 0.3, 0.45, 0.6, 0.8)
REVERSE = (0.2, 0.4, 0.6, 0.8, 1.0)
JUMBLE = (2, 3, 4, 6, 8)
BOX_JUMBLE = (2, 3, 4, 6, 8)
TEMPORAL_BLUR = (1, 2, 3, 4, 6)
JITTER = (2, 4, 6, 9, 12)


def _count(fraction: float, t: int, low: int = 1) -> int:
    """round(fraction * t), clipped to [low, t]."""
    return int(min(t, max(low, round(fraction * t))))


def frame_drop_indices(t: int, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Source frame of each output frame for ``frame_drop``."""
    idx = np.arange(t)
    if t < 2:
        return idx
    lost = np.zeros(t, bool)
    lost[1 + rng.choice(t - 1, _count(pick(FRAME_DROP, severity), t - 1), replace=False)] = True
    return np.maximum.accumulate(np.where(lost, 0, idx))


def frame_rate_indices(t: int, severity: int) -> np.ndarray:
    """Source frame of each output frame for ``frame_rate`` (deterministic)."""
    r = pick(FRAME_RATE, severity)
    kept = np.zeros(t, bool)
    kept[np.unique(np.floor(np.arange(0, t, r)).astype(int))] = True
    return np.maximum.accumulate(np.where(kept, np.arange(t), 0))


def freeze_indices(t: int, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Source frame of each output frame for ``freeze``."""
    idx = np.arange(t)
    m = _count(pick(FREEZE, severity), t, low=2)
    start = int(rng.integers(0, t - m + 1))
    idx[start:start + m] = start
    return idx


def reverse_indices(t: int, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Source frame of each output frame for ``reverse``."""
    idx = np.arange(t)
    w = _count(pick(REVERSE, severity), t, low=2)
    start = int(rng.integers(0, t - w + 1))
    idx[start:start + w] = idx[start:start + w][::-1]
    return idx


def jumble_indices(t: int, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Source frame of each output frame for ``jumble``."""
    length = min(pick(JUMBLE, severity), t)
    return np.concatenate([rng.permutation(np.arange(i, min(i + length, t)))
                           for i in range(0, t, length)])


def box_jumble_indices(t: int, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Source frame of each output frame for ``box_jumble``."""
    n = min(pick(BOX_JUMBLE, severity), t)
    segments = np.array_split(np.arange(t), n)
    order = np.arange(n)
    while n > 1 and np.array_equal(order, np.arange(n)):
        order = rng.permutation(n)
    return np.concatenate([segments[i] for i in order])


def frame_drop(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Random frames lost, each replaced by the previous kept frame."""
    return clip[frame_drop_indices(len(clip), severity, rng)]


def frame_rate(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Lower frame rate (sample-and-hold at 1/r of the original rate)."""
    return clip[frame_rate_indices(len(clip), severity)]


def freeze(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """A contiguous run of frames frozen on its first frame."""
    return clip[freeze_indices(len(clip), severity, rng)]


def reverse(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """A window of the clip played backwards."""
    return clip[reverse_indices(len(clip), severity, rng)]


def jumble(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Local shuffle of frames within consecutive segments."""
    return clip[jumble_indices(len(clip), severity, rng)]


def box_jumble(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Shuffle of the order of contiguous segments."""
    return clip[box_jumble_indices(len(clip), severity, rng)]


def temporal_motion_blur(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Each frame replaced by the mean of frames t-k .. t+k (truncated at the clip ends)."""
    k, t = pick(TEMPORAL_BLUR, severity), len(clip)
    csum = np.concatenate([np.zeros((1,) + clip.shape[1:], np.float32),
                           np.cumsum(clip, axis=0, dtype=np.float32)])
    lo, hi = np.clip(np.arange(t) - k, 0, t), np.clip(np.arange(t) + k + 1, 0, t)
    return to_uint8((csum[hi] - csum[lo]) / (hi - lo).astype(np.float32)[:, None, None, None])


def jitter(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """Per-frame random translation: the crop window shakes from frame to frame."""
    t, h, w, _ = clip.shape
    m = int(min(max(1, round(pick(JITTER, severity) * size_scale(clip))), h - 1, w - 1))
    padded = np.pad(clip, ((0, 0), (m, m), (m, m), (0, 0)), mode='reflect')
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, t))
    return np.stack([padded[i, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(t)])


TEMPORAL = {
    'frame_drop': frame_drop,
    'frame_rate': frame_rate,
    'freeze': freeze,
    'reverse': reverse,
    'jumble': jumble,
    'box_jumble': box_jumble,
    'temporal_motion_blur': temporal_motion_blur,
    'jitter': jitter,
}
