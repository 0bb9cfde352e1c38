"""Render one SynthDFER clip (plan the tracks, draw each frame, finish it) and its landmarks."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from hdf_bench.data.synth.expression import DEFAULT_STYLE, ClipTracks, Style, plan_clip
from hdf_bench.data.synth.face import (
    Identity,
    draw_face,
    face_landmarks,
    finish_frame,
    light_map,
    sample_identity,
)

# SeedSequence stream tags: one independent stream per purpose.
IDENTITY_STREAM, CLIP_STREAM, PLAN_STREAM = 0, 1, 2


@lru_cache(maxsize=64)
def identity_for(seed: int, index: int) -> Identity:
    """The ``index``-th identity of data set ``seed`` (cached)."""
    return sample_identity(np.random.default_rng(np.random.SeedSequence([seed, IDENTITY_STREAM,
                                                                         index])))


def _plan(seed: int, clip_index: int, identity_index: int, label: int, n_frames: int,
          style: Style = DEFAULT_STYLE) -> tuple[np.random.Generator, Identity, ClipTracks]:
    """The clip's generator (after planning), identity and per-frame tracks."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, CLIP_STREAM, clip_index]))
    ident = identity_for(seed, identity_index)
    return rng, ident, plan_clip(rng, label, n_frames, ident, style)


def clip_landmarks(seed: int, clip_index: int, identity_index: int, label: int, n_frames: int,
                   size: int, style: Style = DEFAULT_STYLE) -> np.ndarray:
    """(T, K, 2) pixel landmarks of the clip :func:`render_clip` draws from the same arguments
    (order of :data:`hdf_bench.data.landmarks.LANDMARK_NAMES`)."""
    _, ident, tracks = _plan(seed, clip_index, identity_index, label, n_frames, style)
    return np.stack([face_landmarks(size, ident, tracks.au[t], tracks.blink[t], tracks.talk[t],
                                    tracks.pose[t]) for t in range(n_frames)]).astype(np.float32)


def render_clip(seed: int, clip_index: int, identity_index: int, label: int, n_frames: int,
                size: int, style: Style = DEFAULT_STYLE) -> list[np.ndarray]:
    """Frames (BGR uint8, size x size) of one clip; same arguments -> same pixels.

    Args:
        seed: data-set seed.
        clip_index: 0-based clip number (its own random stream).
        identity_index: which identity is shown.
        label: canonical class index.
        n_frames: clip length.
        size: image side in pixels.
        style: difficulty knobs (default: SynthDFER's own).
    """
    rng, ident, tracks = _plan(seed, clip_index, identity_index, label, n_frames, style)
    lmap = light_map(size, tracks)
    frames = []
    for t in range(n_frames):
        img = draw_face(size, ident, tracks.au[t], tracks.blink[t], tracks.talk[t],
                        tracks.pose[t], tracks.gaze[t])
        frames.append(finish_frame(img, tracks, t, rng, lmap))
    return frames
