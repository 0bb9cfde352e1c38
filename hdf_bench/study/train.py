"""The training command of a study: ``python -m hdf_bench.study.train CONFIG --work-dir DIR``.

What ``mim train mmaction2 CONFIG --work-dir DIR --resume --cfg-options ...`` does (mmengine's
runner on the config), plus what a resumable study needs:

- a finished run (its final checkpoint exists) is not trained again; an interrupted one resumes
  from the newest checkpoint in the work dir;
- ``--launcher pytorch`` (under ``torchrun``) and ``--launcher slurm`` (under ``srun``) train
  with mmengine's distributed set-up; without CUDA the ranks join a gloo process group and DDP
  wraps the model without device ids (mmengine's own set-up assumes one GPU per rank).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

LAUNCHERS = ('none', 'pytorch', 'slurm')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(prog='python -m hdf_bench.study.train',
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='mmengine config file')
    parser.add_argument('--work-dir', required=True, help='folder of logs and checkpoints')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        metavar='KEY=VALUE', help='config overrides, as for mim train')
    return parser.parse_args(argv)


def final_checkpoint(cfg, work_dir: Path) -> Path:
    """The checkpoint the last epoch (or iteration) writes."""
    train_cfg = cfg.train_cfg
    if train_cfg.get('max_epochs') is not None:
        return work_dir / f'epoch_{int(train_cfg.max_epochs)}.pth'
    return work_dir / f'iter_{int(train_cfg.max_iters)}.pth'


def _cpu_distributed(cfg) -> None:
    """Join a gloo process group and let DDP wrap a CPU model (no CUDA on this machine)."""
    import torch.distributed as torch_dist

    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel'))
    cfg.model_wrapper_cfg = dict(wrapper, device_ids=None)  # mmengine's default: [LOCAL_RANK]


def main(argv: list[str] | None = None) -> int:
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    import hdf_bench  # noqa: F401  (stack fixes and registered modules before the config)

    args = parse_args(argv)
    if not Path(args.config).is_file():
        print(f'train: config {args.config} not found', file=sys.stderr)
        return 2
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    work_dir = Path(args.work_dir).resolve()
    cfg.work_dir = str(work_dir)
    cfg.launcher = args.launcher
    final = final_checkpoint(cfg, work_dir)
    if final.is_file():
        print(f'train: {final} exists; nothing to do')
        return 0
    if args.launcher == 'pytorch' and not torch.cuda.is_available():
        _cpu_distributed(cfg)
    cfg.resume = (work_dir / 'last_checkpoint').is_file()
    cfg.load_from = None
    Runner.from_cfg(cfg).train()
    if int(os.environ.get('RANK', '0')) == 0 and not final.is_file():
        print(f'train: training ended without writing {final}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
