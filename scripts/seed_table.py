"""HDF vs X3D-S (or any zoo models) on SynthDFER with the same budget over several seeds.

Trains each model with each seed through the mmengine runner (the demo's CPU configs), tests
the last checkpoint on the test split and prints a markdown table: WAR / UAR per seed and their
mean and sample std.

    python scripts/seed_table.py --data-root runs/demo/data/synthdfer --epochs 3 \
        --models hdf x3d_s --seeds 0 1 2 --work-dir work_dirs/seeds
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def evaluate(config, checkpoint: Path, data_root: str, work_dir: Path) -> dict:
    """WAR / UAR of ``checkpoint`` on the config's test split."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from hdf_bench.engine.training import with_data
    cfg = with_data(Config.fromfile(str(config)), data_root)
    cfg.work_dir, cfg.load_from, cfg.resume = str(work_dir), str(checkpoint), False
    metrics = Runner.from_cfg(cfg).test()
    return dict(war=float(metrics['dfer/war']), uar=float(metrics['dfer/uar']))


def std(values: np.ndarray) -> float:
    """Sample standard deviation (NaN for a single value)."""
    return float(values.std(ddof=1)) if len(values) > 1 else float('nan')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--models', nargs='+', default=['hdf', 'x3d_s'])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--work-dir', default='work_dirs/seeds')
    args = parser.parse_args()

    import hdf_bench  # noqa: F401  (stack fixes, registries)
    from hdf_bench import zoo
    from hdf_bench.engine.training import train

    out = Path(args.work_dir)
    rows = []
    for name in args.models:
        config = zoo.get(name).config_path()
        for seed in args.seeds:
            result_file = out / f'{name}_seed{seed}.json'
            if result_file.is_file():
                rows.append(json.loads(result_file.read_text()))
                continue
            ckpt = train(config, out / name / f'seed{seed}', data_root=args.data_root,
                         max_epochs=args.epochs, cfg_options={'randomness.seed': seed})
            row = dict(model=name, seed=seed, **evaluate(config, ckpt, args.data_root,
                                                         out / name / f'seed{seed}_test'))
            result_file.write_text(json.dumps(row))
            rows.append(row)
    print('\n| model | seeds | WAR % per seed | UAR % per seed | WAR % mean +- std | '
          'UAR % mean +- std |\n| --- | --- | --- | --- | --- | --- |')
    for name in args.models:
        mine = [r for r in rows if r['model'] == name]
        war = np.array([r['war'] for r in mine]) * 100
        uar = np.array([r['uar'] for r in mine]) * 100
        print(f"| {name} | {len(mine)} | {', '.join(f'{v:.1f}' for v in war)} | "
              f"{', '.join(f'{v:.1f}' for v in uar)} | {war.mean():.1f} +- {std(war):.1f} | "
              f'{uar.mean():.1f} +- {std(uar):.1f} |')


if __name__ == '__main__':
    main()
