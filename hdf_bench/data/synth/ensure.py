"""SynthDFER at a folder: reused when complete, generated otherwise (the demo's and the zoo
comparison's data step)."""
from __future__ import annotations

import os
from pathlib import Path

from hdf_bench.data.synth.writer import MANIFEST, SynthConfig, generate_synthdfer


def ensure_synthdfer(root: str | os.PathLike, cfg: SynthConfig) -> Path:
    """The SynthDFER data set at ``root``: reused if its manifest is there, else generated.

    Args:
        root: the data root (DFEW layout).
        cfg: what to generate when it is missing.
    """
    root = Path(root)
    if (root / MANIFEST).is_file():
        print(f'reusing {root}')
        return root
    manifest = generate_synthdfer(root, cfg, workers=os.cpu_count() or 1, progress=True)
    print(f"{manifest['num_clips']} clips, {manifest['num_frames']} frames")
    return root
