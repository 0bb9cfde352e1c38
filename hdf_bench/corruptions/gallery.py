"""The corruption gallery: one clip under each corruption of a suite at a few severities.

Corruptions acting frame by frame show one frame per severity; those that act over time
(temporal ones and the face shifts that move: ``FACE_VARYING``) show a strip of frames per
severity, each frame labelled with the clean frame it shows (``t``) when it is one.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from hdf_bench.corruptions.api import TEMPORAL_NAMES, as_clip, corrupt, group_of  # noqa: E402
from hdf_bench.corruptions.face import FACE_VARYING  # noqa: E402

#: The SynthDFER clip shown by default: data-set seed, clip, identity, label (happy), frames.
GALLERY_CLIP = (0, 0, 0, 0, 16)
GALLERY_SEVERITIES = (1, 3, 5)
STRIP_FRAMES = 8
TILE = 112  # displayed side of a single frame
STRIP_TILE = 72  # displayed side of a frame in a strip
TILES_PER_ROW = 4
DPI = 80


@dataclass(frozen=True)
class GalleryClip:
    """A clip to show: (T, H, W, 3) RGB uint8 frames, optional landmarks, a caption."""

    frames: np.ndarray
    landmarks: np.ndarray | None
    caption: str


def synthdfer_clip(size: int = 112) -> GalleryClip:
    """The default gallery clip: a SynthDFER smile (rendered in memory) with its landmarks."""
    from hdf_bench.data.synth.render import clip_landmarks, render_clip

    seed, index, identity, label, frames = GALLERY_CLIP
    bgr = render_clip(seed, index, identity, label, frames, size)
    rgb = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in bgr])
    return GalleryClip(rgb, clip_landmarks(seed, index, identity, label, frames, size),
                       f'SynthDFER clip {index + 1:05d} (happy, {frames} frames, {size} px, '
                       'generator landmarks)')


def is_strip(name: str) -> bool:
    """Whether a corruption is shown as a frame strip (it changes the clip over time)."""
    return name in TEMPORAL_NAMES or name in FACE_VARYING


def _resize(frame: np.ndarray, side: int) -> np.ndarray:
    return cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)


def _source_index(frame: np.ndarray, clean: np.ndarray) -> int | None:
    hits = np.flatnonzero((clean.reshape(len(clean), -1) == frame.reshape(-1)).all(1))
    return int(hits[0]) if len(hits) else None


def _strip_positions(t: int) -> np.ndarray:
    return np.unique(np.round(np.linspace(0, t - 1, min(STRIP_FRAMES, t))).astype(int))


def _panel(ax, image: np.ndarray, title: str) -> None:
    ax.imshow(image, interpolation='nearest')
    ax.set_title(title, fontsize=9, loc='left')
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _frames_panel(ax, clip: GalleryClip, name: str | None, severities: Sequence[int],
                  seed: int) -> None:
    """One frame (middle of the clip) per severity side by side; clean first if ``name`` is
    None."""
    mid = len(clip.frames) // 2
    outs = [clip.frames] if name is None else [
        corrupt(clip.frames, name, s, seed=seed, clip_id='gallery', landmarks=clip.landmarks)
        for s in severities]
    gap = np.full((TILE, 4, 3), 255, np.uint8)
    tiles = [x for out in outs for x in (_resize(out[mid], TILE), gap)][:-1]
    _panel(ax, np.concatenate(tiles, axis=1),
           'clean (middle frame)' if name is None else f'{name} [{group_of(name)}]')
    if name is not None:
        for k, s in enumerate(severities):
            ax.text(k * (TILE + 4) + 3, TILE - 4, f's{s}', color='white', fontsize=8,
                    bbox=dict(facecolor='black', alpha=0.6, pad=1, lw=0))


def _strip_panel(ax, clip: GalleryClip, name: str, severities: Sequence[int],
                 seed: int) -> None:
    """A strip of frames per severity, one above the other, each frame labelled t=source."""
    pos = _strip_positions(len(clip.frames))
    rows = []
    labels = []
    for s in severities:
        out = corrupt(clip.frames, name, s, seed=seed, clip_id='gallery',
                      landmarks=clip.landmarks)
        rows.append(np.concatenate([_resize(out[p], STRIP_TILE) for p in pos], axis=1))
        labels.append([_source_index(out[p], clip.frames) for p in pos])
    gap = np.full((3, rows[0].shape[1], 3), 255, np.uint8)
    image = np.concatenate([x for row in rows for x in (row, gap)][:-1], axis=0)
    _panel(ax, image, f'{name} [{group_of(name)}]: frames {", ".join(map(str, pos))}')
    for r, (s, row_labels) in enumerate(zip(severities, labels, strict=True)):
        y = r * (STRIP_TILE + 3)
        ax.text(2, y + STRIP_TILE - 3, f's{s}', color='white', fontsize=8,
                bbox=dict(facecolor='black', alpha=0.6, pad=1, lw=0))
        for k, src in enumerate(row_labels):
            if src is not None and src != pos[k]:
                ax.text(k * STRIP_TILE + STRIP_TILE - 3, y + 11, f't={src}', color='yellow',
                        fontsize=7, ha='right', bbox=dict(facecolor='black', alpha=0.6, pad=1,
                                                          lw=0))


def draw_gallery(corruptions: Sequence[str], clip: GalleryClip | None = None,
                 severities: Sequence[int] = GALLERY_SEVERITIES, seed: int = 0,
                 title: str = 'Corruption gallery') -> bytes:
    """PNG bytes of the gallery.

    Args:
        corruptions: corruption names, in display order.
        clip: what to show (default :func:`synthdfer_clip`).
        severities: severities shown per corruption.
        seed: corruption seed (the clip id is ``gallery``).
        title: figure title.
    """
    clip = clip or synthdfer_clip()
    as_clip(clip.frames)
    frames = [n for n in corruptions if not is_strip(n)]
    strips = [n for n in corruptions if is_strip(n)]
    per_row = TILES_PER_ROW
    frame_rows = -(-(len(frames) + 1) // per_row)
    strip_rows = -(-len(strips) // 2)
    n_sev = len(severities)
    frame_px = n_sev * (TILE + 4)  # width of a frame panel in pixels
    strip_scale = per_row * frame_px / 2 / (len(_strip_positions(len(clip.frames))) * STRIP_TILE)
    frame_h = (TILE + 24) / DPI
    strip_h = (n_sev * (STRIP_TILE + 3) * strip_scale + 24) / DPI
    width = per_row * frame_px / DPI
    height = frame_rows * frame_h + strip_rows * strip_h + 0.5
    fig = plt.figure(figsize=(width, height))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.6 / height)
    grid = fig.add_gridspec(frame_rows + strip_rows, 2 * per_row,
                            height_ratios=[frame_h] * frame_rows + [strip_h] * strip_rows,
                            hspace=0.35, wspace=0.08)
    cells = [None] + list(frames)
    for i, name in enumerate(cells):
        ax = fig.add_subplot(grid[i // per_row, 2 * (i % per_row):2 * (i % per_row) + 2])
        _frames_panel(ax, clip, name, severities, seed)
    for i, name in enumerate(strips):
        row = frame_rows + i // 2
        ax = fig.add_subplot(grid[row, per_row * (i % 2):per_row * (i % 2) + per_row])
        _strip_panel(ax, clip, name, severities, seed)
    fig.suptitle(f'{title}: {clip.caption}; severities {", ".join(map(str, severities))}',
                 fontsize=11, x=0.01, y=1 - 0.1 / height, ha='left', va='top')
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=DPI, bbox_inches='tight')
    plt.close(fig)
    return buffer.getvalue()


def corruption_list(corruptions: Sequence[str]) -> list[tuple[str, str, str]]:
    """(name, group, how the gallery shows it) for each corruption."""
    return [(n, group_of(n), 'frame strip' if is_strip(n) else 'middle frame')
            for n in corruptions]
