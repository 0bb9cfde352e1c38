"""Report specs: mmengine-config style python files naming what a report holds."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

SECTIONS = ('summary', 'headline', 'corruptions', 'groups', 'uncertainty', 'significance',
            'confusion', 'training', 'imbalance', 'prior', 'latency', 'regions', 'gallery')
FORMATS = ('md', 'html', 'tex', 'csv', 'parquet')
METRICS = ('war', 'uar')
CI_METHODS = ('percentile', 'basic', 'bca')


@dataclass
class ReportSpec:
    """What a report holds and how it is computed.

    Args:
        title: heading of the report.
        sections: which sections to build, in order (subset of :data:`SECTIONS`).
        models: models to include, in display order; ``None`` = every model in the store.
        datasets: data sets to include; ``None`` = all.
        reference: reference model for CE / mCE and the paired tests.
        metrics: metrics to summarise (subset of :data:`METRICS`).
        severities: corruption severities averaged into mPC.
        formats: output formats (subset of :data:`FORMATS`).
        figures: draw figures (seaborn, Agg backend).
        latency: pytest-benchmark JSON file for the accuracy vs latency section.
        n_resamples: bootstrap resamples.
        confidence_level: level of the bootstrap intervals.
        ci_method: ``scipy.stats.bootstrap`` method (percentile, basic or bca).
        seed: seed of every bootstrap.
        max_confusion_models: at most this many models in the confusion-matrix figure.
    """

    title: str = 'hdf-bench report'
    sections: list[str] = field(default_factory=lambda: list(SECTIONS))
    models: list[str] | None = None
    datasets: list[str] | None = None
    reference: str = 'x3d_s'
    metrics: list[str] = field(default_factory=lambda: list(METRICS))
    severities: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    formats: list[str] = field(default_factory=lambda: list(FORMATS))
    figures: bool = True
    latency: str | None = None
    n_resamples: int = 2000
    confidence_level: float = 0.95
    ci_method: str = 'percentile'
    seed: int = 0
    max_confusion_models: int = 6

    def __post_init__(self) -> None:
        for name, values, valid in (('sections', self.sections, SECTIONS),
                                    ('formats', self.formats, FORMATS),
                                    ('metrics', self.metrics, METRICS)):
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValueError(f'unknown {name} {bad}; valid choices: {list(valid)}')
        if self.ci_method not in CI_METHODS:
            raise ValueError(f'ci_method must be one of {list(CI_METHODS)}, got {self.ci_method!r}')
        if not 0 < self.confidence_level < 1:
            raise ValueError(f'confidence_level must lie in (0, 1), got {self.confidence_level}')
        if self.n_resamples < 1:
            raise ValueError(f'n_resamples must be positive, got {self.n_resamples}')


def load_spec(path: str | Path | None = None, **overrides) -> ReportSpec:
    """Read a spec file (keys as in :class:`ReportSpec`) and apply ``overrides``.

    Args:
        path: python spec file in mmengine-config style; ``None`` = defaults.
        overrides: values that replace the file's (``None`` values are ignored).
    """
    values: dict = {}
    if path is not None:
        from mmengine.config import Config

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f'report spec {path} does not exist')
        cfg = Config.fromfile(str(path)).to_dict()
        known = {f.name for f in fields(ReportSpec)}
        unknown = sorted(k for k in cfg if k not in known and not k.startswith('_'))
        if unknown:
            raise ValueError(f'unknown keys {unknown} in report spec {path}; '
                             f'valid: {sorted(known)}')
        values = {k: v for k, v in cfg.items() if k in known}
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key in ('sections', 'models', 'datasets', 'metrics', 'formats', 'severities'):
        if isinstance(values.get(key), (tuple, str)):
            value = values[key]
            values[key] = value.split(',') if isinstance(value, str) else list(value)
    return ReportSpec(**values)
