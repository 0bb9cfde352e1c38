"""Why DAM costs more inside X3D-S than alone at batch 1 on CPU: cold operator code::

    python scripts/dam_cold_cost.py --repeats 80

Builds the X3D-S backbone with a DAM after each of its 4 stages (batch 1, the CPU input
8 x 64 x 64, 1 thread) and times, round-robin in one process with the order reversed every
other round, the same network with each DAM replaced by:

- ``identity``: nothing (the reference);
- ``dam``: the DAM itself;
- ``dam twice``: the DAM run twice, its second output used (the second call meets warm code,
  so ``dam twice - dam`` is what a DAM call costs warm, inside the network);
- ``dam on a copy``: the DAM run on a copy of its input made at the first call, the input
  passed on untouched (so the extra time is not the feature map's cache misses);
- ``50 calls of 1 op`` / ``50 calls of 25 ops``: synthetic work on a (1, 24, 8) tensor, the
  same number of small operator calls as a DAM, of one kind or cycling through 25 kinds.

It prints each variant's added milliseconds per forward (median over rounds of the paired
difference to ``identity``) next to the same 4 modules called alone (the last of 3 passes in a
row: warm). The gap between the two columns is the cost of operator code that the
convolutions between two DAMs evicted from the CPU's caches; it grows with the number of
distinct operators.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn


class _Twice(nn.Module):
    def __init__(self, dam: nn.Module) -> None:
        super().__init__()
        self.dam = dam

    def forward(self, x: Tensor) -> Tensor:
        self.dam(x)
        return self.dam(x)


class _OnCopy(nn.Module):
    def __init__(self, dam: nn.Module) -> None:
        super().__init__()
        self.dam, self.copy = dam, None

    def forward(self, x: Tensor) -> Tensor:
        if self.copy is None:
            self.copy = x.clone()
        self.dam(self.copy)
        return x


class _Calls(nn.Module):
    """``n`` calls cycling through ``ops`` (functions of two small tensors)."""

    def __init__(self, ops: Sequence[Callable[[Tensor, Tensor], object]], n: int = 50) -> None:
        super().__init__()
        self.ops, self.n = ops, n
        self.a, self.b = torch.randn(1, 24, 8), torch.rand(1, 24, 8) + 0.5

    def forward(self, x: Tensor) -> Tensor:
        for i in range(self.n):
            self.ops[i % len(self.ops)](self.a, self.b)
        return x


MIXED_OPS: tuple[Callable[[Tensor, Tensor], object], ...] = (
    torch.add, torch.mul, torch.sub, lambda a, b: a.abs(), lambda a, b: a.sigmoid(),
    lambda a, b: a.tanh(),
    lambda a, b: a.sum(1), lambda a, b: a.amax(1), lambda a, b: torch.addcmul(a, a, b),
    lambda a, b: a.sign(), torch.hypot, lambda a, b: torch.bmm(a, b.transpose(1, 2)),
    lambda a, b: a.softmax(-1), lambda a, b: torch.stack([a, b]),
    lambda a, b: torch.linalg.vector_norm(a, dim=1), lambda a, b: b.rsqrt(),
    lambda a, b: b.sqrt(), lambda a, b: a.clamp_min(0), lambda a, b: a.mean(1),
    lambda a, b: torch.cat([a, b]), lambda a, b: a[:, :, 1:], lambda a, b: a.unsqueeze(1),
    lambda a, b: a.exp(), lambda a, b: b.log(), lambda a, b: a.relu())


def measure(repeats: int) -> str:
    """Markdown table of the variants' added and alone times."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401

    init_default_scope('mmaction')
    wrappers = {
        'identity': lambda dam: nn.Identity(),
        'dam': lambda dam: dam,
        'dam twice': _Twice,
        'dam on a copy': _OnCopy,
        '50 calls of 1 op': lambda dam: _Calls((torch.add,)),
        '50 calls of 25 ops': lambda dam: _Calls(MIXED_OPS),
    }
    models = {}
    for name, wrap in wrappers.items():
        torch.manual_seed(0)
        model = MODELS.build(dict(type='X3DDAM', gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                                  dam_stages=(0, 1, 2, 3))).eval()
        for key in list(model.dams.keys()):
            model.dams[key] = wrap(model.dams[key])
        models[name] = model
    x = torch.randn(1, 3, 8, 64, 64)
    times: dict[str, list[float]] = {name: [] for name in models}
    alone: dict[str, list[float]] = {name: [] for name in models}
    with torch.no_grad():
        inputs = []  # each DAM's input, for the alone timings
        hooks = [dam.register_forward_pre_hook(lambda m, args: inputs.append(args[0]))
                 for dam in models['dam'].dams.values()]
        for model in models.values():
            model(x)
        for hook in hooks:
            hook.remove()
        for r in range(repeats):
            for name in (list(models) if r % 2 else list(models)[::-1]):
                start = time.perf_counter()
                models[name](x)
                times[name].append(time.perf_counter() - start)
                for _ in range(3):  # the last of 3 passes: warm
                    start = time.perf_counter()
                    for module, inp in zip(models[name].dams.values(), inputs, strict=True):
                        module(inp)
                alone[name].append(time.perf_counter() - start)
    ref = times['identity']
    lines = ['| variant | added inside the network (ms per forward) | alone, warm (ms) | '
             'ratio to identity |', '| --- | --- | --- | --- |']
    for name in models:
        added = statistics.median(a - b for a, b in zip(times[name], ref, strict=True))
        ratio = statistics.median(a / b for a, b in zip(times[name], ref, strict=True))
        lines.append(f'| {name} | {1e3 * added:.2f} | {1e3 * min(alone[name]):.2f} | '
                     f'{ratio:.3f} |')
    lines += ['', f'X3D-S backbone, batch 1, 8x64x64, 1 thread; {repeats} rounds; identity: '
              f'{1e3 * min(ref):.2f} ms per forward (min).']
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=80, help='timed rounds')
    parser.add_argument('--threads', type=int, default=1, help='torch threads')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(measure(args.repeats))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
