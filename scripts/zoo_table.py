"""Params, GFLOPs and CPU forward latency of every zoo model, as a markdown table.

GFLOPs are fvcore's counts (one multiply-add = one FLOP, the convention of video-model papers)
for one clip, at the CPU input (the SynthDFER CPU config) and at the paper input (16 x 112 x 112,
from the paper-recipe config). Latency: eval mode, no_grad, one warm-up then one timed forward,
at the CPU input, batch 1 and 8. Untrained weights; numbers depend on the machine and threads.

Usage::

    python scripts/zoo_table.py [--models hdf r3d18 ...] [--threads 1] [--no-latency]
"""
from __future__ import annotations

import argparse
import logging
import time
import warnings

import torch
from torch import Tensor, nn

PAPER_INPUT = (16, 112, 112)


class Logits(nn.Module):
    """A recognizer as a plain module: preprocessed clips (N, 1, C, T, H, W) -> class scores."""

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, x: Tensor) -> Tensor:
        return self.recognizer.extract_feat(x, stage='head')[0]


def input_shape(cfg) -> tuple[int, int, int]:
    """(T, H, W) of the config's clips (its data set base's ``clip_len`` and ``img_size``)."""
    return cfg.clip_len, cfg.img_size, cfg.img_size


def build(name: str, paper_recipe: bool) -> tuple[nn.Module, tuple[int, int, int]]:
    from mmaction.registry import MODELS
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    from hdf_bench import zoo

    cfg = zoo.load_config(name, paper_recipe)
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    MMLogger.get_current_instance().setLevel(logging.ERROR)  # no per-parameter init log
    model.init_weights()
    return Logits(model).eval(), input_shape(cfg)


def gflops(model: nn.Module, shape: tuple[int, int, int]) -> float:
    from fvcore.nn import FlopCountAnalysis

    x = torch.randn(1, 1, 3, *shape)
    counter = FlopCountAnalysis(model, x)
    counter.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    with torch.no_grad():
        return counter.total() / 1e9


@torch.no_grad()
def latency_ms(model: nn.Module, shape: tuple[int, int, int], batch: int) -> float:
    x = torch.randn(batch, 1, 3, *shape)
    model(x)  # warm-up
    start = time.perf_counter()
    model(x)
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='*', help='zoo names (default: all)')
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    parser.add_argument('--no-latency', action='store_true', help='skip the latency runs')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore')
    import hdf_bench  # noqa: F401
    import hdf_bench.models.c3d  # noqa: F401  (until hdf_bench.models imports them)
    import hdf_bench.models.clip2d  # noqa: F401
    import hdf_bench.models.m3dfel  # noqa: F401
    from hdf_bench import zoo

    names = args.models or zoo.list_models()
    print(f'CPU threads: {args.threads}; GFLOPs per clip (fvcore, MAC = 1 FLOP); latency: one '
          'timed forward after one warm-up, eval, no_grad, CPU input.\n')
    print('| model | family | params (M) CPU / paper | CPU input | GFLOPs CPU | GFLOPs paper '
          '| latency b1 (ms) | latency b8 (ms) |')
    print('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |')
    for name in names:
        entry = zoo.get(name)
        model, shape = build(name, paper_recipe=False)
        params = sum(p.numel() for p in model.parameters()) / 1e6
        flops_cpu = gflops(model, shape)
        if entry.paper_config and entry.config_path(True).is_file():
            paper_model, paper_shape = build(name, paper_recipe=True)
            flops_paper = f'{gflops(paper_model, paper_shape):.2f}'
            if paper_shape != PAPER_INPUT:
                flops_paper += f' ({"x".join(map(str, paper_shape))})'
            params_paper = f'{sum(p.numel() for p in paper_model.parameters()) / 1e6:.2f}'
            del paper_model
        else:
            flops_paper = params_paper = '-'
        lat = ['-', '-'] if args.no_latency else [
            f'{latency_ms(model, shape, b):.0f}' for b in (1, 8)]
        cpu_input = 'x'.join(map(str, shape))
        print(f'| {name} | {entry.family} | {params:.2f} / {params_paper} | {cpu_input} '
              f'| {flops_cpu:.2f} | {flops_paper} | {lat[0]} | {lat[1]} |', flush=True)


if __name__ == '__main__':
    main()
