"""Any video classifier as an evaluation model: an :class:`InputSpec` says what the model takes,
a :class:`ModelAdapter` turns the test pipeline's clips (``[views, C, T, H, W]`` uint8, the same
inputs zoo models get) into that input, calls the model and maps its logits to canonical class
indices. :func:`load_outside_model` reads ``module.path:factory`` or a TorchScript /
``torch.export`` file (the ``--model NAME=...`` forms of ``hdf-bench robustness``).
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from hdf_bench.data.classes import CLASSES

#: input layouts a model can take (batch, then channels/time or time/channels)
LAYOUTS = ('NCTHW', 'NTCHW')
#: file endings read as exported models
EXPORT_SUFFIXES = ('.pt', '.pt2', '.ts', '.torchscript', '.jit')


@dataclass(frozen=True)
class InputSpec:
    """What an outside model takes.

    Args:
        layout: ``NCTHW`` or ``NTCHW``.
        frames: frames per clip (the project's test sampler draws them).
        size: frames are resized to ``size`` x ``size``.
        mean, std: per channel (RGB order) or one value, in ``value_range`` units; the adapter
            computes ``(x - mean) / std``.
        value_range: pixels 0..255 are first scaled linearly to this range (e.g. ``(0, 1)``).
    """

    layout: str = 'NCTHW'
    frames: int = 16
    size: int = 112
    mean: Sequence[float] = (0.0, 0.0, 0.0)
    std: Sequence[float] = (1.0, 1.0, 1.0)
    value_range: Sequence[float] = (0.0, 255.0)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f'InputSpec.layout {self.layout!r}: expected one of {LAYOUTS}')
        if int(self.frames) < 1 or int(self.size) < 1:
            raise ValueError(f'InputSpec frames and size must be >= 1 '
                             f'(got {self.frames}, {self.size})')
        for field, values in (('mean', self.mean), ('std', self.std)):
            if len(tuple(values)) not in (1, 3):
                raise ValueError(f'InputSpec.{field} {tuple(values)}: expected 1 or 3 values')
        if any(float(s) <= 0 for s in self.std):
            raise ValueError(f'InputSpec.std {tuple(self.std)}: values must be > 0')
        low, high = (float(v) for v in self.value_range)
        if not high > low:
            raise ValueError(f'InputSpec.value_range {tuple(self.value_range)}: '
                             'expected (low, high) with high > low')

    def prepare(self, clips: torch.Tensor) -> torch.Tensor:
        """``[N, C, T, H, W]`` pixels 0..255 -> the model's float input (scaled, normalised,
        laid out)."""
        low, high = (float(v) for v in self.value_range)
        x = clips.float()
        if (low, high) != (0.0, 255.0):
            x = x * ((high - low) / 255.0) + low
        shape = (1, -1, 1, 1, 1)
        mean = torch.tensor([float(v) for v in self.mean], device=x.device).view(shape)
        std = torch.tensor([float(v) for v in self.std], device=x.device).view(shape)
        x = (x - mean) / std
        return x.permute(0, 2, 1, 3, 4).contiguous() if self.layout == 'NTCHW' else x


def class_order(classes: Sequence | Mapping | None, canonical: Sequence[str] = CLASSES
                ) -> list[int]:
    """Canonical class index of each model output.

    Args:
        classes: None (the model's order is the canonical one); a sequence, per model output,
            of a canonical class name or index; or a mapping model output index -> canonical
            class name or index. It must be a permutation of the canonical classes.
    """
    names = list(canonical)
    if classes is None:
        return list(range(len(names)))
    if isinstance(classes, Mapping):
        if sorted(int(k) for k in classes) != list(range(len(classes))):
            raise ValueError(f'classes mapping keys {sorted(classes)}: expected the model '
                             f'output indices 0..{len(classes) - 1}')
        classes = [classes[k] for k in sorted(classes, key=int)]
    order = []
    for item in classes:
        if isinstance(item, str):
            if item.lower() not in names:
                raise ValueError(f'classes: unknown class {item!r}; canonical classes: {names}')
            order.append(names.index(item.lower()))
        else:
            order.append(int(item))
    if sorted(order) != list(range(len(names))):
        raise ValueError(f'classes {list(classes)}: expected each of the {len(names)} canonical '
                         f'classes {names} exactly once (a permutation)')
    return order


class ModelAdapter:
    """An outside model as the evaluation's predictor: clips in, canonical class indices out.

    Args:
        name: the model's label (named in errors).
        model: a callable (``nn.Module``, TorchScript module, function) taking a float tensor
            laid out as ``spec.layout`` and returning logits ``[N, num_classes]``.
        spec: what the model takes.
        classes: the model's class order (see :func:`class_order`).
        device: where the model runs (an ``nn.Module`` is moved there and put in eval mode).
        canonical: the data set's class names in label order (MAFW has 11).
    """

    def __init__(self, name: str, model: Callable, spec: InputSpec,
                 classes: Sequence | Mapping | None = None, device: str = 'cpu',
                 canonical: Sequence[str] = CLASSES) -> None:
        if not callable(model):
            raise TypeError(f'model {name!r}: {type(model).__name__} is not callable')
        self.name, self.spec, self.device = name, spec, device
        self.canonical = tuple(canonical)
        self.order = class_order(classes, self.canonical)
        if isinstance(model, torch.nn.Module):
            model = model.to(device)
            try:
                model.eval()
            except NotImplementedError:  # a torch.export module keeps its exported mode
                pass
        self.model = model

    @torch.no_grad()
    def __call__(self, inputs: list[torch.Tensor]) -> list[int]:
        clips = torch.stack(list(inputs)).to(self.device)  # [B, views, C, T, H, W]
        if clips.dim() != 6:
            raise ValueError(f'model {self.name!r}: the test pipeline gave clips of shape '
                             f'{tuple(clips.shape[1:])}; expected [views, C, T, H, W] (NCTHW)')
        batch, views = clips.shape[:2]
        x = self.spec.prepare(clips.flatten(0, 1))
        fed = f'a float tensor of shape {tuple(x.shape)} ({self.spec.layout})'
        try:
            out = self.model(x)
        except Exception as err:  # any model error: say what it was fed
            raise ValueError(f'model {self.name!r} rejected {fed}: {type(err).__name__}: '
                             f'{err}') from err
        if not isinstance(out, torch.Tensor):
            raise ValueError(f'model {self.name!r} was fed {fed} and returned '
                             f'{type(out).__name__}; expected a logits tensor '
                             f'[{len(x)}, {len(self.order)}]')
        if out.dim() != 2 or out.shape[0] != len(x):
            raise ValueError(f'model {self.name!r} was fed {fed} and returned shape '
                             f'{tuple(out.shape)}; expected logits [{len(x)}, num_classes]')
        if out.shape[1] != len(self.order):
            raise ValueError(f'model {self.name!r} returned {out.shape[1]} classes for {fed}; '
                             f'expected {len(self.order)} (the classes {self.canonical}; '
                             'give `classes` to map the model\'s own order)')
        probs = out.float().softmax(dim=1).view(batch, views, -1).mean(dim=1)
        order = torch.tensor(self.order)
        return [int(i) for i in order[probs.argmax(dim=1).cpu()]]


def load_outside_model(spec: str) -> tuple[Callable, str]:
    """Load ``module.path:factory`` (the factory is called with no argument) or an exported
    file (TorchScript via ``torch.jit.load``, else ``torch.export.load``); returns
    (model, source description)."""
    path = Path(spec)
    if path.suffix in EXPORT_SUFFIXES or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f'model file not found: {spec}')
        return _load_file(path), os.fspath(path)
    module_name, sep, attr = spec.partition(':')
    if not sep or not module_name or not attr.isidentifier():
        raise ValueError(f'model {spec!r}: expected module.path:factory or a .pt/.pt2 file')
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f'model {spec!r}: cannot import {module_name!r}: {err}') from err
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f'model {spec!r}: {module_name} has no callable {attr!r}')
    return factory(), spec


def _load_file(path: Path) -> Callable:
    try:
        return torch.jit.load(os.fspath(path), map_location='cpu')
    except RuntimeError as jit_err:
        try:
            return torch.export.load(os.fspath(path)).module()
        except Exception as export_err:
            raise ValueError(f'model file {path} is neither TorchScript ({jit_err}) nor a '
                             f'torch.export program ({export_err})') from export_err
