"""DSM's share of the loss over a short training run of HDF at the CPU preset, with g as
recorded (``grad_norm_scale='none'``) and normalised by sqrt(number of weights)::

    python scripts/dsm_share.py --steps 30 --synth runs/synthdfer

Trains the zoo's ``hdf`` (SAM, DSM) through its own train_step (the runner's path) on a small
SynthDFER generated at ``--synth`` (if absent) and prints, per setting, the mean over the last
half of the steps of g, lambda_CE, lambda_SC, the raw terms and the share of the contrastive +
IB part in the total, sum |lambda_SC * (L_DSC + L_IB)| / (|lambda_CE * L_CE| + ...).
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch


def run(setting: str, steps: int, root: Path, batch: int, seed: int) -> dict[str, float]:
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope

    from hdf_bench import zoo

    torch.manual_seed(seed)
    cfg = zoo.load_config('hdf', options={
        'model.cls_head.loss_cls.grad_norm_scale': setting})
    with DefaultScope.overwrite_default_scope('mmaction'):
        from mmaction.registry import MODELS
        model = MODELS.build(cfg.model)
        model.init_weights()
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        ds_cfg = cfg.train_dataloader.dataset
        ds_cfg.data_root = str(root)
        dataset = DATASETS.build(ds_cfg)
    model.train()
    gen = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(steps):
        idx = torch.randint(0, len(dataset), (batch,), generator=gen).tolist()
        log = model.train_step(pseudo_collate([dataset[i] for i in idx]), wrapper)
        parts = {k: float(v) for k, v in log.items()}
        weighted = [abs(parts['loss_ce']), abs(parts['loss_dsc']), abs(parts['loss_ib'])]
        parts['share'] = (weighted[1] + weighted[2]) / sum(weighted)
        rows.append(parts)
    tail = rows[len(rows) // 2:]
    keys = ('dsm_grad_norm', 'lambda_ce', 'lambda_sc', 'dsm_ce', 'dsm_dsc', 'dsm_ib', 'share')
    return {k: statistics.mean(r[k] for r in tail) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=30)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--synth', default='work_dirs/synthdfer_share')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    import hdf_bench  # noqa: F401
    from hdf_bench.data.synth import SynthConfig, generate_synthdfer

    root = Path(args.synth)
    if not root.exists():
        generate_synthdfer(root, SynthConfig(identities=7, clips_per_identity=6, size=64,
                                             seed=args.seed))
    print('| g normalisation | g (as used) | lambda_CE | lambda_SC | CE | L_DSC | L_IB | '
          'DSC + IB share of the loss |\n| --- | --- | --- | --- | --- | --- | --- | --- |')
    for setting in ('none', 'sqrt_params'):
        r = run(setting, args.steps, root, args.batch, args.seed)
        print(f"| {setting} | {r['dsm_grad_norm']:.4g} | {r['lambda_ce']:.3g} | "
              f"{r['lambda_sc']:.3g} | {r['dsm_ce']:.3f} | {r['dsm_dsc']:.3f} | "
              f"{r['dsm_ib']:.3f} | {100 * r['share']:.2f} % |", flush=True)


if __name__ == '__main__':
    main()
