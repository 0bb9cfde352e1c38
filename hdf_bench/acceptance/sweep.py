"""Step 4: a corruption sweep of a few cells on the run's device into a store, then the report.

Both through the command line (``hdf-bench robustness``, ``hdf-bench report``), on the configs
and checkpoints the training step wrote (HDF and X3D-S); when that step did not leave them,
on freshly built, untrained models.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import torch

from hdf_bench.acceptance.record import Context, StepRecord
from hdf_bench.acceptance.setup import checkpoint_path, cli, config_path, run_config, synth_root

MODELS = ('hdf', 'x3d_s')
#: the suite: clean + these corruptions at one severity (3 cells per model)
SUITE = "corruptions = ['gaussian_noise', 'frame_drop']\nseverities = [3]\nseeds = [0]\n"


def _model(ctx: Context, rec: StepRecord, name: str, data_root: Path) -> str:
    """``NAME=CONFIG:CKPT`` for the sweep (from the training step, or built here)."""
    iters = ctx.profile.train_iters if name == 'hdf' else ctx.profile.other_iters
    cfg_path, ckpt = config_path(ctx, name), checkpoint_path(ctx, name, iters)
    if not (cfg_path.is_file() and ckpt.is_file()):
        from hdf_bench import zoo

        rec.note(f'{name}: no checkpoint from the training step; sweeping an untrained model')
        cfg = run_config(ctx, name, data_root, iters)
        cfg_path = ctx.work / 'sweep' / f'{name}.py'
        ckpt = ctx.work / 'sweep' / f'{name}_untrained.pth'
        cfg_path.parent.mkdir(parents=True, exist_ok=True)
        cfg.dump(str(cfg_path))
        torch.save(dict(state_dict=zoo.build_model(name, paper_recipe=True).state_dict()), ckpt)
    return f'{name}={cfg_path}:{ckpt}'


def run(ctx: Context, rec: StepRecord) -> None:
    """Sweep HDF and X3D-S over clean + 2 corruptions, then write the report (md, csv)."""
    if not ctx.enough(rec, 20, 'the sweep'):
        return
    data_root = synth_root(ctx)
    folder = ctx.work / 'sweep'
    store, report = folder / 'store', folder / 'report'
    for path in (store, report):
        shutil.rmtree(path, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    suite = folder / 'suite.py'
    suite.write_text(SUITE)
    args = ['robustness', '--suite', str(suite), '--store', str(store), '--data-root',
            str(data_root), '--device', ctx.device, '--batch-size', '8', '--num-workers',
            str(ctx.profile.workers), '--quiet']
    for name in MODELS:
        args += ['--model', _model(ctx, rec, name, data_root)]
    code = cli(args)
    rec.check('hdf-bench robustness', code == 0, f'exit code {code}, store {store}')
    if code != 0 or not ctx.enough(rec, 10, 'the report'):
        return
    code = cli(['report', '--store', str(store), '--out', str(report), '--reference', 'x3d_s',
                '--formats', 'md,csv', '--no-figures', '--n-resamples', '200'])
    pages = sorted(report.glob('*.md'))
    text = pages[0].read_text() if pages else ''
    rec.check('hdf-bench report', code == 0 and all(m in text for m in MODELS),
              f'exit code {code}, {pages[0] if pages else "no Markdown page"}')
    rec.figure('report', str(pages[0]) if pages else None)
