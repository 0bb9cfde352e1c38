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

    from hdf_bench.engine.run import ModelRef, Run
    from hdf_bench.engine.training import train

    args = parse_args(argv)
    try:
        run = Run.load(ModelRef(Path(args.config).stem, args.config), options=args.cfg_options)
    except (ValueError, OSError) as err:
        print(f'train: {err}', file=sys.stderr)
        return 2
    run.cfg.launcher = args.launcher
    if args.launcher == 'pytorch' and not torch.cuda.is_available():
        _cpu_distributed(run.cfg)
    result = train(run, args.work_dir)
    print(f'train: {result.status} {result.run.checkpoint}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
