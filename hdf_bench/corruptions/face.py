"""Face shifts: occlusion, an unstable face crop, in-plane rotation and low resolution.

Every function takes ``landmarks`` (T, K, 2) in pixels (order of
:data:`hdf_bench.data.landmarks.LANDMARK_NAMES`); without them the occluders are placed from
the aligned-crop prior (:data:`~hdf_bench.data.landmarks.ALIGNED_CROP_PRIOR`). Regions are
bands in the face's own frame (x along the eye line, y towards the chin), so occluders follow
the head when it moves or rolls. Draws are once per clip unless stated.

Severity definitions (levels 1..5):
  upper_face_occlusion  share of the upper-face band (top of the face down to the bottom of the
                        eyes band) hidden, from the top down like a hat brim or fringe: 0.2 .. 1.0
  eye_occlusion         share of the eyes band (eye line +- 0.55 eye widths, below the brows:
                        sunglasses) hidden, a bar centred on the eye line: 0.2 .. 1.0
  lower_face_occlusion  share of the lower-face band (below the nose to the chin) hidden, from
                        the chin up like a mask or a hand: 0.2 .. 1.0
  patch_occlusion       side of a square patch at a random place on the face, fraction of the
                        face width: 0.2 .. 0.55
  moving_occluder       width of a bar as tall as the face that crosses it from one side to the
                        other over the clip (position changes every frame): 0.15 .. 0.6
  crop_jitter           an unstable detector: every frame's crop shifted by up to m of the side
                        (0.02 .. 0.11) and scaled by up to exp(+-l) (l 0.03 .. 0.15), drawn per
                        frame
  rotation              constant in-plane rotation about the face centre, |angle| drawn in
                        [0.8 a, a] with a random sign, a = 5, 10, 20, 30, 45 degrees
  rotation_drift        rotation drifting linearly from 0 at the first frame to [0.8 a, a] at
                        the last, a = 10, 20, 30, 45, 60 degrees
  low_resolution        downsampled by 2, 3, 4, 6, 8 (area) and upsampled back (bilinear)
Occluders are a flat colour (dark, skin-like or any) with a smooth texture, drawn per clip.
"""
from __future__ import annotations

import cv2
import numpy as np

from hdf_bench.corruptions._common import pick, to_uint8
from hdf_bench.data.landmarks import LM, check_landmarks, prior_landmarks

BAND = (0.2, 0.4, 0.6, 0.8, 1.0)
PATCH = (0.2, 0.28, 0.36, 0.45, 0.55)
MOVING = (0.15, 0.25, 0.35, 0.45, 0.6)
CROP_SHIFT = (0.02, 0.04, 0.06, 0.08, 0.11)
CROP_SCALE = (0.03, 0.05, 0.08, 0.11, 0.15)
ROTATION = (5.0, 10.0, 20.0, 30.0, 45.0)
ROTATION_DRIFT = (10.0, 20.0, 30.0, 45.0, 60.0)
LOW_RESOLUTION = (2, 3, 4, 6, 8)
_SHIFT = 4  # fractional bits of the anti-aliased polygon fill
_CENTRE = [LM[n] for n in ('eye_left_outer', 'eye_right_outer', 'nose_tip', 'mouth_left',
                           'mouth_right')]


class FaceFrame:
    """Per-frame face coordinates: origin between the eyes, x along the eye line (pixels).

    Args:
        landmarks: (T, K, 2) pixel landmarks.
    """

    def __init__(self, landmarks: np.ndarray) -> None:
        left = (landmarks[:, LM['eye_left_outer']] + landmarks[:, LM['eye_left_inner']]) / 2
        right = (landmarks[:, LM['eye_right_outer']] + landmarks[:, LM['eye_right_inner']]) / 2
        self.origin = (left + right) / 2
        axis = right - left
        norm = np.linalg.norm(axis, axis=1, keepdims=True)
        self.u = np.where(norm > 1e-6, axis / np.maximum(norm, 1e-6), [1.0, 0.0])
        self.v = np.stack([-self.u[:, 1], self.u[:, 0]], axis=1)
        rel = landmarks - self.origin[:, None]
        self.x = (rel * self.u[:, None]).sum(-1)  # (T, K)
        self.y = (rel * self.v[:, None]).sum(-1)

    def at(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of one landmark over the frames."""
        return self.x[:, LM[name]], self.y[:, LM[name]]

    def face_box(self) -> tuple[np.ndarray, ...]:
        """(x0, x1, y0, y1) of the face: sides, top of the forehead, chin."""
        return (self.at('face_left')[0], self.at('face_right')[0], self.at('forehead')[1],
                self.at('chin')[1])

    def eye_width(self) -> np.ndarray:
        """Mean corner-to-corner width of the eyes (it does not change with expression)."""
        return (np.abs(self.at('eye_left_inner')[0] - self.at('eye_left_outer')[0])
                + np.abs(self.at('eye_right_outer')[0] - self.at('eye_right_inner')[0])) / 2

    def polygon(self, t: int, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """Image corners (4, 2) of the face-frame rectangle [x0, x1] x [y0, y1] at frame t."""
        o, u, v = self.origin[t], self.u[t], self.v[t]
        return np.array([o + x * u + y * v for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))])


def _landmarks(clip: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray:
    t, h, w, _ = clip.shape
    return prior_landmarks(t, h, w) if landmarks is None else check_landmarks(landmarks, t)


def _occluder(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """(H, W, 3) float32 occluder: dark, skin-like or any flat colour, smooth texture."""
    kind = int(rng.integers(3))
    if kind == 0:  # sunglasses, hair, a dark object
        colour = rng.uniform(10, 60) + rng.uniform(-8, 8, 3)
    elif kind == 1:  # a hand
        colour = np.array([95, 65, 50]) + rng.uniform(0, 1) * np.array([140, 130, 120])
    else:  # cloth, a mask, paper
        colour = rng.uniform(0, 255, 3)
    noise = rng.standard_normal((h // 6 + 2, w // 6 + 2)).astype(np.float32)
    texture = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)[..., None] * 10.0
    return np.clip(colour.astype(np.float32) + texture, 0, 255)


def _paint(clip: np.ndarray, polygons: list[np.ndarray], occluder: np.ndarray) -> np.ndarray:
    """Cover frame t of ``clip`` inside ``polygons[t]`` (anti-aliased edge) with ``occluder``."""
    out = clip.copy()
    h, w = clip.shape[1:3]
    for t, poly in enumerate(polygons):
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [np.round(poly * (1 << _SHIFT)).astype(np.int32)], 255,
                     cv2.LINE_AA, _SHIFT)
        m = mask.astype(np.float32)[..., None] / 255.0
        out[t] = to_uint8(clip[t] * (1 - m) + occluder * m)
    return out


def _band(clip: np.ndarray, rng: np.random.Generator, landmarks: np.ndarray | None,
          region: str, share: float) -> np.ndarray:
    frame = FaceFrame(_landmarks(clip, landmarks))
    x0, x1, top, chin = frame.face_box()
    pad = 0.05 * np.abs(x1 - x0)
    x0, x1 = x0 - pad, x1 + pad
    half = 0.55 * frame.eye_width()  # half-height of the eyes band
    if region == 'upper':
        y0, y1 = top, top + share * (half - top)
    elif region == 'eyes':
        x0, x1 = frame.at('brow_left_outer')[0], frame.at('brow_right_outer')[0]
        y0, y1 = -share * half, share * half
    else:  # lower
        nose, lip = frame.at('nose_tip')[1], frame.at('lip_top')[1]
        start = nose + 0.3 * (lip - nose)
        y0, y1 = chin - share * (chin - start), chin
    polys = [frame.polygon(t, x0[t], x1[t], y0[t], y1[t]) for t in range(len(clip))]
    return _paint(clip, polys, _occluder(rng, *clip.shape[1:3]))


def upper_face_occlusion(clip: np.ndarray, severity: int, rng: np.random.Generator,
                         landmarks: np.ndarray | None = None) -> np.ndarray:
    """The upper face (forehead, brows, eyes) hidden from the top down."""
    return _band(clip, rng, landmarks, 'upper', pick(BAND, severity))


def eye_occlusion(clip: np.ndarray, severity: int, rng: np.random.Generator,
                  landmarks: np.ndarray | None = None) -> np.ndarray:
    """A bar over the eyes (sunglasses), growing from the eye line."""
    return _band(clip, rng, landmarks, 'eyes', pick(BAND, severity))


def lower_face_occlusion(clip: np.ndarray, severity: int, rng: np.random.Generator,
                         landmarks: np.ndarray | None = None) -> np.ndarray:
    """The lower face (mouth, jaw) hidden from the chin up."""
    return _band(clip, rng, landmarks, 'lower', pick(BAND, severity))


def patch_occlusion(clip: np.ndarray, severity: int, rng: np.random.Generator,
                    landmarks: np.ndarray | None = None) -> np.ndarray:
    """A square patch at a random place of the face (same place in face coordinates)."""
    frame = FaceFrame(_landmarks(clip, landmarks))
    x0, x1, y0, y1 = frame.face_box()
    side = pick(PATCH, severity) * np.abs(x1 - x0)
    px, py = rng.uniform(0, 1, 2)
    cx = x0 + side / 2 + px * np.maximum(x1 - x0 - side, 0)
    cy = y0 + side / 2 + py * np.maximum(y1 - y0 - side, 0)
    polys = [frame.polygon(t, cx[t] - side[t] / 2, cx[t] + side[t] / 2, cy[t] - side[t] / 2,
                           cy[t] + side[t] / 2) for t in range(len(clip))]
    return _paint(clip, polys, _occluder(rng, *clip.shape[1:3]))


def moving_occluder(clip: np.ndarray, severity: int, rng: np.random.Generator,
                    landmarks: np.ndarray | None = None) -> np.ndarray:
    """A bar as tall as the face crossing it sideways over the clip (direction drawn)."""
    frame = FaceFrame(_landmarks(clip, landmarks))
    x0, x1, y0, y1 = frame.face_box()
    width = pick(MOVING, severity) * np.abs(x1 - x0)
    t = len(clip)
    tau = (np.arange(t) + 0.5) / t
    if rng.random() < 0.5:
        tau = tau[::-1]
    cx = x0 - width / 2 + (x1 - x0 + width) * tau
    polys = [frame.polygon(i, cx[i] - width[i] / 2, cx[i] + width[i] / 2, y0[i], y1[i])
             for i in range(t)]
    return _paint(clip, polys, _occluder(rng, *clip.shape[1:3]))


def _warp(clip: np.ndarray, matrices: list[np.ndarray]) -> np.ndarray:
    h, w = clip.shape[1:3]
    return np.stack([cv2.warpAffine(f, m, (w, h), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT_101)
                     for f, m in zip(clip, matrices, strict=True)])


def crop_jitter(clip: np.ndarray, severity: int, rng: np.random.Generator,
                landmarks: np.ndarray | None = None) -> np.ndarray:
    """Per-frame random shift and scale of the crop, as an unstable face detector gives."""
    t, h, w, _ = clip.shape
    shift = rng.uniform(-1, 1, size=(t, 2)) * pick(CROP_SHIFT, severity) * np.array([w, h])
    scale = np.exp(rng.uniform(-1, 1, size=t) * pick(CROP_SCALE, severity))
    matrices = []
    for i in range(t):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.0, float(scale[i]))
        m[:, 2] += shift[i]
        matrices.append(m)
    return _warp(clip, matrices)


def _rotate(clip: np.ndarray, angles: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray:
    centre = _landmarks(clip, landmarks)[:, _CENTRE].reshape(-1, 2).mean(0)
    return _warp(clip, [cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])),
                                                float(a), 1.0) for a in angles])


def rotation(clip: np.ndarray, severity: int, rng: np.random.Generator,
             landmarks: np.ndarray | None = None) -> np.ndarray:
    """Constant in-plane rotation (head roll) about the face centre."""
    angle = rng.choice([-1.0, 1.0]) * rng.uniform(0.8, 1.0) * pick(ROTATION, severity)
    return _rotate(clip, np.full(len(clip), angle), landmarks)


def rotation_drift(clip: np.ndarray, severity: int, rng: np.random.Generator,
                   landmarks: np.ndarray | None = None) -> np.ndarray:
    """In-plane rotation drifting linearly from 0 to its final angle over the clip."""
    angle = rng.choice([-1.0, 1.0]) * rng.uniform(0.8, 1.0) * pick(ROTATION_DRIFT, severity)
    t = len(clip)
    return _rotate(clip, angle * np.arange(t) / max(t - 1, 1), landmarks)


def low_resolution(clip: np.ndarray, severity: int, rng: np.random.Generator,
                   landmarks: np.ndarray | None = None) -> np.ndarray:
    """A distant face: area-downsampled by a factor, bilinearly upsampled back."""
    h, w = clip.shape[1:3]
    f = pick(LOW_RESOLUTION, severity)
    small = (max(1, round(w / f)), max(1, round(h / f)))
    return np.stack([cv2.resize(cv2.resize(f, small, interpolation=cv2.INTER_AREA), (w, h),
                                interpolation=cv2.INTER_LINEAR) for f in clip])


FACE = {
    'upper_face_occlusion': upper_face_occlusion,
    'eye_occlusion': eye_occlusion,
    'lower_face_occlusion': lower_face_occlusion,
    'patch_occlusion': patch_occlusion,
    'moving_occluder': moving_occluder,
    'crop_jitter': crop_jitter,
    'rotation': rotation,
    'rotation_drift': rotation_drift,
    'low_resolution': low_resolution,
}
#: Face corruptions that change over the clip (the others are the same on every frame).
FACE_VARYING = ('moving_occluder', 'crop_jitter', 'rotation_drift')
#: The occlusions of one face region each, for the region-reliance analysis.
REGION_OCCLUSIONS = {'upper': 'upper_face_occlusion', 'eyes': 'eye_occlusion',
                     'lower': 'lower_face_occlusion'}
