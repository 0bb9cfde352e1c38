"""Demo-budget experiments: train one config through the runner path, test it, log one line.

The training goes through :func:`hdf_bench.engine.training.train` (mmengine's Runner, as the
demo and ``mim train`` do) with validation off, one torch thread; the test runs the config's
test pipeline on the clean test split and judges the model with
:func:`hdf_bench.evaluation.learned.learned_verdict`. One JSON line per run is appended to
``--log`` (setting, optimizer steps, clip-iterations, wall times, WAR / UAR with CI).

Usage::

    python scripts/demo_budget.py configs/baselines/x3d_s_synthdfer_demo.py \\
        --data-root data/synthdfer_demo --epochs 3 --work-dir runs/budget/x3d_s \\
        [--clip-len 1] [--img-size 48] [--lr 3e-3] [--tag NOTE] [--log docs/demo_budget_runs.jsonl]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch


def set_input(cfg, clip_len: int | None = None, img_size: int | None = None) -> None:
    """Set ``UniformSample.clip_len`` / ``Resize.scale`` in every loader of ``cfg`` (in place)."""
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        for step in cfg[loader]['dataset']['pipeline']:
            if step['type'] == 'UniformSample' and clip_len:
                step['clip_len'] = clip_len
            if step['type'] == 'Resize' and img_size:
                step['scale'] = (img_size, img_size)


def predict(cfg, checkpoint: Path) -> tuple[list[int], list[int]]:
    """Labels and argmax predictions of ``checkpoint`` on ``cfg``'s test loader."""
    from mmaction.registry import MODELS
    from mmengine.runner import Runner, load_checkpoint
    model = MODELS.build(cfg.model)
    load_checkpoint(model, str(checkpoint), map_location='cpu')
    model.eval()
    loader = Runner.build_dataloader(cfg.test_dataloader)
    labels, preds = [], []
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                labels.append(int(sample.gt_label))
                preds.append(int(sample.pred_score.argmax()))
    return labels, preds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--epochs', type=int, required=True)
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--clip-len', type=int, default=None)
    parser.add_argument('--img-size', type=int, default=None)
    parser.add_argument('--lr', type=float, default=None)
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--cache-dir', default=None,
                        help="CachedRawFrameDecode's cache_dir (config's default if unset)")
    parser.add_argument('--tag', default='')
    parser.add_argument('--log', default='docs/demo_budget_runs.jsonl')
    args = parser.parse_args()
    torch.set_num_threads(1)

    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401
    from hdf_bench.data.classes import NUM_CLASSES
    from hdf_bench.engine.cfg import (
        iters_per_epoch,
        with_clip_cache,
        with_data,
        with_epochs,
        without_validation,
    )
    from hdf_bench.engine.run import ModelRef, Run
    from hdf_bench.engine.training import train
    from hdf_bench.evaluation.learned import learned_verdict

    init_default_scope('mmaction')
    cfg = without_validation(Config.fromfile(args.config))
    cfg = with_data(cfg, args.data_root)
    cfg.default_hooks.logger.interval = 10
    set_input(cfg, args.clip_len, args.img_size)
    if args.lr:
        cfg.optim_wrapper.optimizer.lr = args.lr
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    if args.cache_dir:
        cfg = with_clip_cache(cfg, args.cache_dir)
    steps_per_epoch = iters_per_epoch(cfg)
    start = time.perf_counter()
    cfg = with_epochs(cfg, args.epochs, steps_per_epoch)
    ref = ModelRef(Path(args.config).stem, args.config)
    ckpt = train(Run(ref, cfg), args.work_dir).run.checkpoint
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    labels, preds = predict(cfg, ckpt)
    test_s = time.perf_counter() - start
    verdict = learned_verdict(labels, preds, NUM_CLASSES)
    row = dict(
        tag=args.tag, config=args.config, data_root=args.data_root, epochs=args.epochs,
        clip_len=args.clip_len or 8, img_size=args.img_size or 64,
        lr=cfg.optim_wrapper.optimizer.lr,
        batch=cfg.train_dataloader.batch_size, steps=steps_per_epoch * args.epochs,
        clip_iters=steps_per_epoch * args.epochs * cfg.train_dataloader.batch_size,
        train_s=round(train_s, 1), s_per_step=round(train_s / (steps_per_epoch * args.epochs), 2),
        test_clips=len(labels), test_s=round(test_s, 1), war=round(100 * verdict.war, 1),
        uar=round(100 * verdict.uar, 1), uar_ci=[round(100 * verdict.uar_low, 1),
                                                   round(100 * verdict.uar_high, 1)],
        classes_predicted=verdict.classes_predicted, learned=verdict.learned,
        load=os.getloadavg()[0], when=time.strftime('%H:%M UTC', time.gmtime()))
    print(json.dumps(row))
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    with open(args.log, 'a') as f:
        f.write(json.dumps(row) + '\n')


if __name__ == '__main__':
    main()
