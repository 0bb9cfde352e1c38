"""A fast inference path: channels_last_3d, bf16 autocast, torch.compile, CUDA graphs.

One entry point, :func:`optimize_for_inference`, and its config form, :func:`apply_infer_cfg`
(``infer_cfg = dict(channels_last=True, bf16=True, compile=True, cuda_graphs=False)`` in a
config, or the flags of :func:`add_infer_arguments` on a command line).

- Any ``nn.Module`` (a backbone, DAM, ...) is wrapped: the returned :class:`FastInfer` is called
  like the module, on tensors.
- An mmaction2 recognizer (anything with ``backbone`` and ``test_step``) is optimised in place:
  its backbone's ``forward`` is replaced, the recognizer is returned, and ``test_step`` /
  ``predict`` / ``mode='tensor'`` keep working. The state dict keeps its keys. The head runs in
  fp32 on the backbone's output (cast back from bf16).

Options (each one independent; measured figures in docs/PERFORMANCE.md):

- ``channels_last``: 5-D weights and inputs in ``torch.channels_last_3d`` (4-D ones in
  ``torch.channels_last``). Values are unchanged; only the memory layout (and so the kernels).
- ``dtype='bf16'``: ``torch.autocast`` to bfloat16 around the forward; floating outputs are cast
  back to float32. Looser numerics: predictions (argmax) agree, logits to about 1e-2.
- ``compile``: ``torch.compile`` (``True`` = default mode, or a mode name such as
  ``'max-autotune'`` / ``'reduce-overhead'``). On CUDA with ``cuda_graphs`` the mode defaults to
  ``'reduce-overhead'`` (compile's own CUDA graphs).
- ``cuda_graphs`` (CUDA only, without compile): each new input shape is captured once into a
  ``torch.cuda.CUDAGraph`` and replayed; inputs are copied into a static buffer. Meant for a
  fixed batch shape and fixed weights: tensors derived from the weights at capture (DAM's, for
  one) are replayed as they were, so build a new runner after changing weights. The output is
  a copy (safe to keep across calls).
"""
from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16, 'fp16': torch.float16}
COMPILE_MODES = ('default', 'reduce-overhead', 'max-autotune', 'max-autotune-no-cudagraphs')
#: shapes captured per CUDA-graph runner before falling back to eager (bounds GPU memory)
MAX_GRAPHS = 8


@dataclass(frozen=True)
class InferConfig:
    """Options of the fast inference path.

    Args:
        channels_last: channels_last(_3d) memory format for weights and inputs.
        dtype: 'fp32', 'bf16' (autocast) or 'fp16' (autocast, CUDA only).
        compile: False, True (default mode) or a ``torch.compile`` mode name.
        cuda_graphs: capture CUDA graphs per input shape (CUDA only; with compile, the compile
            mode becomes 'reduce-overhead' unless a mode was named).
    """

    channels_last: bool = True
    dtype: str = 'fp32'
    compile: bool | str = False
    cuda_graphs: bool = False

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f'dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}')
        if isinstance(self.compile, str) and self.compile not in COMPILE_MODES:
            raise ValueError(
                f'compile must be a bool or one of {COMPILE_MODES}, got {self.compile!r}')
        if not isinstance(self.compile, (bool, str)):
            raise TypeError(f'compile must be a bool or a mode name, got {self.compile!r}')

    @classmethod
    def from_dict(cls, cfg: Mapping[str, Any] | None) -> InferConfig:
        """Build from a config dict; ``bf16=True`` is a short form of ``dtype='bf16'``.

        Args:
            cfg: keys among channels_last, dtype, bf16, compile, cuda_graphs (None: defaults).
        """
        cfg = dict(cfg or {})
        known = {'channels_last', 'dtype', 'bf16', 'compile', 'cuda_graphs'}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ValueError(f'unknown infer_cfg keys {unknown}; valid keys: {sorted(known)}')
        bf16 = cfg.pop('bf16', None)
        if bf16 is not None:
            if 'dtype' in cfg and (cfg['dtype'] == 'bf16') != bool(bf16):
                raise ValueError(f'infer_cfg: bf16={bf16} contradicts dtype={cfg["dtype"]!r}')
            cfg['dtype'] = 'bf16' if bf16 else cfg.get('dtype', 'fp32')
        return cls(**cfg)

    def to_dict(self) -> dict:
        """The options as a plain dict (for extra_info, logs and results metadata)."""
        return asdict(self)


def to_channels_last(module: nn.Module) -> nn.Module:
    """Put 5-D parameters/buffers in channels_last_3d and 4-D ones in channels_last, in place.

    ``Module.to(memory_format=...)`` cannot do this for a module holding both 4-D and 5-D
    tensors (DAM's 2-D convolution inside a 3-D network), hence this helper.

    Args:
        module: the module to convert.
    """
    formats = {4: torch.channels_last, 5: torch.channels_last_3d}
    for tensor in list(module.parameters()) + list(module.buffers()):
        fmt = formats.get(tensor.dim())
        if fmt is not None:
            tensor.data = tensor.data.contiguous(memory_format=fmt)
    return module


def _input_to_channels_last(x: Any) -> Any:
    if isinstance(x, Tensor) and x.is_floating_point():
        if x.dim() == 5:
            return x.contiguous(memory_format=torch.channels_last_3d)
        if x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
    return x


def _to_float32(out: Any) -> Any:
    """Cast floating tensors of an output (tensor, tuple, list, dict) back to float32."""
    if isinstance(out, Tensor):
        return out.float() if out.is_floating_point() and out.dtype != torch.float32 else out
    if isinstance(out, (tuple, list)):
        return type(out)(_to_float32(o) for o in out)
    if isinstance(out, dict):
        return {k: _to_float32(v) for k, v in out.items()}
    return out


def _device_type(module: nn.Module) -> str:
    for tensor in module.parameters():
        return tensor.device.type
    for tensor in module.buffers():
        return tensor.device.type
    return 'cpu'


class CUDAGraphRunner:
    """Replay a CUDA graph per input shape of a one-tensor function.

    Args:
        fn: function of one tensor (no grad needed); its output is a tensor or a tuple of them.
        warmup: eager calls on a side stream before capture (cuDNN autotuning, allocations).
        max_graphs: shapes to capture before falling back to eager ``fn``.
    """

    def __init__(self, fn: Callable[[Tensor], Any], warmup: int = 3,
                 max_graphs: int = MAX_GRAPHS) -> None:
        self.fn = fn
        self.warmup = warmup
        self.max_graphs = max_graphs
        self.graphs: dict[tuple, tuple[torch.cuda.CUDAGraph, Tensor, Any]] = {}

    def _key(self, x: Tensor) -> tuple:
        return (tuple(x.shape), tuple(x.stride()), x.dtype, x.device)

    def _capture(self, x: Tensor) -> tuple[torch.cuda.CUDAGraph, Tensor, Any]:
        static_in = torch.empty_strided(x.shape, x.stride(), dtype=x.dtype, device=x.device)
        static_in.copy_(x)
        side = torch.cuda.Stream(device=x.device)
        side.wait_stream(torch.cuda.current_stream(x.device))
        with torch.cuda.stream(side):
            for _ in range(self.warmup):
                self.fn(static_in)
        torch.cuda.current_stream(x.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = self.fn(static_in)
        return graph, static_in, static_out

    def __call__(self, x: Tensor) -> Any:
        """Run ``fn(x)`` by graph replay (capturing on the first call with this shape)."""
        if not x.is_cuda:
            return self.fn(x)
        key = self._key(x)
        entry = self.graphs.get(key)
        if entry is None:
            if len(self.graphs) >= self.max_graphs:
                return self.fn(x)
            entry = self.graphs[key] = self._capture(x)
        graph, static_in, static_out = entry
        static_in.copy_(x)
        graph.replay()
        if isinstance(static_out, Tensor):
            return static_out.clone()
        return _clone(static_out)


def _fast_callable(forward: Callable, cfg: InferConfig, device_type: str) -> Callable:
    """Compose layout, autocast, compile and graphs around a forward function."""
    autocast_dtype = DTYPES[cfg.dtype]
    use_autocast = cfg.dtype != 'fp32'
    if cfg.dtype == 'fp16' and device_type != 'cuda':
        raise ValueError('dtype fp16 is only supported on CUDA; use bf16 on CPU')
    graphs = cfg.cuda_graphs and device_type == 'cuda'

    def core(*args: Any, **kwargs: Any) -> Any:
        if use_autocast:
            # cache_enabled=False: the autocast weight cache must not outlive a graph capture
            with torch.autocast(device_type, dtype=autocast_dtype, cache_enabled=not graphs):
                return forward(*args, **kwargs)
        return forward(*args, **kwargs)

    run = core
    compiled_graphs = False
    if cfg.compile:
        mode = cfg.compile if isinstance(cfg.compile, str) else None
        if mode is None and graphs:
            mode = 'reduce-overhead'
        if mode == 'default':
            mode = None
        # compile's own CUDA graphs reuse output memory: mark steps, copy outputs
        compiled_graphs = device_type == 'cuda' and mode in ('reduce-overhead', 'max-autotune')
        run = torch.compile(core, mode=mode, dynamic=False)
    elif graphs:
        runner = CUDAGraphRunner(core)

        def run(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 1 and not kwargs and isinstance(args[0], Tensor):
                return runner(args[0])
            return core(*args, **kwargs)  # graphs are captured for one-tensor calls only

    @functools.wraps(forward)
    def fast(*args: Any, **kwargs: Any) -> Any:
        if cfg.channels_last:
            args = tuple(_input_to_channels_last(a) for a in args)
        with torch.no_grad():
            if compiled_graphs:
                torch.compiler.cudagraph_mark_step_begin()
                out = _clone(run(*args, **kwargs))
            else:
                out = run(*args, **kwargs)
        return _to_float32(out) if use_autocast else out

    return fast


def _clone(out: Any) -> Any:
    if isinstance(out, Tensor):
        return out.clone()
    if isinstance(out, (tuple, list)):
        return type(out)(_clone(o) for o in out)
    return out


class FastInfer(nn.Module):
    """An inference-only wrapper of a module (see :func:`optimize_for_inference`).

    Args:
        module: the module to run (put in eval mode; converted in place when channels_last).
        cfg: the options.
    """

    def __init__(self, module: nn.Module, cfg: InferConfig) -> None:
        super().__init__()
        self.module = module
        self.cfg = cfg
        self._fast = _fast_callable(module.forward, cfg, _device_type(module))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the wrapped module's forward through the fast path."""
        return self._fast(*args, **kwargs)


def is_recognizer(model: nn.Module) -> bool:
    """Whether ``model`` looks like an mmaction2 recognizer (backbone + test_step)."""
    return isinstance(getattr(model, 'backbone', None), nn.Module) and hasattr(model, 'test_step')


def optimize_for_inference(model: nn.Module, channels_last: bool = True, dtype: str = 'fp32',
                           compile: bool | str = False, cuda_graphs: bool = False) -> nn.Module:
    """Return a fast, inference-only version of ``model`` (which is put in eval mode).

    Move the model to its device first. A recognizer is optimised in place (its backbone) and
    returned; any other module is wrapped in :class:`FastInfer`. Only positional tensor inputs
    are converted to channels_last.

    Args:
        model: an ``nn.Module`` or an mmaction2 recognizer.
        channels_last: channels_last_3d weights and inputs.
        dtype: 'fp32', 'bf16' (autocast) or 'fp16' (autocast, CUDA only).
        compile: False, True or a ``torch.compile`` mode name.
        cuda_graphs: CUDA graphs per input shape (ignored on CPU).
    """
    cfg = InferConfig(channels_last=channels_last, dtype=dtype, compile=compile,
                      cuda_graphs=cuda_graphs)
    model.eval()  # mmaction2's X3D.train() returns None: do not chain
    target = model.backbone if is_recognizer(model) else model
    if cfg.channels_last:
        to_channels_last(target)
    if target is model:
        return FastInfer(model, cfg)
    # wrap the class's forward, not an earlier wrapper: applying twice replaces the first
    original = type(target).forward.__get__(target)
    target.forward = _fast_callable(original, cfg, _device_type(target))
    model.infer_cfg = cfg  # a record of what was applied
    return model


def apply_infer_cfg(model: nn.Module, infer_cfg: Mapping[str, Any] | None) -> nn.Module:
    """:func:`optimize_for_inference` from a config dict; None or {} leaves the model as is.

    Args:
        model: the model (see :func:`optimize_for_inference`).
        infer_cfg: e.g. ``dict(channels_last=True, bf16=True, compile=True)``.
    """
    if not infer_cfg:
        model.eval()
        return model
    cfg = InferConfig.from_dict(infer_cfg)
    return optimize_for_inference(model, **cfg.to_dict())


def add_infer_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--channels-last``, ``--bf16``, ``--compile [MODE]``, ``--cuda-graphs`` to a parser.

    Args:
        parser: the (sub)command parser; read the result with :func:`infer_cfg_from_args`.
    """
    group = parser.add_argument_group('fast inference')
    group.add_argument('--channels-last', action=argparse.BooleanOptionalAction, default=None,
                       help='channels_last_3d weights and inputs')
    group.add_argument('--bf16', action='store_true', help='bf16 autocast')
    group.add_argument('--compile', nargs='?', const='default', default=None,
                       choices=COMPILE_MODES, help='torch.compile, optionally with a mode')
    group.add_argument('--cuda-graphs', action='store_true', help='CUDA graphs (CUDA only)')


def infer_cfg_from_args(args: argparse.Namespace) -> dict:
    """The ``infer_cfg`` dict given by the flags of :func:`add_infer_arguments` ({}: none).

    Args:
        args: parsed arguments.
    """
    cfg: dict[str, Any] = {}
    if getattr(args, 'channels_last', None) is not None:
        cfg['channels_last'] = args.channels_last
    if getattr(args, 'bf16', False):
        cfg['bf16'] = True
    if getattr(args, 'compile', None):
        cfg['compile'] = True if args.compile == 'default' else args.compile
    if getattr(args, 'cuda_graphs', False):
        cfg['cuda_graphs'] = True
    if cfg:
        cfg.setdefault('channels_last', False)
    return cfg
