"""How well region occluders hit their region on SynthDFER: landmarks vs the aligned-crop prior.

For each region occlusion at severity 5, the share of target landmarks whose pixel changed
(hit) and the share of landmarks of the other half of the face that changed (spill), over
N SynthDFER clips rendered in memory (first N clips of the default data set, 16 frames).

    python benchmarks/face_placement.py [N] [SIZE]
"""
from __future__ import annotations

import sys

import numpy as np

from hdf_bench.corruptions import corrupt
from hdf_bench.data.landmarks import LM
from hdf_bench.data.synth import SynthConfig, plan_dataset
from hdf_bench.data.synth.render import clip_landmarks, render_clip

TARGETS = {
    'upper_face_occlusion': (('brow_left_inner', 'brow_right_inner', 'eye_left_top',
                              'eye_right_top'), ('mouth_left', 'mouth_right', 'lip_bottom')),
    'eye_occlusion': (('eye_left_outer', 'eye_left_inner', 'eye_right_inner', 'eye_right_outer'),
                      ('mouth_left', 'mouth_right', 'lip_bottom')),
    'lower_face_occlusion': (('mouth_left', 'mouth_right', 'lip_top', 'lip_bottom'),
                             ('eye_left_outer', 'eye_right_outer', 'brow_left_inner')),
}


def changed(out: np.ndarray, clean: np.ndarray, lm: np.ndarray, names) -> np.ndarray:
    h, w = clean.shape[1:3]
    xy = np.rint(lm[:, [LM[n] for n in names]]).astype(int)
    x, y = np.clip(xy[..., 0], 0, w - 1), np.clip(xy[..., 1], 0, h - 1)
    t = np.arange(len(out))[:, None]
    return np.any(out[t, y, x] != clean[t, y, x], axis=-1)


def main(n: int = 40, size: int = 112) -> None:
    clips = plan_dataset(SynthConfig(size=size))[:n]
    stats = {(name, src): [[], []] for name in TARGETS for src in ('landmarks', 'prior')}
    for c in clips:
        args = (0, c['index'], c['identity'], c['label'], 16, size)
        clean = np.stack(render_clip(*args))[..., ::-1].copy()
        lm = clip_landmarks(*args)
        for name, (target, other) in TARGETS.items():
            for src, given in (('landmarks', lm), ('prior', None)):
                out = corrupt(clean, name, 5, clip_id=c['clip_id'], landmarks=given)
                stats[name, src][0].append(changed(out, clean, lm, target).mean())
                stats[name, src][1].append(changed(out, clean, lm, other).mean())
    print(f'{n} SynthDFER clips, 16 frames, {size} px, severity 5')
    print(f'{"corruption":<22} {"placed from":<10} {"target hit %":>12} {"spill %":>8}')
    for (name, src), (hit, spill) in stats.items():
        print(f'{name:<22} {src:<10} {100 * np.mean(hit):12.1f} {100 * np.mean(spill):8.1f}')


if __name__ == '__main__':
    main(*(int(a) for a in sys.argv[1:]))
