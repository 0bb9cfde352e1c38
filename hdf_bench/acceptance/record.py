"""What a step of the acceptance run records, and the context it runs in (budget, folders)."""
from __future__ import annotations

import json
import math
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hdf_bench.acceptance.profile import Profile


def _jsonable(value: Any) -> Any:
    """Floats rounded (NaN/inf as strings), containers converted, other objects as strings."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, 'item'):
        return _jsonable(value.item())
    return str(value)


@dataclass
class StepRecord:
    """Checks, figures and notes of one step; saved after every change.

    Args:
        name: step name (``environment``, ``training``, ``inference``, ``sweep``).
        path: JSON file the record is saved to (read back when the step ran in a child
            process that a guard stopped).
    """

    name: str
    path: Path | None = None
    checks: list[dict] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: str = 'running'
    seconds: float = 0.0
    error: str | None = None

    def check(self, name: str, ok: bool, detail: str = '') -> bool:
        """Record a pass/fail check; returns ``ok``."""
        self.checks.append(dict(name=name, ok=bool(ok), detail=detail))
        print(f'  [{"ok" if ok else "FAIL"}] {name}{": " + detail if detail else ""}', flush=True)
        self.save()
        return bool(ok)

    def attempt(self, label: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, or None with a failed check ``label`` when it raises (the step goes on)."""
        try:
            return fn()
        except Exception as err:  # noqa: BLE001  (recorded as a failed check)
            traceback.print_exc()
            self.check(label, False, f'{type(err).__name__}: {err}'.splitlines()[0][:300])
            return None

    def figure(self, key: str, value: Any) -> None:
        """Record a measured figure (nested dicts allowed)."""
        self.figures[key] = value
        self.save()

    def note(self, text: str) -> None:
        """Record a remark (a skipped sub-measurement, an optional import that failed, ...)."""
        self.notes.append(text)
        print(f'  note: {text}', flush=True)
        self.save()

    def finish(self, seconds: float, error: str | None = None) -> None:
        """Set the status: PASS when every check passed (and there was one) and no error."""
        self.seconds, self.error = seconds, error
        passed = error is None and self.checks and all(c['ok'] for c in self.checks)
        self.status = 'PASS' if passed else 'FAIL'
        self.save()

    def to_dict(self) -> dict:
        """The record as JSON-ready data."""
        data = asdict(self)
        data.pop('path')
        return _jsonable(data)

    def save(self) -> None:
        """Write the record to ``path`` (atomically), if it has one."""
        if self.path is None:
            return
        tmp = self.path.with_suffix('.tmp')
        tmp.write_text(json.dumps(self.to_dict(), indent=1))
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> StepRecord:
        """A record saved by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        return cls(path=Path(path), **data)


@dataclass
class Context:
    """Where a step runs and how long it may take.

    Args:
        profile: the run's sizes.
        device: 'cpu' or 'cuda'.
        work: work folder (data, training runs, store); reused between steps.
        deadline: ``time.time()`` by which the step must be done.
    """

    profile: Profile
    device: str
    work: Path
    deadline: float

    def time_left(self) -> float:
        """Seconds until the deadline."""
        return self.deadline - time.time()

    def enough(self, record: StepRecord, seconds: float, what: str) -> bool:
        """Whether ``seconds`` are left for ``what``; notes a skip otherwise."""
        left = self.time_left()
        if left >= seconds:
            return True
        record.note(f'skipped {what}: {left:.0f} s left of the step budget, '
                    f'about {seconds:.0f} s needed')
        return False

    @property
    def train_dtype(self) -> str:
        """Autocast dtype of the training step: bf16 on CUDA, fp32 on CPU."""
        return 'bf16' if self.device == 'cuda' else 'fp32'
