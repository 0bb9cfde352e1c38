"""What every section builder gets: the cells, the spec, and formatting helpers."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from hdf_bench.evaluation.learned import LearnedVerdict
from hdf_bench.report.spec import ReportSpec


@dataclass
class Context:
    """Inputs shared by the section builders.

    Args:
        cells: output of :func:`hdf_bench.results.read_frame`, filtered by the spec.
        spec: the report spec.
        models: models in display order.
        reference: the reference model when it is in the store and learned, else ``None``.
        verdicts: learned verdict per model (``None``: no clean predictions to judge).
        not_learned: models that did not learn (listed last in ``models``).
        protocols: evaluation protocol per model (``strict`` or ``peers``).
        severities: severities of the corruption cells actually averaged.
        corruptions: corruptions actually averaged (held by every model).
        reference_missing: why there is no reference (when ``reference`` is ``None``).
        names: store model name -> display name (identity when empty).
        store_cells: the cells before the common-condition filter (display names applied);
            for sections that read each model on its own (face regions, gallery).

    Model names are display names (see :mod:`hdf_bench.report.guard`).
    """

    cells: pd.DataFrame
    spec: ReportSpec
    models: list[str]
    reference: str | None
    verdicts: dict[str, LearnedVerdict | None] = field(default_factory=dict)
    not_learned: list[str] = field(default_factory=list)
    protocols: dict[str, str] = field(default_factory=dict)
    severities: list[int] = field(default_factory=list)
    corruptions: list[str] = field(default_factory=list)
    reference_missing: str = ''
    names: dict[str, str] = field(default_factory=dict)
    store_cells: pd.DataFrame | None = None

    def every_cell(self) -> pd.DataFrame:
        """The cells before the common-condition filter."""
        return self.cells if self.store_cells is None else self.store_cells

    def learned(self, model: str) -> bool:
        """False only for a model judged not to have learned."""
        return model not in self.not_learned

    def no_reference(self) -> str:
        """Why CE / mCE and paired tests have no reference."""
        return self.reference_missing or (
            f'reference model {self.spec.reference!r} is not in the store')

    def order(self, frame: pd.DataFrame, by: tuple[str, ...] = ('model',)) -> pd.DataFrame:
        """Sort rows by display order of models (stable for the other columns)."""
        if frame.empty or 'model' not in frame:
            return frame
        ranks = {'model': {m.lower(): i for i, m in enumerate(self.models)},
                 'metric': {m: i for i, m in enumerate(self.spec.metrics)}}
        keys = [c for c in ('dataset', 'model', 'fold', *by) if c in frame]
        keys = list(dict.fromkeys(keys))

        def key(col: pd.Series) -> pd.Series:
            if col.name in ranks:
                return col.map(lambda v: ranks[col.name].get(str(v).lower(), len(ranks[col.name])))
            return col

        return frame.sort_values(keys, key=key, kind='stable').reset_index(drop=True)


def finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def pct(value: object, digits: int = 2) -> str:
    """A fraction as a percentage string; '–' when missing."""
    return f'{100 * value:.{digits}f}' if finite(value) else '–'


def num(value: object, digits: int = 3) -> str:
    return f'{value:.{digits}f}' if finite(value) else '–'


def pm(mean: object, std: object, n: int, fmt=pct) -> str:
    """``mean ± std`` when there are several folds, else ``mean``."""
    if n > 1 and finite(std):
        return f'{fmt(mean)} ± {fmt(std)}'
    return fmt(mean)


def pval(p: object) -> str:
    if not finite(p):
        return '–'
    return '<0.001' if p < 1e-3 else f'{p:.3f}'
