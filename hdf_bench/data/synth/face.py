"""Parametric 2-D faces drawn with OpenCV, posed by action units.

Geometry lives in face units (origin between the eyes' line and the mouth, x right,
y down, face half-width ~0.75); :class:`_Projector` maps it to pixels through head yaw,
pitch, roll, scale and translation. Colours are BGR (what ``cv2.imwrite`` expects).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from hdf_bench.data.synth.expression import AU, AUS, ClipTracks

_SHIFT = 4  # fractional bits for sub-pixel drawing
AU_GAIN = 2.0  # cartoon-like exaggeration, so that AUs stay visible at 48-64 px inputs
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Identity:
    """One synthetic person: geometry, colours and behaviour.

    Args:
        skin, hair, lip, iris, background, clutter: BGR colours.
        face_w, face_h: face half-width and half-height.
        eye_dx, eye_y, eye_w, eye_h: eye centre offset, height, half-width, openness.
        brow_y, brow_t: brow height and thickness.
        nose_y: nose tip height.
        mouth_y, mouth_w, lip_t: mouth height, half-width, lip thickness.
        hair_style: 0 short, 1 fringe, 2 long.
        glasses: wears glasses.
        expressiveness: scale of expression intensities.
        talkativeness: chance that a clip shows speech.
        blink_rate: blink onsets per frame.
        yaw: habitual head turn.
        resting: (len(AUS),) resting AU offsets (a resting frown, down-turned corners...).
    """

    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    lip: tuple[float, float, float]
    iris: tuple[float, float, float]
    background: tuple[float, float, float]
    clutter: tuple[float, float, float]
    face_w: float
    face_h: float
    eye_dx: float
    eye_y: float
    eye_w: float
    eye_h: float
    brow_y: float
    brow_t: float
    nose_y: float
    mouth_y: float
    mouth_w: float
    lip_t: float
    hair_style: int
    glasses: bool
    expressiveness: float
    talkativeness: float
    blink_rate: float
    yaw: float
    resting: np.ndarray


def sample_identity(rng: np.random.Generator) -> Identity:
    """Draw one identity."""
    tone = rng.uniform(0, 1)
    dark, light = np.array([55, 80, 120]), np.array([180, 200, 238])
    skin = (1 - tone) * dark + tone * light + rng.normal(0, 8, 3)
    hair = np.array([30, 35, 45]) * rng.uniform(0.5, 3.2) + rng.normal(0, 6, 3)
    lip = skin * np.array([0.7, 0.65, 0.95]) + np.array([10, 0, 25])
    resting = np.zeros(len(AUS))
    for au in (4, 15, 12, 1, 7):
        if rng.random() < 0.15:
            resting[AU[au]] = rng.uniform(0.1, 0.3)
    return Identity(
        skin=tuple(np.clip(skin, 0, 255)), hair=tuple(np.clip(hair, 0, 255)),
        lip=tuple(np.clip(lip, 0, 255)),
        iris=tuple(rng.uniform(20, 110, 3)), background=tuple(rng.uniform(30, 230, 3)),
        clutter=tuple(rng.uniform(30, 230, 3)),
        face_w=rng.uniform(0.66, 0.82), face_h=rng.uniform(0.9, 1.05),
        eye_dx=rng.uniform(0.27, 0.34), eye_y=rng.uniform(-0.26, -0.16),
        eye_w=rng.uniform(0.11, 0.15), eye_h=rng.uniform(0.045, 0.075),
        brow_y=rng.uniform(-0.44, -0.36), brow_t=rng.uniform(0.035, 0.07),
        nose_y=rng.uniform(0.1, 0.18), mouth_y=rng.uniform(0.38, 0.48),
        mouth_w=rng.uniform(0.18, 0.26), lip_t=rng.uniform(0.025, 0.05),
        hair_style=int(rng.integers(3)), glasses=bool(rng.random() < 0.15),
        expressiveness=rng.uniform(0.7, 1.15), talkativeness=rng.uniform(0.15, 0.7),
        blink_rate=rng.uniform(0.02, 0.08), yaw=rng.uniform(-0.3, 0.3), resting=resting)


_BEZIER: dict[int, np.ndarray] = {}
_CIRCLE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _quad(p0, p1, p2, n: int = 9) -> np.ndarray:
    """Quadratic Bezier through p0 -> p2 with control p1, ``n`` points."""
    basis = _BEZIER.get(n)
    if basis is None:
        t = np.linspace(0, 1, n)
        basis = _BEZIER[n] = np.stack([(1 - t) ** 2, 2 * (1 - t) * t, t ** 2], axis=1)
    return basis @ np.array([p0, p1, p2], dtype=np.float64)


def _through(p0, mid, p2, n: int = 9) -> np.ndarray:
    """Quadratic Bezier from p0 to p2 passing through ``mid`` at t=0.5."""
    p0, mid, p2 = (np.asarray(p, dtype=np.float64) for p in (p0, mid, p2))
    return _quad(p0, 2 * mid - (p0 + p2) / 2, p2, n)


def _band(curve: np.ndarray, thick_start: float, thick_end: float | None = None) -> np.ndarray:
    """Polygon of a stroke of varying thickness along ``curve``."""
    thick_end = thick_start if thick_end is None else thick_end
    d = np.empty_like(curve)
    d[1:-1] = curve[2:] - curve[:-2]
    d[0], d[-1] = curve[1] - curve[0], curve[-1] - curve[-2]
    norm = np.hypot(d[:, 0], d[:, 1]) + 1e-9
    half = (thick_start + (thick_end - thick_start) * np.arange(len(curve)) / max(
        len(curve) - 1, 1)) / (2 * norm)
    offset = np.empty_like(curve)
    offset[:, 0], offset[:, 1] = -d[:, 1] * half, d[:, 0] * half
    return np.concatenate([curve + offset, (curve - offset)[::-1]])


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> np.ndarray:
    circle = _CIRCLE.get(n)
    if circle is None:
        a = np.linspace(0, 2 * np.pi, n, endpoint=False)
        circle = _CIRCLE[n] = (np.cos(a), np.sin(a))
    out = np.empty((n, 2))
    out[:, 0], out[:, 1] = cx + rx * circle[0], cy + ry * circle[1]
    return out


class _Projector:
    """Face units -> pixels for one frame (yaw/pitch as depth shifts, then roll)."""

    def __init__(self, size: int, pose: np.ndarray) -> None:
        yaw, pitch, roll, dx, dy, scale = pose
        self.yaw, self.pitch = yaw, pitch
        self.cos_y, self.sin_y = np.cos(yaw), 0.55 * np.sin(yaw)
        self.cos_p, self.sin_p = np.cos(pitch), 0.55 * np.sin(pitch)
        self.px = size * 0.42 * scale
        self.cos_r, self.sin_r = np.cos(roll) * self.px, np.sin(roll) * self.px
        self.cx = size / 2 + dx * self.px
        self.cy = size / 2 + 0.06 * size + dy * self.px

    def __call__(self, pts: np.ndarray, depth: float | np.ndarray | None = None) -> np.ndarray:
        u, v = pts[:, 0], pts[:, 1]
        if depth is None:  # on the face surface: a half-ellipsoid
            depth = np.sqrt(np.maximum(1 - (u * (1 / 0.85)) ** 2 - (v * (1 / 1.1)) ** 2, 0))
        u2 = u * self.cos_y + depth * self.sin_y
        v2 = v * self.cos_p + depth * self.sin_p
        out = np.empty_like(pts)
        out[:, 0] = self.cx + u2 * self.cos_r - v2 * self.sin_r
        out[:, 1] = self.cy + u2 * self.sin_r + v2 * self.cos_r
        return out


class _Canvas:
    """Sub-pixel anti-aliased drawing of face-unit shapes."""

    def __init__(self, img: np.ndarray, proj: _Projector) -> None:
        self.img, self.proj = img, proj

    def fill(self, pts: np.ndarray, color, depth=None) -> None:
        px = np.round(self.proj(pts, depth) * _ONE).astype(np.int32)
        cv2.fillPoly(self.img, [px], tuple(float(c) for c in color), cv2.LINE_AA, _SHIFT)

    def line(self, pts: np.ndarray, color, width: float) -> None:
        self.fill(_band(pts, width), color)


def _shade(color, k: float) -> tuple:
    return tuple(float(np.clip(c * k, 0, 255)) for c in color)


def _mix(a, b, w: float) -> tuple:
    return tuple(float(x * (1 - w) + y * w) for x, y in zip(a, b, strict=False))


def _gains(au: np.ndarray) -> Callable[[int], float]:
    """``a(n)``: the drawn strength of action unit ``n``."""
    def a(n: int) -> float:
        return AU_GAIN * float(au[AU[n]])
    return a


def _jaw(a: Callable[[int], float], talk: float) -> float:
    """Jaw drop from AU26 / AU25 and speech."""
    return 0.22 * a(26) + 0.04 * a(25) + talk


def _brow(ident: Identity, a: Callable[[int], float], s: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inner end, middle and outer end of the brow on side ``s`` (-1: image left)."""
    inner = np.array([s * (0.1 - 0.04 * a(4)), ident.brow_y - 0.14 * a(1) + 0.09 * a(4)])
    outer = np.array([s * 0.5, ident.brow_y + 0.02 - 0.13 * a(2)])
    mid = (inner + outer) / 2 + np.array([0, -0.04 - 0.04 * a(2) - 0.03 * a(1) + 0.02 * a(4)])
    return inner, mid, outer


def _lids(ident: Identity, a: Callable[[int], float], blink: float) -> tuple[float, float]:
    """Opening of the upper and lower lid above / below the eye line."""
    up = ident.eye_h * (1 - blink) * max(0.0, 1 + 0.7 * a(5) - 0.4 * a(7) - 0.25 * a(6)
                                         - 0.15 * a(4))
    lo = ident.eye_h * 0.6 * max(0.0, 1 - 0.55 * a(7) - 0.6 * a(6)) * (1 - 0.6 * blink)
    return up, lo


def _nose_y(ident: Identity, a: Callable[[int], float]) -> float:
    """Height of the nose wings (AU9 lifts them, AU10 a little)."""
    lift = 0.05 * a(9) + 0.02 * a(10)
    return ident.nose_y - lift


def _mouth(ident: Identity, a: Callable[[int], float], talk: float
           ) -> tuple[float, float, float, float, float]:
    """Corner half-width and drop, inner upper / lower lip heights, lip thickness."""
    my = ident.mouth_y
    cdx = ident.mouth_w * (1 + 0.28 * a(12) + 0.35 * a(20) - 0.25 * a(23) - 0.4 * talk)
    cdy = -0.1 * a(12) + 0.085 * a(15) + 0.03 * a(20)
    ui = my - 0.045 * a(10) - 0.01 * a(12)
    li = my + 0.06 * a(16) + 0.04 * a(25) + 0.2 * a(26) + 0.9 * talk
    lt = ident.lip_t * max(0.25, 1 - 0.5 * a(23))
    return cdx, cdy, ui, li, lt


def face_landmarks(size: int, ident: Identity, au: np.ndarray, blink: float, talk: float,
                   pose: np.ndarray) -> np.ndarray:
    """Pixel positions (K, 2) of :data:`~hdf_bench.data.landmarks.LANDMARK_NAMES` in the
    frame :func:`draw_face` draws from the same arguments."""
    a = _gains(au)
    proj = _Projector(size, pose)
    fw, fh = ident.face_w, ident.face_h
    contour = proj(np.array([[0, -fh * 0.95], [-fw, 0], [fw, 0],
                             [0, fh + 0.5 * _jaw(a, talk)]]), 0.0)
    up, lo = _lids(ident, a, blink)
    cdx, cdy, ui, li, lt = _mouth(ident, a, talk)
    my = ident.mouth_y
    left_inner, _, left_outer = _brow(ident, a, -1)
    right_inner, _, right_outer = _brow(ident, a, 1)
    surface = [left_outer, left_inner, right_inner, right_outer]
    for s in (-1, 1):
        cx, cy, w = s * ident.eye_dx, ident.eye_y, ident.eye_w
        # image-left corner first: outer, inner for the left eye; inner, outer for the right
        surface += [(cx - w, cy), (cx + w, cy), (cx, cy - up), (cx, cy + lo)]
    surface += [(0, _nose_y(ident, a) + 0.05), (-cdx, my + cdy), (cdx, my + cdy),
                (0, ui - lt * 1.2 - 0.01), (0, li + lt * 1.5 + 0.01)]
    return np.concatenate([contour, proj(np.array(surface, dtype=np.float64))])


def draw_face(size: int, ident: Identity, au: np.ndarray, blink: float, talk: float,
              pose: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """Render one frame (BGR uint8, size x size) before lighting and noise.

    Args:
        size: image side in pixels.
        ident: the person.
        au: AU intensities, indexed by :data:`AU`.
        blink: lid closure in [0, 1].
        talk: jaw opening from speech.
        pose: yaw, pitch, roll, dx, dy, scale.
        gaze: iris offset (x, y) in eye units.
    """
    a = _gains(au)
    img = np.empty((size, size, 3), np.uint8)
    img[:] = np.asarray(ident.background, np.float64).round().astype(np.uint8)
    proj = _Projector(size, pose)
    cv = _Canvas(img, proj)
    skin, line_c = ident.skin, _shade(ident.skin, 0.55)
    fw, fh = ident.face_w, ident.face_h
    # background clutter (moves with the camera, not the face)
    cv.fill(_ellipse(1.6, -1.1, 0.5, 0.9), ident.clutter, depth=0.0)
    # hair behind, neck, ears
    cv.fill(_ellipse(0, -0.25, fw * 1.18, fh * 1.02 + (0.4 if ident.hair_style == 2 else 0)),
            ident.hair, depth=0.0)
    cv.fill(np.array([[-0.3, 0.6], [0.3, 0.6], [0.42, 1.6], [-0.42, 1.6]]),
            _shade(skin, 0.8), depth=0.0)
    for s in (-1, 1):
        cv.fill(_ellipse(s * fw * 0.98, -0.05, 0.09, 0.17), _shade(skin, 0.9), depth=0.0)
    # face: upper half-ellipse + jaw that drops with AU26 / speech
    jaw = _jaw(a, talk)
    ang = np.linspace(np.pi, 2 * np.pi, 16)
    top = np.stack([fw * np.cos(ang), fh * 0.95 * np.sin(ang)], axis=1)
    ang2 = np.linspace(0, np.pi, 16)
    bottom = np.stack([fw * np.cos(ang2), (fh + 0.5 * jaw) * np.sin(ang2)], axis=1)
    cv.fill(np.concatenate([bottom, top]), skin, depth=0.0)
    if ident.hair_style == 1:  # fringe
        cv.fill(np.concatenate([_through((-fw, -0.5), (0, -0.6), (fw, -0.5)),
                                _through((fw, -0.9), (0, -1.1), (-fw, -0.9))]),
                ident.hair, depth=0.3)
    # cheeks (raised by AU6)
    blush = _mix(skin, (90, 90, 230), 0.08 + 0.12 * a(6))
    for s in (-1, 1):
        cv.fill(_ellipse(s * 0.4, 0.12 - 0.08 * a(6), 0.14, 0.1), blush)
    # forehead wrinkles (AU1 centre, AU2 sides)
    wr = max(a(1), a(2))
    if wr > 0.15:
        width = 0.15 + 0.25 * a(2)
        for k in range(2):
            y = ident.brow_y - 0.18 - 0.08 * k
            cv.line(_through((-width, y + 0.02), (0, y), (width, y + 0.02)),
                    _mix(skin, line_c, min(1.0, 0.6 * wr)), 0.018)
    # brows: AU1 raises inner, AU2 outer, AU4 lowers and knits
    for s in (-1, 1):
        inner, mid, outer = _brow(ident, a, s)
        cv.fill(_band(_through(inner, mid, outer), ident.brow_t * 1.3, ident.brow_t * 0.7),
                ident.hair)
    if a(4) > 0.15:  # glabella lines
        for s in (-1, 1):
            cv.line(np.array([[s * 0.035, ident.brow_y - 0.02], [s * 0.045, ident.brow_y + 0.1]]),
                    _mix(skin, line_c, min(1.0, 0.8 * a(4))), 0.02)
    # eyes
    for s in (-1, 1):
        _draw_eye(cv, ident, s, a, blink, gaze, skin, line_c)
    # nose: AU9 wrinkles and lifts the wings, AU10 lifts them a little
    ny = _nose_y(ident, a)
    cv.line(np.array([[0.0, ident.eye_y + 0.05], [0.03, ny - 0.04]]), _shade(skin, 0.8), 0.025)
    wing = 0.11 + 0.03 * a(9)
    cv.line(_through((-wing, ny - 0.02), (0, ny + 0.05), (wing, ny - 0.02)),
            line_c, 0.03)
    for s in (-1, 1):
        cv.fill(_ellipse(s * 0.05, ny, 0.03, 0.015), _shade(skin, 0.4))
    if a(9) > 0.15:
        for k in range(3):
            y = ident.eye_y + 0.04 + 0.035 * k
            cv.line(np.array([[-0.06, y], [0.06, y]]), _mix(skin, line_c, min(1.0, a(9))), 0.015)
    # mouth
    _draw_mouth(cv, ident, a, talk, jaw, ny, skin, line_c)
    if ident.glasses:
        for s in (-1, 1):
            cx = s * ident.eye_dx
            rim = _ellipse(cx, ident.eye_y, ident.eye_w * 1.6, ident.eye_h * 2.6, 16)
            cv.fill(_band(np.concatenate([rim, rim[:1]]), 0.025), (30, 30, 30))
        cv.line(np.array([[-ident.eye_dx + ident.eye_w * 1.6, ident.eye_y],
                          [ident.eye_dx - ident.eye_w * 1.6, ident.eye_y]]), (30, 30, 30), 0.025)
    return img


def _draw_eye(cv: _Canvas, ident: Identity, s: int, a, blink: float, gaze: np.ndarray,
              skin, line_c) -> None:
    cx, cy, w = s * ident.eye_dx, ident.eye_y, ident.eye_w
    up, lo = _lids(ident, a, blink)
    xs = np.linspace(-w, w, 11)
    q = 1 - (xs / w) ** 2
    upper = np.stack([cx + xs, cy - up * q], axis=1)
    lower = np.stack([cx + xs, cy + lo * q], axis=1)
    if up + lo > 0.01:
        cv.fill(np.concatenate([upper, lower[::-1]]), (225, 228, 232))
        r = ident.eye_h * 0.95
        ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ix = cx + gaze[0] * w * 0.5 + r * np.cos(ang)
        iy = cy + gaze[1] * ident.eye_h * 0.4 + r * np.sin(ang)
        ix = np.clip(ix, cx - w * 0.95, cx + w * 0.95)
        qq = np.clip(1 - ((ix - cx) / w) ** 2, 0, 1)
        iy = np.clip(iy, cy - up * qq, cy + lo * qq)
        cv.fill(np.stack([ix, iy], axis=1), ident.iris)
        cv.fill(_ellipse(cx + gaze[0] * w * 0.5, cy, r * 0.4, min(r * 0.4, up + 1e-3), 10),
                (15, 15, 15))
    cv.line(upper, (25, 25, 30), 0.022)
    cv.line(lower, _mix(skin, line_c, 0.4 + 0.5 * max(a(6), a(7))), 0.012)
    cv.line(_through((cx - s * w * 0.9, cy - up - 0.02), (cx, cy - up - 0.045 - 0.02 * a(5)),
                     (cx + s * w * 0.9, cy - up - 0.02)), _mix(skin, line_c, 0.6), 0.012)
    if a(6) > 0.2:  # crow's feet
        for k in (-1, 0, 1):
            cv.line(np.array([[cx + s * (w + 0.02), cy + 0.02 * k],
                              [cx + s * (w + 0.09), cy + 0.045 * k]]),
                    _mix(skin, line_c, min(1.0, a(6))), 0.012)


def _draw_mouth(cv: _Canvas, ident: Identity, a, talk: float, jaw: float, ny: float,
                skin, line_c) -> None:
    my = ident.mouth_y
    cdx, cdy, ui, li, lt = _mouth(ident, a, talk)
    left, right = np.array([-cdx, my + cdy]), np.array([cdx, my + cdy])
    upper_in = _through(left, (0, ui), right)
    lower_in = _through(left, (0, li), right)
    upper_out = _through(left, (0, ui - lt * 1.2 - 0.01), right)
    lower_out = _through(left, (0, li + lt * 1.5 + 0.01), right)
    # nasolabial folds: deepen with AU6/9/10/12, follow the mouth corners
    depth = 0.2 + 0.3 * a(6) + 0.35 * a(12) + 0.4 * a(9) + 0.3 * a(10)
    for s in (-1, 1):
        start = np.array([s * 0.13, ny + 0.0])
        end = np.array([s * (cdx + 0.05), my + cdy + 0.05])
        cv.line(_through(start, (start + end) / 2 + np.array([s * 0.05, 0]), end),
                _mix(skin, line_c, min(1.0, depth)), 0.015 + 0.01 * min(1.0, depth))
    cv.fill(np.concatenate([upper_out, lower_out[::-1]]), ident.lip)
    gap = li - ui
    if gap > 0.012:
        cv.fill(np.concatenate([upper_in, lower_in[::-1]]), (45, 30, 60))
        teeth = min(0.05, gap * 0.6) * min(1.0, 0.3 + a(10) + a(12) + a(16) + a(20))
        if teeth > 0.008:
            shifted = upper_in + np.array([0, teeth])
            shifted[:, 1] = np.minimum(shifted[:, 1], lower_in[:, 1])
            cv.fill(np.concatenate([upper_in, shifted[::-1]]), (215, 225, 230))
    else:
        cv.line(_through(left, (0, (ui + li) / 2), right), _shade(ident.lip, 0.55), 0.012)


def finish_frame(img: np.ndarray, tracks: ClipTracks, t: int, rng: np.random.Generator,
                 light_map: np.ndarray) -> np.ndarray:
    """Lighting, colour cast, blur and sensor noise for frame ``t``."""
    if tracks.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), tracks.blur * img.shape[0] / 112)
    out = img.astype(np.float32) * (light_map * np.float32(tracks.brightness[t]))
    out *= tracks.gain.astype(np.float32)[None, None, :]
    out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(tracks.noise)
    return np.clip(out, 0, 255).astype(np.uint8)


def light_map(size: int, tracks: ClipTracks) -> np.ndarray:
    """Directional light: a linear gain gradient across the image, (size, size, 1)."""
    angle, strength = tracks.light[0], tracks.light[1]
    coords = (np.arange(size, dtype=np.float32) - size / 2) / (size / 2)
    gx, gy = np.meshgrid(coords, coords)
    return (1 + strength * 0.5 * (gx * np.cos(angle) + gy * np.sin(angle)))[..., None]
