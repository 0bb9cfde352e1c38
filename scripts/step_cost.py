"""CPU cost of one training step of each config, as the runner takes it (one torch thread).

For each config a Runner is built (validation off), its optimizer wrapper too, and
``model.train_step`` runs on real batches of the train loader (SAM's two passes where the
config uses SAM). Reported per step: the median wall time and the median **process CPU time**
(user + system of this process). With one thread the CPU time is what the step would take on
an idle core, so it stays meaningful on a shared machine, where wall time does not.

Usage::

    python scripts/step_cost.py --data-root data/synthdfer_demo --steps 4 \\
        configs/baselines/x3d_s_synthdfer_demo.py configs/hdf/hdf_x3d_s_synthdfer_demo.py
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import torch


def step_costs(config: str, data_root: str, steps: int, clip_len: int | None = None,
               img_size: int | None = None) -> dict:
    """Median wall and CPU seconds of ``steps`` training steps (after one warm-up step)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from hdf_bench.engine.cfg import with_data, without_validation

    cfg = with_data(without_validation(Config.fromfile(config)), data_root)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'UniformSample' and clip_len:
            step['clip_len'] = clip_len
        if step['type'] == 'Resize' and img_size:
            step['scale'] = (img_size, img_size)
    cfg.work_dir = tempfile.mkdtemp(prefix='step_cost-')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    loader = runner.build_dataloader(cfg.train_dataloader)
    batches = iter(loader)
    runner.model.train()
    wall, cpu = [], []
    for k in range(steps + 1):
        batch = next(batches)
        w0, c0 = time.perf_counter(), time.process_time()
        runner.model.train_step(batch, optim_wrapper)
        if k:  # the first step warms up allocators
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
    return dict(config=config, clip_len=clip_len or 8, img_size=img_size or 64,
                batch=cfg.train_dataloader.batch_size,
                steps=steps, wall_s=round(statistics.median(wall), 2),
                cpu_s=round(statistics.median(cpu), 2), load=round(os.getloadavg()[0], 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--steps', type=int, default=4)
    parser.add_argument('--clip-len', type=int, default=None)
    parser.add_argument('--img-size', type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401
    init_default_scope('mmaction')
    for config in args.configs:
        print(json.dumps(step_costs(config, args.data_root, args.steps, args.clip_len,
                                    args.img_size)),
              flush=True)


if __name__ == '__main__':
    main()
