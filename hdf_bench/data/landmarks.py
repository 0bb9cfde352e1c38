"""Per-frame face landmarks: the point set, the on-disk layout, and the aligned-crop prior.

SynthDFER writes one file per clip and frame folder::

    Landmarks/<variant>/<clip id>.npz    points (T, K, 2) float32, x/y in pixels of the frames
                                         size (2,) int: height, width the points refer to

so ``Landmarks/clip_224x224_16f/00001.npz`` has one row per image of
``Clip/clip_224x224_16f/00001/``. Readers put its path into the data info as
``landmarks_file`` when it exists; the ``Corrupt`` transform hands the points to the face
corruptions. ``left`` / ``right`` are as seen in the image.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    'forehead', 'face_left', 'face_right', 'chin',
    'brow_left_outer', 'brow_left_inner', 'brow_right_inner', 'brow_right_outer',
    'eye_left_outer', 'eye_left_inner', 'eye_left_top', 'eye_left_bottom',
    'eye_right_inner', 'eye_right_outer', 'eye_right_top', 'eye_right_bottom',
    'nose_tip', 'mouth_left', 'mouth_right', 'lip_top', 'lip_bottom',
)
LM = {name: i for i, name in enumerate(LANDMARK_NAMES)}
LANDMARK_DIR = 'Landmarks'

#: Where the landmarks of an aligned face crop lie, as fractions of its width (x) and height
#: (y). DFEW, FERV39k and MAFW ship crops from a face detector with the face aligned and
#: filling most of the image: eyes level at ~40 % of the height, the mouth at ~75 %, the
#: chin near the bottom edge. These are layout priors, not measurements on those sets; the
#: face corruptions place their occluders from them whenever a clip has no landmarks.
ALIGNED_CROP_PRIOR = np.array([
    (0.50, 0.10), (0.12, 0.45), (0.88, 0.45), (0.50, 0.96),
    (0.20, 0.29), (0.42, 0.30), (0.58, 0.30), (0.80, 0.29),
    (0.24, 0.40), (0.42, 0.40), (0.33, 0.37), (0.33, 0.43),
    (0.58, 0.40), (0.76, 0.40), (0.67, 0.37), (0.67, 0.43),
    (0.50, 0.58), (0.36, 0.75), (0.64, 0.75), (0.50, 0.71), (0.50, 0.81),
], np.float32)


def landmarks_path(data_root: str, variant: str, clip_id: str) -> str:
    """``<data_root>/Landmarks/<variant>/<clip_id>.npz``."""
    return os.path.join(data_root, LANDMARK_DIR, variant, f'{clip_id}.npz')


def save_landmarks(path: str, points: np.ndarray, size: tuple[int, int]) -> None:
    """Write (T, K, 2) pixel landmarks of frames of ``size`` = (height, width).

    An ``.npz`` with fixed zip timestamps, so the same points give the same bytes.
    """
    arrays = {'points': np.asarray(points, np.float32), 'size': np.asarray(size, np.int32)}
    with zipfile.ZipFile(path, 'w') as archive:
        for key, array in arrays.items():
            with archive.open(zipfile.ZipInfo(f'{key}.npy', date_time=(1980, 1, 1, 0, 0, 0)),
                              'w') as handle:
                np.lib.format.write_array(handle, array, allow_pickle=False)


def load_landmarks(path: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Read a landmarks file: ((T, K, 2) float32 points, (height, width))."""
    try:
        with np.load(path) as data:
            points, size = data['points'], data['size']
    except (OSError, KeyError, ValueError) as err:
        raise ValueError(f'landmarks file {path}: cannot read points/size ({err})') from err
    if points.ndim != 3 or points.shape[1:] != (len(LANDMARK_NAMES), 2):
        raise ValueError(f'landmarks file {path}: points have shape {points.shape}, expected '
                         f'(T, {len(LANDMARK_NAMES)}, 2)')
    return points.astype(np.float32), (int(size[0]), int(size[1]))


def prior_landmarks(frames: int, height: int, width: int) -> np.ndarray:
    """:data:`ALIGNED_CROP_PRIOR` in pixels, repeated for ``frames`` frames: (T, K, 2)."""
    points = ALIGNED_CROP_PRIOR * np.array([width, height], np.float32)
    return np.repeat(points[None], frames, axis=0)


def check_landmarks(landmarks: np.ndarray, frames: int) -> np.ndarray:
    """Return ``landmarks`` as float32 (T, K, 2), or raise ValueError naming the shape."""
    arr = np.asarray(landmarks, np.float32)
    if arr.shape != (frames, len(LANDMARK_NAMES), 2):
        raise ValueError(f'landmarks must have shape ({frames}, {len(LANDMARK_NAMES)}, 2) '
                         f'(frames, points of LANDMARK_NAMES, x/y), got {arr.shape}')
    if not np.isfinite(arr).all():
        raise ValueError('landmarks hold non-finite values')
    return arr
