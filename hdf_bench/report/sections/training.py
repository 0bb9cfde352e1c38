"""Section: each model's training run read from its log; DSM's share of HDF's loss."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from hdf_bench.report import figures
from hdf_bench.report.context import Context, finite, num
from hdf_bench.report.document import Figure, Section, Table
from hdf_bench.report.training_logs import read_training_log, work_dir_of


def _sig(value: object) -> str:
    return f'{value:.3g}' if finite(value) else '–'


def summarise(log: pd.DataFrame) -> dict:
    """Steps, first / last loss (means of the first / last 10 % of the logged steps) and, when
    DSM's terms are logged, g, lambda_CE, lambda_SC and DSM's share (means over the last half)."""
    n = len(log)
    k = max(1, math.ceil(n / 10))
    tail = log.iloc[n // 2:]
    row = dict(steps=n, last_step=int(log['step'].iloc[-1]),
               first_loss=float(log['loss'].iloc[:k].mean()),
               last_loss=float(log['loss'].iloc[-k:].mean()), dsm='share' in log)
    for key, column in (('g', 'dsm_grad_norm'), ('lambda_ce', 'lambda_ce'),
                        ('lambda_sc', 'lambda_sc'), ('dsm_share', 'share')):
        row[key] = float(tail[column].mean()) if column in tail else math.nan
    return row


def _runs(ctx: Context, section: Section) -> list[tuple[str, str, str, str]]:
    """(model, data sets, folds, checkpoint) of each training run (work dir) behind the
    models' clean cells; a model whose clean cells record no checkpoint gets a note."""
    cells = ctx.every_cell()
    runs = []
    for model in ctx.models:
        clean = cells[(cells['model'] == model) & (cells['axis'] == 'clean')]
        found: dict = {}
        for dataset, fold, record in zip(clean['dataset'], clean['fold'], clean['record'],
                                         strict=True):
            checkpoint = (record.get('meta') or {}).get('checkpoint')
            work_dir = work_dir_of(checkpoint)
            if work_dir is None:
                continue
            entry = found.setdefault(work_dir, (checkpoint, {}, {}))
            entry[1][dataset] = entry[2][fold] = None
        if not found:
            section.note(f'{model}: its clean cells record no checkpoint; no training log.',
                         missing=True)
        runs += [(model, ', '.join(sorted(datasets)), ', '.join(sorted(folds)), checkpoint)
                 for checkpoint, datasets, folds in found.values()]
    return runs


def training_section(ctx: Context) -> Section:
    """Per training run: logged steps, first / last loss; for DSM models g, the lambdas and
    DSM's share of the loss; curves of the loss and of the share."""
    section = Section('Training runs and DSM\'s share of the loss')
    section.note(
        'One row per training run: the mmengine work dir (folder) of each checkpoint the '
        'clean cells were evaluated from, so folds and seeds are separate rows. Read from '
        '<work_dir>/<timestamp>/vis_data/scalars.json (a resumed run\'s logs merged by step, '
        'the later log winning); values as logged (mmengine averages them over its logging '
        'window). First / last loss: mean training loss over the first / last 10 % of the '
        'logged steps. For models trained with DSM, the means over the last half of the steps '
        'of g (dsm_grad_norm), lambda_CE, lambda_SC and DSM\'s share of the loss, '
        '(|loss_dsc| + |loss_ib|) / (|loss_ce| + |loss_dsc| + |loss_ib|) per step. g is read '
        'as DSM reads it: the weight-gradient norm the training step feeds DSM from the '
        'previous step, i.e. the L2 norm of the gradient of the whole objective (after the '
        'lambda scaling) over all trainable weights, recorded by SAM\'s first pass (divided '
        'by the square root of the number of weights with grad_norm_scale=\'sqrt_params\'); '
        'lambda_CE = alpha g / (g + 1), lambda_SC = beta / (g + 1). A share near 0 means DSM '
        'acts as a scaled cross-entropy (lambda_CE x CE).')
    rows, curves = [], []
    for model, datasets, folds, checkpoint in _runs(ctx, section):
        log, why = read_training_log(checkpoint)
        if log is None:
            section.note(f'{model} ({datasets} fold {folds}): training log not found: {why}.',
                         missing=True)
            continue
        if log.attrs.get('skipped'):
            section.note(f'{model} ({datasets} fold {folds}): {log.attrs["skipped"]} '
                         'undecodable log lines skipped.')
        # the work dir's last two parts (e.g. train/hdf, hdf/seed1): a label that names the
        # run without a folder of the machine the report was made on
        work_dir = '/'.join(Path(work_dir_of(checkpoint)).parts[-2:])
        rows.append(dict(model=model, dataset=datasets, fold=folds, work_dir=work_dir,
                         **summarise(log)))
        curves.append(log.reindex(columns=['step', 'loss', 'share']).assign(
            model=model, run=work_dir))
    if not rows:
        return section
    data = ctx.order(pd.DataFrame(rows))
    display = pd.DataFrame({
        'model': data['model'], 'dataset': data['dataset'], 'fold': data['fold'],
        'steps logged': data['steps'], 'first loss': data['first_loss'].map(num),
        'last loss': data['last_loss'].map(num), 'g': data['g'].map(_sig),
        'lambda_CE': data['lambda_ce'].map(_sig), 'lambda_SC': data['lambda_sc'].map(_sig),
        'DSM share %': (100 * data['dsm_share']).map(_sig)})
    section.blocks.append(Table('training', 'Training runs: loss and, for DSM models, g, the '
                                'lambdas and DSM\'s share of the loss (last half of the steps)',
                                data, display))
    if ctx.spec.figures:
        section.blocks.append(Figure('training_curves', 'Training loss per step and, for DSM '
                                     'models, DSM\'s share of the loss (log scale)',
                                     figures.training_curves(pd.concat(curves,
                                                                       ignore_index=True))))
    return section
