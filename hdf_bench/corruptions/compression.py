"""Compression corruptions: JPEG per frame and H.264 over the whole clip (PyAV, in memory)."""
from __future__ import annotations

import io

import albumentations as A
import av
import numpy as np

from hdf_bench.corruptions._common import albu, pick

#: JPEG quality (ImageNet-C values).
JPEG_QUALITY = (25, 18, 15, 10, 7)
#: H.264 constant rate factor (Yi et al.: 23, 30, 37, 44, 51), libx264 preset ``veryfast``
#: with ``mbtree=0`` (see :func:`encode_decode_h264`).
H264_CRF = (23, 30, 37, 44, 51)
H264_PRESET = 'veryfast'


def jpeg(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """JPEG compression of every frame (albumentations ``ImageCompression``)."""
    q = pick(JPEG_QUALITY, severity)
    return albu(A.ImageCompression(compression_type='jpeg', quality_range=(q, q), p=1.0),
                clip, rng)


def encode_decode_h264(clip: np.ndarray, crf: int, preset: str = H264_PRESET) -> np.ndarray:
    """Encode a clip to an in-memory H.264 mp4 (yuv420p) and decode it back.

    Odd sizes are edge-padded to even (4:2:0 needs it) and cropped back afterwards.
    Single-threaded and without x264's macroblock-tree rate control (``mbtree=0``): with it,
    as the veryfast preset has it, the output depended on earlier calls in the process (on
    some clips a third of the calls differed); without it the output is byte-identical
    across calls and runs.

    Args:
        clip: (T, H, W, 3) uint8 RGB.
        crf: libx264 constant rate factor (0-51, higher = worse).
        preset: libx264 speed preset.
    """
    t, h, w, _ = clip.shape
    ph, pw = h % 2, w % 2
    frames = np.pad(clip, ((0, 0), (0, ph), (0, pw), (0, 0)), mode='edge') if ph or pw else clip
    buf = io.BytesIO()
    with av.open(buf, mode='w', format='mp4') as container:
        stream = container.add_stream('libx264', rate=25)
        stream.width, stream.height = w + pw, h + ph
        stream.pix_fmt = 'yuv420p'
        stream.options = {'crf': str(crf), 'preset': preset, 'x264-params': 'mbtree=0'}
        stream.codec_context.thread_count = 1
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode(None))
    buf.seek(0)
    with av.open(buf, mode='r') as container:
        out = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    if len(out) != t:
        raise RuntimeError(f'h264 round trip returned {len(out)} frames, expected {t}')
    return np.ascontiguousarray(np.stack(out)[:, :h, :w])


def h264(clip: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
    """H.264 compression artefacts at a fixed CRF (deterministic)."""
    return encode_decode_h264(clip, pick(H264_CRF, severity))


COMPRESSION = {'jpeg': jpeg, 'h264': h264}
