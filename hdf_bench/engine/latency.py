"""Latency measurement helpers shared by ``benchmarks/`` and ``scripts/latency_table.py``.

- :func:`zoo_input_shape`: (T, H, W) of a zoo model's CPU config (or the paper's 16 x 112 x 112).
- :func:`build_for_latency`: a zoo model in eval mode and a ``forward(x)`` giving its logits.
- :func:`synchronize` / :func:`timed`: wall-clock timing that waits for CUDA work.
- :func:`time_interleaved`: several functions timed round-robin in one process, so that load
  from other processes hits all of them alike; the ratios of their minima or medians are the
  figures to report on a shared machine.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

#: input of the SynthDFER CPU configs (frames, height, width), used when a config does not say
CPU_INPUT = (8, 64, 64)
#: input of the paper recipe (DFEW): 16 frames at 112 x 112
PAPER_INPUT = (16, 112, 112)


def synchronize(device: str | torch.device) -> None:
    """Wait for queued work on ``device`` (a no-op on CPU).

    Args:
        device: 'cpu', 'cuda' or 'cuda:N'.
    """
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: str | torch.device) -> float:
    """Seconds taken by ``fn()``, synchronising ``device`` before and after.

    Args:
        fn: the work to time.
        device: where it runs.
    """
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def count_params(model: nn.Module) -> int:
    """Number of parameters (trainable or not) of ``model``."""
    return sum(p.numel() for p in model.parameters())


def _find_step(pipeline: list, kind: str) -> dict | None:
    for step in pipeline or []:
        if isinstance(step, Mapping) and step.get('type') == kind:
            return step
    return None


def input_shape_of(cfg: Any) -> tuple[int, int, int]:
    """(T, H, W) of the test pipeline of an mmengine config (``CPU_INPUT`` if unclear).

    Reads ``clip_len`` of the sampler (``SampleFrames``, ``UniformSample``,
    ``SegmentCentreSample``) and the ``crop_size`` of
    ``CenterCrop`` (or a square ``Resize`` scale) from ``test_dataloader.dataset.pipeline``
    (or ``test_pipeline``).

    Args:
        cfg: the config (``mmengine.Config`` or a dict).
    """
    try:
        pipeline = cfg['test_dataloader']['dataset']['pipeline']
    except (KeyError, TypeError):
        pipeline = cfg.get('test_pipeline') if hasattr(cfg, 'get') else None
    frames = (_find_step(pipeline, 'SampleFrames') or _find_step(pipeline, 'UniformSample')
              or _find_step(pipeline, 'SegmentCentreSample'))
    crop = _find_step(pipeline, 'CenterCrop') or _find_step(pipeline, 'ThreeCrop')
    t = int(frames['clip_len']) if frames and 'clip_len' in frames else CPU_INPUT[0]
    size = crop.get('crop_size') if crop else None
    if size is None:
        resize = _find_step(pipeline, 'Resize')
        scale = resize.get('scale') if resize else None
        if isinstance(scale, (tuple, list)) and len(scale) == 2 and scale[0] == scale[1] > 0:
            size = scale[0]
    if isinstance(size, (tuple, list)):
        h, w = int(size[-1]), int(size[0])  # mmaction2 sizes are (w, h)
    elif size is not None:
        h = w = int(size)
    else:
        h, w = CPU_INPUT[1:]
    return t, h, w


def zoo_input_shape(name: str, paper: bool = False) -> tuple[int, int, int]:
    """(T, H, W) a zoo model sees: its CPU config's test pipeline, or ``PAPER_INPUT``.

    Args:
        name: zoo name.
        paper: the paper input (16 x 112 x 112) instead of the CPU one.
    """
    if paper:
        return PAPER_INPUT
    from hdf_bench import zoo

    return input_shape_of(zoo.load_config(name))


@dataclass
class LatencyModel:
    """A model ready to time.

    Args:
        name: zoo name or label.
        model: the module, in eval mode, on its device.
        forward: ``forward(x)`` with x of shape (B, 1, 3, T, H, W) (mmaction2's NCTHW batch with
            one view), returning logits.
        params: number of parameters.
    """

    name: str
    model: nn.Module
    forward: Callable[[Tensor], Any]
    params: int


def recognizer_forward(model: nn.Module) -> Callable[[Tensor], Tensor]:
    """Logits of an mmaction2 recognizer on a preprocessed batch (B, V, 3, T, H, W)."""

    def forward(x: Tensor) -> Tensor:
        with torch.no_grad():
            return model(x, mode='tensor', stage='head')

    return forward


def build_for_latency(name: str, device: str = 'cpu',
                      infer_cfg: Mapping[str, Any] | None = None) -> LatencyModel:
    """Build zoo model ``name`` (random weights) for timing its forward to logits.

    The data preprocessor (normalisation) is not part of the timed forward.

    Args:
        name: zoo name (``hdf_bench.zoo``).
        device: 'cpu' or 'cuda'.
        infer_cfg: fast-path options (:func:`hdf_bench.engine.fast_infer.apply_infer_cfg`).
    """
    from hdf_bench import zoo
    from hdf_bench.engine.fast_infer import apply_infer_cfg

    torch.manual_seed(0)
    model = zoo.build_model(name, init_weights=False).to(device)  # weights do not matter here
    params = count_params(model)
    model = apply_infer_cfg(model, infer_cfg)
    return LatencyModel(name, model, recognizer_forward(model), params)


def clip_batch(batch: int, shape: tuple[int, int, int], device: str = 'cpu',
               seed: int = 0) -> Tensor:
    """A normalised random clip batch (B, 1, 3, T, H, W), as the data preprocessor yields.

    Args:
        batch: clips in the batch.
        shape: (T, H, W).
        device: where to put it.
        seed: random seed.
    """
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 1, 3, *shape, generator=gen).to(device)


def time_interleaved(fns: Mapping[str, Callable[[], Any]], repeats: int = 5, warmup: int = 1,
                     device: str | torch.device = 'cpu') -> dict[str, list[float]]:
    """Time each function ``repeats`` times, round-robin (a, b, c, a, b, c, ...).

    Args:
        fns: name -> function of no argument.
        repeats: timed calls per function.
        warmup: untimed calls per function first (also round-robin).
        device: device to synchronise.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn, device))
    return times


def module_time_share(model: nn.Module, fn: Callable[[], Any], kind: type,
                      repeats: int = 5) -> dict[str, float]:
    """Share of the time of ``fn()`` spent inside submodules of type ``kind`` (CPU).

    Forward hooks time every ``kind`` submodule inside the same calls as the whole forward, so
    load from other processes affects both alike (on CPU, where calls are synchronous; CUDA
    timings would need synchronising hooks and are not supported).

    Args:
        model: the model holding the submodules.
        fn: the forward call to time (runs ``model``).
        kind: submodule type to time (e.g. ``DAM``).
        repeats: timed calls; per-call shares are combined by their median.

    Returns:
        dict with ``share`` (median over calls of inside / total), ``overhead`` (the implied
        slow-down of adding them, ``1 / (1 - share)``), ``total_s`` and ``inside_s`` (medians).
    """
    inside: list[float] = []
    starts: dict[int, float] = {}

    def pre(module: nn.Module, args: Any) -> None:
        starts[id(module)] = time.perf_counter()

    def post(module: nn.Module, args: Any, out: Any) -> None:
        inside.append(time.perf_counter() - starts.pop(id(module)))

    handles = []
    for module in model.modules():
        if isinstance(module, kind):
            handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    if not handles:
        raise ValueError(f'{type(model).__name__} has no submodule of type {kind.__name__}')
    shares, totals, insides = [], [], []
    try:
        fn()  # warm-up
        for _ in range(repeats):
            inside.clear()
            total = timed(fn, 'cpu')
            shares.append(sum(inside) / total)
            totals.append(total)
            insides.append(sum(inside))
    finally:
        for handle in handles:
            handle.remove()
    share = statistics.median(shares)
    return dict(share=share, overhead=1 / (1 - share), total_s=statistics.median(totals),
                inside_s=statistics.median(insides))


def summarize(times: Mapping[str, list[float]], reference: str) -> dict[str, dict[str, float]]:
    """min / median seconds per name and their ratios to ``reference``.

    The per-round ratio median (``ratio_paired``) compares calls made back to back, which is
    the least sensitive to slow drifts in machine load.

    Args:
        times: as returned by :func:`time_interleaved`.
        reference: the name the ratios are relative to.
    """
    ref = times[reference]
    out = {}
    for name, values in times.items():
        paired = [v / r for v, r in zip(values, ref, strict=False)]
        out[name] = dict(min_s=min(values), median_s=statistics.median(values),
                         ratio_min=min(values) / min(ref),
                         ratio_median=statistics.median(values) / statistics.median(ref),
                         ratio_paired=statistics.median(paired))
    return out
