"""Expressions as facial action units (AUs) unfolding over time, plus distractors.

A clip's plan is a set of per-frame tracks: AU intensities (EMFACS prototypes scaled by an
onset -> apex -> offset envelope), blinks, talking jaw motion, head pose, camera shake
and lighting. Everything is drawn from one ``numpy.random.Generator`` per clip.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hdf_bench.data.classes import CLASSES

AUS: tuple[int, ...] = (1, 2, 4, 5, 6, 7, 9, 10, 12, 15, 16, 20, 23, 25, 26)
AU = {au: i for i, au in enumerate(AUS)}

# EMFACS prototypes (DATASETS.md), with typical relative intensities; a few companions
# (25 with 12, 10 with 9) as they co-occur in real faces.
PROTOTYPES: dict[str, dict[int, float]] = {
    'happy': {6: 0.8, 12: 1.0, 25: 0.3},
    'sad': {1: 0.9, 4: 0.6, 15: 1.0},
    'neutral': {},
    'angry': {4: 1.0, 5: 0.6, 7: 0.8, 23: 1.0},
    'surprise': {1: 1.0, 2: 1.0, 5: 0.9, 26: 1.0},
    'disgust': {9: 1.0, 10: 0.5, 15: 0.6, 16: 0.7},
    'fear': {1: 1.0, 2: 0.7, 4: 0.7, 5: 1.0, 7: 0.4, 20: 1.0, 26: 0.6},
}
# Weak, non-prototypical AU bursts seen in neutral talk (polite smile, frown of
# concentration, brow flash, lip press).
NEUTRAL_BURSTS: tuple[dict[int, float], ...] = (
    {12: 0.35}, {4: 0.4}, {1: 0.4, 2: 0.4}, {15: 0.35}, {23: 0.4}, {7: 0.35}, {1: 0.45},
)


@dataclass
class ClipTracks:
    """Per-frame parameters of one clip (T frames).

    Args:
        au: (T, len(AUS)) AU intensities in [0, ~1.2].
        blink: (T,) lid closure in [0, 1].
        talk: (T,) jaw opening from speech in [0, ~0.5].
        pose: (T, 6) yaw, pitch, roll (radians), dx, dy (face units), scale.
        gaze: (T, 2) iris offset in eye units.
        brightness: (T,) global light gain.
        light: (3,) direction angle, gradient strength, unused.
        gain: (3,) BGR colour cast.
        noise: sensor noise sigma (0-255 scale).
        blur: Gaussian blur sigma in pixels at 112 px (0 = none).
        posed: True for a fast (posed) onset.
    """

    au: np.ndarray
    blink: np.ndarray
    talk: np.ndarray
    pose: np.ndarray
    gaze: np.ndarray
    brightness: np.ndarray
    light: np.ndarray
    gain: np.ndarray
    noise: float
    blur: float
    posed: bool


@dataclass(frozen=True)
class Style:
    """How hard a clip is; the defaults are SynthDFER's own (1, 1, 1, 1).

    Every knob rescales values after they are drawn, so the defaults reproduce the
    default set byte for byte and other values change only what they name.

    Args:
        nuisance: scale of the distractors (speech, non-prototypical AU bursts, head
            motion and pose, camera shake, light gradient, brightness and colour cast,
            sensor noise, blur); 0 = none.
        ambiguity: chance scale of partial expressions and of the extra subtlety of
            sadness; 0 = every expression complete.
        expression_gain: factor on every expression's intensity.
        apex_scale: factor on the apex duration (longer apexes: more frames show the
            expression, which also makes single frames more informative).
    """

    nuisance: float = 1.0
    ambiguity: float = 1.0
    expression_gain: float = 1.0
    apex_scale: float = 1.0


#: SynthDFER's own difficulty
DEFAULT_STYLE = Style()


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def envelope(n_frames: int, start: float, onset: float, apex: float,
             offset: float) -> np.ndarray:
    """Onset -> apex -> offset profile in [0, 1] over ``n_frames`` frames.

    Args:
        n_frames: clip length.
        start: frame where the onset begins (may be negative: clip starts mid-onset).
        onset: onset duration in frames.
        apex: apex duration in frames.
        offset: offset duration in frames.
    """
    t = np.arange(n_frames, dtype=np.float64)
    rise = _smoothstep((t - start) / max(onset, 1e-3))
    fall = 1.0 - _smoothstep((t - start - onset - apex) / max(offset, 1e-3))
    return np.minimum(rise, fall)


def _pulses(rng: np.random.Generator, n_frames: int, rate: float,
            profile: tuple[float, ...]) -> np.ndarray:
    """Short events (blinks) at Poisson times with a fixed per-frame profile."""
    out = np.zeros(n_frames)
    for start in np.flatnonzero(rng.random(n_frames) < rate):
        for k, value in enumerate(profile):
            if start + k < n_frames:
                out[start + k] = max(out[start + k], value)
    return out


def _expression_au(rng: np.random.Generator, label: str, expressiveness: float,
                   n_frames: int, style: Style = DEFAULT_STYLE) -> tuple[np.ndarray, bool]:
    """AU tracks of the emotion itself, with per-clip intensity and partial expressions."""
    au = np.zeros((n_frames, len(AUS)))
    proto = PROTOTYPES[label]
    posed = bool(rng.random() < 0.4)
    if proto:
        scale = expressiveness * rng.uniform(0.65, 1.1) * style.expression_gain
        if label == 'sad':  # sadness is often subtle
            scale *= 1 - style.ambiguity * (1 - rng.uniform(0.45, 1.0))
        weights = {k: v * rng.uniform(0.6, 1.2) for k, v in proto.items()}
        if len(weights) > 2 and rng.random() < 0.35 * style.ambiguity:  # partial expression
            dropped = list(weights)[rng.integers(len(weights))]
            weights[dropped] *= 0.2
        onset = rng.uniform(1, 3) if posed else rng.uniform(4, 11)
        frac = rng.uniform(0.08, 0.22) if label == 'surprise' else rng.uniform(0.15, 0.45)
        apex = max(2.0, frac * n_frames * style.apex_scale)
        offset = rng.uniform(2, 8)
        latest = max(n_frames - onset - apex, 0.0)
        start = rng.uniform(-0.3 * onset, latest + 1e-6)
        env = envelope(n_frames, start, onset, apex, offset)
        for k, v in weights.items():
            au[:, AU[k]] = scale * v * env
    # weak non-prototypical bursts in every class (more in neutral)
    n_bursts = rng.poisson((0.9 if label == 'neutral' else 0.3) * style.nuisance)
    for _ in range(n_bursts):
        burst = NEUTRAL_BURSTS[rng.integers(len(NEUTRAL_BURSTS))]
        env = envelope(n_frames, rng.uniform(-3, n_frames), rng.uniform(2, 6),
                       rng.uniform(2, 10), rng.uniform(2, 6))
        strength = rng.uniform(0.4, 1.0)
        for k, v in burst.items():
            au[:, AU[k]] = np.maximum(au[:, AU[k]], strength * v * env)
    return au, posed


def _wander(rng: np.random.Generator, n_frames: int, amp: float) -> np.ndarray:
    """Slow smooth drift (sum of two sinusoids) with amplitude ``amp``."""
    t = np.arange(n_frames)
    out = np.zeros(n_frames)
    for _ in range(2):
        period = rng.uniform(15, 60)
        out += amp / 2 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    return out


def plan_clip(rng: np.random.Generator, label: int, n_frames: int, identity,
              style: Style = DEFAULT_STYLE) -> ClipTracks:
    """Draw every per-frame track of one clip.

    Args:
        rng: the clip's generator.
        label: canonical class index.
        n_frames: clip length.
        identity: the :class:`~hdf_bench.data.synth.face.Identity` shown.
        style: difficulty knobs (default: SynthDFER's own).
    """
    name = CLASSES[label]
    au, posed = _expression_au(rng, name, identity.expressiveness, n_frames, style)
    au += identity.resting[None, :]  # resting face (e.g. corners slightly down)
    blink = _pulses(rng, n_frames, identity.blink_rate, (0.6, 1.0, 0.5))
    talk = np.zeros(n_frames)
    if rng.random() < identity.talkativeness * style.nuisance:
        t = np.arange(n_frames)
        period = rng.uniform(3, 6)
        active = envelope(n_frames, rng.uniform(-10, n_frames * 0.6), 1.5,
                          rng.uniform(6, 3 * n_frames), 1.5)
        syll = np.abs(np.sin(np.pi * t / period + rng.uniform(0, np.pi))) ** 1.5
        talk = rng.uniform(0.08, 0.32) * syll * active
    pose = np.stack([
        identity.yaw + _wander(rng, n_frames, rng.uniform(0.0, 0.25)),
        rng.uniform(-0.12, 0.12) + _wander(rng, n_frames, rng.uniform(0.0, 0.12)),
        rng.uniform(-0.2, 0.2) + _wander(rng, n_frames, rng.uniform(0.0, 0.12)),
        rng.uniform(-0.12, 0.12) + _wander(rng, n_frames, 0.06),
        rng.uniform(-0.1, 0.1) + _wander(rng, n_frames, 0.05),
        rng.uniform(0.85, 1.12) * (1 + _wander(rng, n_frames, 0.04)),
    ], axis=1)
    shake = rng.uniform(0.0, 0.025)
    pose[:, 3:5] += rng.normal(0, shake, size=(n_frames, 2))
    gaze = np.repeat(rng.uniform(-0.25, 0.25, size=(1, 2)), n_frames, axis=0)
    gaze += np.stack([_wander(rng, n_frames, 0.2), _wander(rng, n_frames, 0.1)], axis=1)
    brightness = rng.uniform(0.65, 1.2) * (1 + rng.normal(0, 0.015, n_frames))
    light = np.array([rng.uniform(0, 2 * np.pi), rng.uniform(0.0, 0.4), 0.0])
    gain = rng.uniform(0.88, 1.12, size=3)
    noise = float(rng.uniform(2, 8))
    blur = float(rng.uniform(0.4, 1.2)) if rng.random() < 0.25 else 0.0
    k = style.nuisance
    if k != 1.0:  # shrink every distractor towards its neutral value
        pose[:, :5] = pose[:, :5] * k
        pose[:, 5] = 1 + k * (pose[:, 5] - 1)
        brightness = 1 + k * (brightness - 1)
        light[1] *= k
        gain = 1 + k * (gain - 1)
        noise, blur = noise * k, blur * k
    return ClipTracks(
        au=au.astype(np.float32), blink=blink, talk=talk, pose=pose, gaze=gaze,
        brightness=brightness, light=light, gain=gain, noise=noise, blur=blur, posed=posed)
