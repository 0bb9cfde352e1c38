"""Markdown latency table: model, params, batch, ms/clip, clips/s, ratio vs X3D-S.

Two sources:

- a pytest-benchmark JSON (``make bench`` writes work_dirs/benchmarks.json)::

      python scripts/latency_table.py --json work_dirs/benchmarks.json

  Ratios compare benchmarks of the same kind, device, dtype, input shape, batch and variant
  to X3D-S (fast-path rows: to the same model's eager row); they come from runs made one after
  another, so on a loaded machine prefer ``--measure``.

- a direct measurement, all models timed round-robin in one process (the ratio to report)::

      python scripts/latency_table.py --measure \\
          --models x3d_s,hdf,backbone:x3d_s,backbone:x3d_s_dam \\
          --batch 16 --size cpu --repeats 7 --threads 1

  ``backbone:x3d_s`` and ``backbone:x3d_s_dam`` are the bare X3D-S backbone and the same with
  DAM after its 4 stages; ``backbone:x3d_s`` is the reference of backbone rows. ``--infer``
  applies the fast path, e.g. ``--infer channels_last=1`` (add ``+`` for variants:
  ``--variants eager,channels_last=1,bf16=1``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

REFERENCE = 'x3d_s'
BACKBONES = {
    'x3d_s': dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    'x3d_s_dam': dict(type='X3DDAM', gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                      dam_stages=(0, 1, 2, 3)),
}
HEADER = ('| model | variant | params | batch | input | ms/clip | clips/s | ratio vs X3D-S |'
          '\n| --- | --- | --- | --- | --- | --- | --- | --- |')


def _fmt_params(n: int | float | None) -> str:
    return '-' if not n else f'{n / 1e6:.2f} M' if n >= 1e5 else f'{n / 1e3:.1f} k'


def _row(model: str, variant: str, params, batch: int, shape, seconds: float,
         ratio: float | None) -> str:
    shape_txt = 'x'.join(str(s) for s in shape) if shape else '-'
    ratio_txt = '-' if ratio is None else f'{ratio:.3f}'
    return (f'| {model} | {variant} | {_fmt_params(params)} | {batch} | {shape_txt} | '
            f'{1e3 * seconds / batch:.2f} | {batch / seconds:.1f} | {ratio_txt} |')


def table_from_json(path: str | Path, stat: str = 'min') -> str:
    """The table of a pytest-benchmark JSON (benchmarks with ``extra_info['model']``).

    Args:
        path: the JSON file.
        stat: 'min' (robust to load from other processes) or 'median'.
    """
    data = json.loads(Path(path).read_text())
    rows = []
    for bench in data.get('benchmarks', []):
        info = bench.get('extra_info') or {}
        if 'model' not in info or 'batch' not in info:
            continue
        key = (info.get('kind', 'model'), info.get('device'), info.get('dtype'),
               tuple(info.get('input_shape') or ()), info['batch'], info.get('variant', 'eager'))
        rows.append((key, info, float(bench['stats'][stat])))
    refs = {key: sec for key, info, sec in rows if info['model'] == REFERENCE}
    refs_fast = {(info['model'], key[1], key[3], key[4]): sec for key, info, sec in rows
                 if key[0] == 'fast_path' and key[5] == 'eager'}
    lines = [f'{data.get("machine_info", {}).get("cpu", {}).get("brand_raw", "")} '
             f'({stat} of rounds)', '', HEADER]
    for key, info, sec in sorted(rows, key=lambda r: (str(r[0]), r[1]['model'])):
        ref = refs.get(key)
        kind, device, dtype, shape, batch, variant = key
        label = f'{kind}: {device} {dtype} {variant}'
        if kind == 'fast_path':  # ratio to the same model's eager run
            ref = refs_fast.get((info['model'], device, shape, batch))
        lines.append(_row(info['model'], label, info.get('params'), batch, shape, sec,
                          sec / ref if ref else None))
    return '\n'.join(lines)


def _parse_variant(text: str) -> dict | None:
    """'eager' -> None; 'channels_last=1+bf16=1' -> dict(channels_last=True, bf16=True)."""
    if text in ('', 'eager'):
        return None
    cfg: dict = {'channels_last': False}
    for part in text.split('+'):
        key, _, value = part.partition('=')
        if key == 'compile' and value not in ('', '0', '1'):
            cfg[key] = value
        else:
            cfg[key] = value in ('', '1', 'true', 'True')
    return cfg


def _build(name: str, device: str, infer_cfg: dict | None):
    """(forward(x6d), params) of a zoo model or of ``backbone:<name>``."""
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    from hdf_bench.engine.fast_infer import apply_infer_cfg
    from hdf_bench.engine.latency import build_for_latency, count_params

    if not name.startswith('backbone:'):
        lm = build_for_latency(name, device, infer_cfg)
        lm.forward.model = lm.model
        return lm.forward, lm.params
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(BACKBONES[name.split(':', 1)[1]]).to(device)
    params = count_params(model)
    model = apply_infer_cfg(model, infer_cfg)

    def forward(x):
        with torch.no_grad():
            return model(x[:, 0])

    forward.model = model
    return forward, params


def measure(models: Sequence[str], variants: Sequence[str], batch: int, size: str,
            repeats: int, device: str = 'cpu') -> str:
    """Time every (model, variant) round-robin and return the markdown table.

    Args:
        models: zoo names and/or ``backbone:x3d_s`` / ``backbone:x3d_s_dam``.
        variants: fast-path variants ('eager', 'channels_last=1', 'bf16=1+channels_last=1', ...).
        batch: clips per batch.
        size: 'cpu' (the zoo's CPU input) or 'paper' (16 x 112 x 112).
        repeats: timed calls per model, interleaved.
        device: 'cpu' or 'cuda'.
    """
    import hdf_bench  # noqa: F401
    from hdf_bench.engine.latency import (
        CPU_INPUT,
        PAPER_INPUT,
        clip_batch,
        time_interleaved,
        zoo_input_shape,
    )

    fns, params, shapes = {}, {}, {}
    for name in models:
        if size == 'paper':
            shape = PAPER_INPUT
        else:
            shape = CPU_INPUT if name.startswith('backbone:') else zoo_input_shape(name)
        x = clip_batch(batch, shape, device)
        for variant in variants:
            forward, n_params = _build(name, device, _parse_variant(variant))
            key = f'{name} [{variant}]'
            fns[key] = (lambda f=forward, x=x: f(x))
            params[key], shapes[key] = n_params, shape
    times = time_interleaved(fns, repeats=repeats, warmup=2, device=device)
    lines = [HEADER]
    for key, values in times.items():
        name, variant = key.split(' [')[0], key.split(' [')[1][:-1]
        ref_name = 'backbone:x3d_s' if name.startswith('backbone:') else REFERENCE
        ref = times.get(f'{ref_name} [{variants[0]}]')
        # per-round paired ratio (calls made back to back), median over rounds
        ratio = (statistics.median(v / r for v, r in zip(values, ref, strict=False))
                 if ref else None)
        lines.append(_row(name, variant, params[key], batch, shapes[key], min(values), ratio))
    lines.append('')
    lines.append(f'ms/clip and clips/s from the minimum of {repeats} interleaved calls; ratio: '
                 'median over rounds of the per-round ratio to the first variant of X3D-S.')
    return '\n'.join(lines)


def dam_share(models: Sequence[str], batch: int, size: str, repeats: int) -> str:
    """Share of each model's CPU forward spent inside its DAM modules, as a markdown table.

    Measured inside the same calls as the whole forward (forward hooks), so it is robust to
    load from other processes; ``1 / (1 - share)`` is the slow-down DAM causes, assuming the
    rest of the network costs the same with and without it.

    Args:
        models: zoo names and/or ``backbone:x3d_s_dam`` (models without DAM are skipped).
        batch: clips per batch.
        size: 'cpu' or 'paper'.
        repeats: timed calls per model.
    """
    import hdf_bench  # noqa: F401
    from hdf_bench.engine.latency import (
        CPU_INPUT,
        PAPER_INPUT,
        clip_batch,
        module_time_share,
        zoo_input_shape,
    )
    from hdf_bench.models.dam import DAM

    lines = ['| model | batch | input | forward ms/clip | DAM ms/clip | DAM share | '
             'implied overhead |', '| --- | --- | --- | --- | --- | --- | --- |']
    for name in models:
        if size == 'paper':
            shape = PAPER_INPUT
        else:
            shape = CPU_INPUT if name.startswith('backbone:') else zoo_input_shape(name)
        forward, _ = _build(name, 'cpu', None)
        model = getattr(forward, 'model', None)
        x = clip_batch(batch, shape)
        try:
            res = module_time_share(model, lambda f=forward, x=x: f(x), DAM, repeats)
        except ValueError:
            continue  # no DAM in this model
        dims = 'x'.join(map(str, shape))
        lines.append(f'| {name} | {batch} | {dims} | {1e3 * res["total_s"] / batch:.2f} | '
                     f'{1e3 * res["inside_s"] / batch:.2f} | {100 * res["share"]:.1f} % | '
                     f'{res["overhead"]:.3f} |')
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--json', help='pytest-benchmark JSON to tabulate')
    source.add_argument('--measure', action='store_true', help='measure directly')
    source.add_argument('--dam-share', action='store_true',
                        help="share of the forward spent in DAM (hooks; robust to load)")
    parser.add_argument('--stat', default='min', choices=('min', 'median', 'mean'))
    parser.add_argument('--models', default='x3d_s,hdf,backbone:x3d_s,backbone:x3d_s_dam')
    parser.add_argument('--variants', default='eager',
                        help="comma-separated: eager, channels_last=1, bf16=1, compile=1, "
                             "combined with '+'")
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', default='cpu', choices=('cpu', 'paper'))
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (1 is the most stable on a shared machine)')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.json:
        print(table_from_json(args.json, args.stat))
        return 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f'device {args.device}, torch {torch.__version__}, threads {torch.get_num_threads()}, '
          f'batch {args.batch}, size {args.size}\n')
    if args.dam_share:
        print(dam_share(args.models.split(','), args.batch, args.size, args.repeats))
        return 0
    print(measure(args.models.split(','), args.variants.split(','), args.batch, args.size,
                  args.repeats, args.device))
    return 0


if __name__ == '__main__':
    sys.exit(main())
