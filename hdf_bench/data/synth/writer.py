"""Write a SynthDFER data set in DFEW's exact on-disk layout.

Layout (``<size>`` x ``<size>`` images even though the folder says 224x224, as DFEW's
folder names are part of the layout readers expect)::

    Clip/clip_224x224/<00001>/<00001>_<00001>.jpg   all frames, 1-based
    Clip/clip_224x224_16f/<00001>/<1..16>.jpg       16 frames, unpadded names
    EmoLabel_DataSplit/train(single-labeled)/set_<k>.csv   header video_name,label (1-based)
    EmoLabel_DataSplit/test(single-labeled)/set_<k>.csv    k = 1..5, identity-disjoint
    Landmarks/<variant>/<00001>.npz                 per-frame face landmarks of each frame
                                                    folder (hdf_bench.data.landmarks)
    synthdfer.json                                  manifest

The set is built in a hidden sibling folder (``.<name>.partial-*``) and renamed into place
at the end, so a killed run never leaves a folder that looks complete; the next run removes
such leftovers (:mod:`hdf_bench.data.synth.staging`).
"""
from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np

from hdf_bench.data.classes import CLASSES
from hdf_bench.data.landmarks import LANDMARK_DIR, LANDMARK_NAMES, landmarks_path, save_landmarks
from hdf_bench.data.synth.expression import Style
from hdf_bench.data.synth.render import PLAN_STREAM, clip_landmarks, render_clip
from hdf_bench.data.synth.staging import remove_stale, staging_folder

MANIFEST = 'synthdfer.json'
#: 2: adds ``Landmarks/`` (frames unchanged from version 1).
FORMAT_VERSION = 2
NUM_FOLDS = 5
FRAMES_16F = 16
# DFEW's single-labelled per-class counts (canonical order), the 'dfew' proportions.
DFEW_COUNTS = (2445, 1894, 2669, 2173, 1469, 145, 902)
PROPORTIONS = ('dfew', 'balanced')


@dataclass(frozen=True)
class SynthConfig:
    """What to generate.

    Args:
        identities: number of synthetic people (>= 5: folds split by identity).
        clips_per_identity: clips per person.
        seed: master seed; same config -> byte-identical files.
        proportions: 'dfew' (DFEW's class proportions, at least ``min_per_class`` clips
            per class) or 'balanced'.
        size: image side in pixels (default 112, to keep generation and training fast).
        min_frames: shortest clip.
        max_frames: longest clip.
        short_fraction: share of clips shorter than 16 frames (if ``min_frames`` < 16).
        jpeg_quality: JPEG quality of every frame.
        min_per_class: floor on clips per class under 'dfew' proportions.
        nuisance: scale of the distractors (speech, AU bursts, head motion, light, noise,
            blur); 1 = SynthDFER's own, 0 = none (see :class:`Style`).
        ambiguity: chance scale of partial expressions and subtle sadness; 1 = own, 0 = none.
        expression_gain: factor on expression intensity.
        apex_scale: factor on apex duration.
    """

    identities: int = 40
    clips_per_identity: int = 25
    seed: int = 0
    proportions: str = 'dfew'
    size: int = 112
    min_frames: int = 10
    max_frames: int = 40
    short_fraction: float = 0.07
    jpeg_quality: int = 90
    min_per_class: int = 5
    nuisance: float = 1.0
    ambiguity: float = 1.0
    expression_gain: float = 1.0
    apex_scale: float = 1.0

    @property
    def style(self) -> Style:
        """The difficulty knobs as the renderer takes them."""
        return Style(nuisance=self.nuisance, ambiguity=self.ambiguity,
                     expression_gain=self.expression_gain, apex_scale=self.apex_scale)

    def validate(self) -> None:
        """Raise ValueError naming the first bad field."""
        if self.identities < NUM_FOLDS:
            raise ValueError(f'identities must be >= {NUM_FOLDS} (identity-disjoint folds), '
                             f'got {self.identities}')
        if self.clips_per_identity < 1:
            raise ValueError(f'clips_per_identity must be >= 1, got {self.clips_per_identity}')
        if self.identities * self.clips_per_identity > 99999:
            raise ValueError('at most 99999 clips (5-digit DFEW ids)')
        if self.proportions not in PROPORTIONS:
            raise ValueError(f'proportions must be one of {PROPORTIONS}, got {self.proportions!r}')
        if not 32 <= self.size <= 512:
            raise ValueError(f'size must be in 32..512 pixels, got {self.size}')
        if not 1 <= self.min_frames <= self.max_frames:
            raise ValueError(f'need 1 <= min_frames <= max_frames, got {self.min_frames}, '
                             f'{self.max_frames}')
        if not 0 <= self.short_fraction <= 1:
            raise ValueError(f'short_fraction must be in [0, 1], got {self.short_fraction}')
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be in 1..100, got {self.jpeg_quality}')
        for name in ('nuisance', 'ambiguity'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {getattr(self, name)}')
        for name in ('expression_gain', 'apex_scale'):
            if not 0 < getattr(self, name) <= 4:
                raise ValueError(f'{name} must be in (0, 4], got {getattr(self, name)}')


#: named SynthDFER settings (``hdf-bench synth --preset``); fields not named keep the defaults.
#: 'demo': the CPU demo's set (docs/DEMO_BUDGET.md): balanced classes, complete and stronger
#: expressions, fewer distractors, more clips per identity, no clips under 16 frames.
SYNTH_PRESETS: dict[str, dict] = {
    'demo': dict(identities=30, clips_per_identity=40, size=64, proportions='balanced',
                 min_frames=16, max_frames=32, short_fraction=0.0, nuisance=0.3,
                 ambiguity=0.0, expression_gain=1.3),
}


def synth_preset(name: str, **overrides) -> SynthConfig:
    """The :class:`SynthConfig` of preset ``name`` with ``overrides`` applied."""
    if name not in SYNTH_PRESETS:
        raise ValueError(f'unknown SynthDFER preset {name!r}; presets: {", ".join(SYNTH_PRESETS)}')
    return SynthConfig(**{**SYNTH_PRESETS[name], **overrides})


def class_counts(total: int, proportions: str, min_per_class: int = 5) -> list[int]:
    """Clips per class summing to ``total`` (largest remainder, with a floor under 'dfew')."""
    weights = np.ones(len(CLASSES)) if proportions == 'balanced' else np.array(DFEW_COUNTS, float)
    floor = min(min_per_class, total // len(CLASSES)) if proportions == 'dfew' else 0
    counts = np.full(len(CLASSES), floor)
    share = weights / weights.sum() * (total - counts.sum())
    counts += np.floor(share).astype(int)
    for k in np.argsort(-(share - np.floor(share)), kind='stable')[:total - counts.sum()]:
        counts[k] += 1
    return counts.tolist()


def plan_dataset(cfg: SynthConfig) -> list[dict]:
    """Clip list: id, identity, label, length and test fold of every clip."""
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, PLAN_STREAM]))
    total = cfg.identities * cfg.clips_per_identity
    labels = np.repeat(np.arange(len(CLASSES)),
                       class_counts(total, cfg.proportions, cfg.min_per_class))
    labels = rng.permutation(labels)
    fold_of = np.empty(cfg.identities, int)
    fold_of[rng.permutation(cfg.identities)] = np.arange(cfg.identities) % NUM_FOLDS + 1
    short_max = min(15, cfg.max_frames)
    clips = []
    for index in range(total):
        if cfg.min_frames <= short_max and (rng.random() < cfg.short_fraction
                                            or cfg.max_frames < 16):
            n_frames = int(rng.integers(cfg.min_frames, short_max + 1))
        else:
            n_frames = int(rng.integers(max(16, cfg.min_frames), cfg.max_frames + 1))
        identity = index // cfg.clips_per_identity
        clips.append(dict(index=index, clip_id=f'{index + 1:05d}', identity=identity,
                          label=int(labels[index]), frames=n_frames,
                          fold=int(fold_of[identity])))
    return clips


def frames_16(n_frames: int) -> list[int]:
    """0-based indices of the 16 frames of ``clip_224x224_16f`` (repeats if shorter)."""
    return np.round(np.linspace(0, n_frames - 1, FRAMES_16F)).astype(int).tolist()


def _write_clip(args: tuple[str, SynthConfig, dict]) -> int:
    root, cfg, clip = args
    frames = render_clip(cfg.seed, clip['index'], clip['identity'], clip['label'],
                         clip['frames'], cfg.size, cfg.style)
    cid = clip['clip_id']
    full = os.path.join(root, 'Clip', 'clip_224x224', cid)
    short = os.path.join(root, 'Clip', 'clip_224x224_16f', cid)
    os.makedirs(full)
    os.makedirs(short)
    params = [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality]
    encoded = []
    for t, img in enumerate(frames, start=1):
        ok, buf = cv2.imencode('.jpg', img, params)
        if not ok:
            raise RuntimeError(f'JPEG encoding failed for clip {cid} frame {t}')
        encoded.append(buf.tobytes())
        with open(os.path.join(full, f'{cid}_{t:05d}.jpg'), 'wb') as f:
            f.write(encoded[-1])
    for n, index in enumerate(frames_16(len(frames)), start=1):
        with open(os.path.join(short, f'{n}.jpg'), 'wb') as f:
            f.write(encoded[index])
    points = clip_landmarks(cfg.seed, clip['index'], clip['identity'], clip['label'],
                            clip['frames'], cfg.size, cfg.style)
    size = (cfg.size, cfg.size)
    save_landmarks(landmarks_path(root, 'clip_224x224', cid), points, size)
    save_landmarks(landmarks_path(root, 'clip_224x224_16f', cid),
                   points[frames_16(len(frames))], size)
    return len(frames)


def _write_splits(root: str, clips: list[dict]) -> dict:
    folds = {}
    for k in range(1, NUM_FOLDS + 1):
        counts = {}
        for split in ('train', 'test'):
            rows = [c for c in clips if (c['fold'] == k) == (split == 'test')]
            folder = os.path.join(root, 'EmoLabel_DataSplit', f'{split}(single-labeled)')
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f'set_{k}.csv'), 'w', newline='\n') as f:
                f.write('video_name,label\n')
                f.writelines(f"{c['clip_id']},{c['label'] + 1}\n" for c in rows)
            counts[split] = len(rows)
        folds[str(k)] = counts
    return folds


def _build(tmp: Path, cfg: SynthConfig, workers: int, progress: bool) -> dict:
    """Render every clip, write the splits and the manifest into ``tmp``."""
    clips = plan_dataset(cfg)
    for variant in ('clip_224x224', 'clip_224x224_16f'):
        (tmp / LANDMARK_DIR / variant).mkdir(parents=True)
    jobs = [(str(tmp), cfg, clip) for clip in clips]
    pool = None
    if workers == 1:
        lengths = map(_write_clip, jobs)
    else:
        pool = ProcessPoolExecutor(workers, mp_context=get_context('fork'))
        lengths = pool.map(_write_clip, jobs, chunksize=4)
    try:
        if progress:
            from tqdm import tqdm
            lengths = tqdm(lengths, total=len(jobs), desc='SynthDFER clips')
        num_frames = sum(lengths)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    manifest = dict(
        name='SynthDFER', format_version=FORMAT_VERSION, layout='DFEW', config=asdict(cfg),
        image_size=[cfg.size, cfg.size], classes=list(CLASSES),
        class_counts={name: sum(c['label'] == k for c in clips) for k, name in enumerate(CLASSES)},
        num_clips=len(clips), num_frames=num_frames, folds=_write_splits(str(tmp), clips),
        landmarks=dict(folder=LANDMARK_DIR, names=list(LANDMARK_NAMES), units='pixels (x, y)'),
        clips={c['clip_id']: dict(identity=c['identity'], label=c['label'], frames=c['frames'],
                                  fold=c['fold']) for c in clips},
    )
    with open(tmp / MANIFEST, 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    return manifest


def is_synthdfer(folder: Path) -> bool:
    """True if ``folder`` holds a SynthDFER manifest (a set this module wrote)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get('name') == 'SynthDFER'


def check_output(out: Path, overwrite: bool) -> None:
    """Raise unless ``out`` may receive a new set: new, empty, or SynthDFER with ``overwrite``.

    ``overwrite`` never replaces a file or a folder of other files, in case ``out`` is a typo.
    """
    if out.exists() and not out.is_dir():
        raise FileExistsError(f'output {out} is a file, not a folder; give a folder for the '
                              'data set')
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not is_synthdfer(out):
        raise FileExistsError(f'output folder {out} holds files but no SynthDFER manifest '
                              f'({MANIFEST}); --overwrite only replaces a SynthDFER set, so '
                              'choose a new folder')
    if not overwrite:
        raise FileExistsError(f'output folder {out} already holds a SynthDFER set; pass '
                              'overwrite=True (--overwrite) to replace it')


def generate_synthdfer(out: str | os.PathLike, cfg: SynthConfig | None = None,
                       workers: int = 1, overwrite: bool = False,
                       progress: bool = False) -> dict:
    """Generate SynthDFER into ``out`` (DFEW layout) and return its manifest.

    The set is built in a hidden sibling folder and renamed into place, so a killed run never
    leaves a folder that looks complete; the leftovers of killed runs are removed at the start.

    Args:
        out: target folder; must not exist (or be empty) unless it holds a SynthDFER set
            and ``overwrite`` is set.
        cfg: what to generate (default :class:`SynthConfig`).
        workers: processes rendering clips in parallel (output does not depend on it).
        overwrite: replace an existing SynthDFER set at ``out`` once the new set is complete.
        progress: show a tqdm progress bar.

    Raises:
        ValueError: bad config.
        FileExistsError: ``out`` is a file, holds files other than a SynthDFER set, or holds
            a SynthDFER set without ``overwrite``.
    """
    cfg = cfg or SynthConfig()
    cfg.validate()
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    out = Path(out).absolute()
    check_output(out, overwrite)
    for stale in remove_stale(out):
        if progress:
            print(f'removed {stale}, left by a killed run')
    with staging_folder(out) as tmp:
        manifest = _build(tmp, cfg, workers, progress)
        check_output(out, overwrite)  # again: another run may have written it meanwhile
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    return manifest
