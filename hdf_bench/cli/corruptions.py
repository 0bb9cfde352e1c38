"""``hdf-bench corruptions``: list a suite's corruptions and groups; draw the gallery."""
from __future__ import annotations

import argparse
from pathlib import Path

NAME = 'corruptions'
HELP = "list a suite's corruptions with their groups; --gallery draws them on one clip (PNG)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--suite', default='default',
                        help='suite name or file (default: default, every corruption)')
    parser.add_argument('--gallery', default=None, metavar='OUT.png',
                        help='write the gallery: the clip under each corruption at severities '
                             '1, 3, 5 (temporal ones as frame strips)')
    parser.add_argument('--clip', default=None, metavar='FOLDER',
                        help='a folder of frames to show instead of the SynthDFER clip '
                             '(16 evenly spaced frames, resized to 112 px; occluders from the '
                             'aligned-crop prior)')
    parser.add_argument('--seed', type=int, default=0, help='corruption seed (default 0)')


def _folder_clip(folder: str):
    import cv2
    import numpy as np

    from hdf_bench.corruptions.gallery import GalleryClip

    paths = sorted(p for p in Path(folder).iterdir()
                   if p.suffix.lower() in ('.jpg', '.jpeg', '.png', '.bmp'))
    if not paths:
        raise FileNotFoundError(f'--clip {folder}: no .jpg/.png frames in the folder')
    picks = np.round(np.linspace(0, len(paths) - 1, 16)).astype(int)
    frames = []
    for i in picks:
        img = cv2.imread(str(paths[i]), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'--clip: cannot decode {paths[i]}')
        frames.append(cv2.cvtColor(cv2.resize(img, (112, 112), interpolation=cv2.INTER_AREA),
                                   cv2.COLOR_BGR2RGB))
    return GalleryClip(np.stack(frames), None, f'{Path(folder).name} ({len(paths)} frames, '
                       '16 shown, aligned-crop prior)')


def run(args: argparse.Namespace) -> int:
    from hdf_bench.corruptions import load_suite
    from hdf_bench.corruptions.gallery import corruption_list, draw_gallery

    suite = load_suite(args.suite)
    rows = corruption_list(suite.corruptions)
    width = max(len(name) for name, _, _ in rows)
    print(f'suite {suite.name} ({suite.source}): {len(rows)} corruptions, severities '
          f'{list(suite.severities)}, seeds {list(suite.seeds)}')
    for name, group, shown in rows:
        print(f'  {name:<{width}}  {group:<9} {shown}')
    if args.gallery:
        clip = _folder_clip(args.clip) if args.clip else None
        out = Path(args.gallery)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(draw_gallery(suite.corruptions, clip, seed=args.seed,
                                     title=f'Corruption gallery, suite {suite.name}'))
        print(f'wrote {out}')
    return 0
