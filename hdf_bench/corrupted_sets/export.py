"""Export the corrupted test split of a data set (DFEW-C, FERV39k-C, MAFW-C, SynthDFER-C).

For every (corruption, severity, seed) of a suite -- a *unit* -- every test clip is decoded
exactly as ``RawFrameDecode`` decodes it, corrupted as one clip with
:func:`hdf_bench.corruptions.corrupt` (its draws depend only on the clip id, the corruption, the
severity and the seed), and written in the data set's own layout: same folders, same frame
count, same frame names with a ``.png`` extension (lossless, so a reader gets exactly the
corrupted pixels), and the source split file copied verbatim. See
:mod:`hdf_bench.corrupted_sets.manifest` for the files around the units.

Resumable: a unit is built in ``<out>/.partial/`` clip by clip (each clip folder renamed into
place when complete), renamed into place when all clips are there, and marked done by its
record; a rerun skips finished units and finished clips. Under ``torchrun`` rank ``r`` takes
units ``r, r + world, ...``; rank 0 writes the manifest once every unit is done.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from hdf_bench.corrupted_sets.layouts import READERS, SourceSplit, read_test_split
from hdf_bench.corrupted_sets.manifest import (
    CHECKSUMS,
    FORMAT,
    FORMAT_VERSION,
    FRAME_EXT,
    MANIFEST,
    PARTIAL,
    PLAN,
    PNG_COMPRESSION,
    Unit,
    code_digest,
    dumps,
    format_checksums,
    read_json,
    sha256_file,
)
from hdf_bench.results.io import atomic_write_bytes, atomic_write_text


def export_name(filename_tmpl: str) -> str:
    """Frame name template of the export: the source's with the PNG extension."""
    return os.path.splitext(filename_tmpl)[0] + FRAME_EXT


def encode_png(frame_rgb: np.ndarray) -> bytes:
    """Lossless, deterministic PNG bytes of an (H, W, 3) uint8 RGB frame."""
    ok, buf = cv2.imencode(FRAME_EXT, np.ascontiguousarray(frame_rgb[..., ::-1]),
                           [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise RuntimeError('PNG encoding failed')
    return buf.tobytes()


def units_of(suite) -> list[Unit]:
    """The units of a suite, in suite order."""
    multi = len(suite.seeds) > 1
    return [Unit(name, severity, seed, multi) for name, severity, seed in suite.cells()]


def suite_record(suite) -> dict:
    return dict(name=suite.name, corruptions=list(suite.corruptions),
                severities=list(suite.severities), seeds=list(suite.seeds),
                per_frame=bool(suite.per_frame))


def source_digest(split: SourceSplit) -> str:
    """SHA-256 over the test split's source files (split file, then every frame in order).

    Two exports agree byte for byte only if their sources agree; this says whether they do.
    """
    digest = hashlib.sha256()
    digest.update(split.split_file.encode() + b'\0')
    digest.update(bytes.fromhex(sha256_file(os.path.join(split.data_root, split.split_file))))
    for clip in split.clips:
        for name in clip.frame_names():
            digest.update(f'{clip.rel_dir}/{name}'.encode() + b'\0')
            digest.update(bytes.fromhex(sha256_file(
                os.path.join(split.data_root, clip.rel_dir, name))))
    return digest.hexdigest()


def make_plan(split: SourceSplit, suite) -> dict:
    """The manifest less its unit records: everything the exported bytes depend on."""
    return dict(
        format=FORMAT, format_version=FORMAT_VERSION, dataset=split.dataset, fold=split.fold,
        split='test', reader=dict(type=READERS[split.dataset], **split.options),
        split_file=split.split_file, num_clips=len(split.clips),
        num_frames=sum(c.total_frames for c in split.clips),
        clip_ids=[c.clip_id for c in split.clips], suite=suite_record(suite),
        frames=dict(format='png', compression=PNG_COMPRESSION,
                    names='the source names with the extension .png',
                    decode='mmcv.imfrombytes(channel_order="rgb", backend="cv2"), as '
                           'mmaction2 RawFrameDecode'),
        corruption_code=code_digest(),
        layout='<out>/[seed<k>/]<corruption>/<severity>/ = the data set root of that unit')


def _clip_frames(split: SourceSplit, clip, unit: Unit, per_frame: bool) -> np.ndarray:
    from hdf_bench.corruptions import corrupt
    from hdf_bench.corruptions.whole_clip import decode_frames

    frames = decode_frames(os.path.join(split.data_root, clip.rel_dir), clip.filename_tmpl,
                           clip.offset, clip.total_frames)
    try:
        return corrupt(frames, unit.corruption, unit.severity, seed=unit.seed,
                       clip_id=clip.clip_id, per_frame=per_frame)
    except Exception as err:
        raise RuntimeError(f'{unit.label} failed on clip {clip.clip_id} '
                           f'({clip.rel_dir}): {type(err).__name__}: {err}') from err


def _write_clip(folder: Path, clip, frames: np.ndarray) -> None:
    """Write one clip's frames into ``folder`` (via a sibling temp folder, renamed at the end)."""
    tmp = folder.with_name(folder.name + '.tmp')
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tmpl = export_name(clip.filename_tmpl)
    for i, frame in enumerate(frames):
        (tmp / tmpl.format(clip.offset + i)).write_bytes(encode_png(frame))
    os.rename(tmp, folder)


def _hash_tree(out: Path, unit_dir: Path) -> dict[str, str]:
    table = {}
    for dirpath, dirnames, filenames in os.walk(unit_dir):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            table[path.relative_to(out).as_posix()] = sha256_file(path)
    return table


def export_unit(split: SourceSplit, unit: Unit, out: Path, per_frame: bool,
                show_bar: bool = False) -> dict:
    """Build one unit (resuming a partial one) and write its checksums and record."""
    final = out / unit.rel
    if not final.is_dir():
        partial = out / PARTIAL / unit.rel
        partial.mkdir(parents=True, exist_ok=True)
        split_dst = partial / split.split_file
        split_dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(os.path.join(split.data_root, split.split_file), split_dst)
        todo = [c for c in split.clips if not (partial / c.rel_dir).is_dir()]
        from tqdm import tqdm
        for clip in tqdm(todo, desc=unit.label, unit='clip', leave=False, disable=not show_bar,
                         dynamic_ncols=True):
            _write_clip(partial / clip.rel_dir, clip,
                        _clip_frames(split, clip, unit, per_frame))
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(partial, final)
    table = _hash_tree(out, final)
    text = format_checksums(table)
    atomic_write_text(unit.checksum_file(out), text)
    record = dict(corruption=unit.corruption, severity=unit.severity, seed=unit.seed,
                  dir=unit.rel, files=len(table), bytes=sum(
                      (out / name).stat().st_size for name in table),
                  checksums=f'{CHECKSUMS}/{unit.rel}.sha256',
                  checksums_sha256=hashlib.sha256(text.encode()).hexdigest())
    atomic_write_text(unit.record_file(out), dumps(record))
    return record


def _check_plan(out: Path, plan: dict) -> None:
    """Write the plan, or check that an earlier (resumed) export had the same one."""
    path = out / PLAN
    if path.is_file():
        old = read_json(path, 'export plan')
        if old != plan:
            diff = sorted(k for k in set(old) | set(plan) if old.get(k) != plan.get(k))
            raise ValueError(f'{out} holds another export (its {PLAN} differs in {diff}); '
                             f'use another --out, or delete {out} to start over')
    else:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, dumps(plan))


def write_manifest(out: Path, plan: dict, units: list[Unit], source: str) -> dict:
    """Rank 0: gather the unit records into ``manifest.json`` (all units must be done)."""
    missing = [u.label for u in units if not u.record_file(out).is_file()]
    if missing:
        raise RuntimeError(f'{len(missing)} unit(s) of {out} are not done (e.g. '
                           f'{missing[:3]}); rerun the export to finish them')
    records = [read_json(u.record_file(out), 'unit record') for u in units]
    manifest = dict(plan, source_sha256=source, units=records)
    atomic_write_bytes(out / MANIFEST, dumps(manifest).encode())
    shutil.rmtree(out / PARTIAL, ignore_errors=True)
    return manifest


def _dist() -> tuple[int, int]:
    from mmengine.dist import get_dist_info
    return get_dist_info()


def export_set(dataset: str, data_root: str | os.PathLike, out: str | os.PathLike,
               suite='default', fold: int | None = None, variant: str | None = None,
               frames: str | None = None, quiet: bool = False) -> dict | None:
    """Export the corrupted test split of a data set copy.

    Args:
        dataset: ``dfew``, ``ferv39k``, ``mafw`` or ``synthdfer``.
        data_root: the copy's root.
        out: the export's folder (new, or an unfinished export of the same plan to resume).
        suite: suite name, file or :class:`hdf_bench.corruptions.Suite`.
        fold: test fold (DFEW, MAFW, SynthDFER; default 1).
        variant: DFEW frame folder (``clip_224x224`` default, or ``clip_224x224_16f``).
        frames: MAFW frame folder (``frames`` or ``faces``; default the one present).
        quiet: no progress bar and no log lines.

    Returns:
        The manifest (rank 0), None on other ranks.
    """
    from hdf_bench.corruptions import Suite, load_suite

    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    split = read_test_split(dataset, data_root, fold, variant, frames)
    out = Path(out).absolute()
    if out == Path(split.data_root) or Path(split.data_root) in out.parents:
        raise ValueError(f'--out {out} lies inside the source {split.data_root}')
    plan = make_plan(split, suite)
    rank, world = _dist()
    if rank == 0:
        if out.exists() and not out.is_dir():
            raise ValueError(f'--out {out} exists and is not a folder')
        if out.is_dir() and any(out.iterdir()) and not (out / PLAN).is_file():
            raise ValueError(f'--out {out} is not empty and holds no export to resume')
        _check_plan(out, plan)
    _barrier(world)
    if rank != 0:
        _check_plan(out, plan)
    units = units_of(suite)
    mine = [u for i, u in enumerate(units) if i % world == rank]
    prefix = f'[rank {rank}] ' if world > 1 else ''
    show_bar = not quiet and sys.stderr.isatty()
    for n, unit in enumerate(mine, start=1):
        if unit.record_file(out).is_file():
            _log(quiet, f'{prefix}{unit.label}: done earlier, skipped')
            continue
        start = time.perf_counter()
        record = export_unit(split, unit, out, suite.per_frame, show_bar)
        _log(quiet, f'{prefix}unit {n}/{len(mine)} {unit.label}: {record["files"]} files, '
                    f'{record["bytes"] / 2**20:.1f} MiB, {time.perf_counter() - start:.1f} s')
    _barrier(world)
    if rank != 0:
        return None
    manifest = write_manifest(out, plan, units, source_digest(split))
    _log(quiet, f'{len(units)} units of {len(split.clips)} clips -> {out}')
    return manifest


def _barrier(world: int) -> None:
    if world > 1:
        from mmengine.dist import barrier
        barrier()


def _log(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, flush=True)
