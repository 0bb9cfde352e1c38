"""Build a :class:`Report` from a results store and a spec (never re-running models)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from hdf_bench.report.context import Context
from hdf_bench.report.document import Report, Section
from hdf_bench.report.render import write_report
from hdf_bench.report.sections.corruption import corruption_section, group_section, summary_section
from hdf_bench.report.sections.faces import gallery_section, region_section
from hdf_bench.report.sections.shift_latency import (
    imbalance_section,
    latency_section,
    prior_section,
)
from hdf_bench.report.sections.statistics import (
    confusion_section,
    significance_section,
    uncertainty_section,
)
from hdf_bench.report.spec import ReportSpec
from hdf_bench.results import ResultsStore, read_frame
from hdf_bench.results.provenance import model_checkpoints

BUILDERS: dict[str, Callable[[Context], Section]] = {
    'summary': summary_section, 'corruptions': corruption_section, 'groups': group_section,
    'uncertainty': uncertainty_section, 'significance': significance_section,
    'confusion': confusion_section, 'imbalance': imbalance_section, 'prior': prior_section,
    'latency': latency_section, 'regions': region_section, 'gallery': gallery_section,
}


def make_context(store_root: str | Path, spec: ReportSpec) -> tuple[Context, list[str]]:
    """Load the store, filter it by the spec and pick the model order and reference.

    Returns:
        the context and notes about requested pieces missing from the store.
    """
    store = ResultsStore(store_root)
    if not store.cells.is_dir():
        raise FileNotFoundError(f'no results store at {store_root} (no cells/ folder)')
    cells = read_frame(store)
    notes = [f'unusable cell skipped: {why}' for why in cells.attrs.get('unusable', [])]
    if cells.empty:
        raise ValueError(f'the results store at {store_root} holds no usable cells'
                         + ''.join(f'; {note}' for note in notes))
    present = list(dict.fromkeys(sorted(cells['model'])))
    if spec.models is not None:
        notes += [f'model {m} is named in the spec but has no cell in the store.'
                  for m in spec.models if m not in present]
        models = [m for m in spec.models if m in present]
    else:
        models = ([spec.reference] if spec.reference in present else []) + [
            m for m in present if m != spec.reference]
    if spec.datasets is not None:
        notes += [f'data set {d} is named in the spec but has no cell in the store.'
                  for d in spec.datasets if d not in set(cells['dataset'])]
        cells = cells[cells['dataset'].isin(spec.datasets)]
    reference = spec.reference if spec.reference in present else None
    keep = set(models) | ({reference} if reference else set())
    cells = cells[cells['model'].isin(keep)].reset_index(drop=True)
    if cells.empty:
        raise ValueError('no cell of the store matches the spec (models / datasets)')
    return Context(cells, spec, models, reference), notes


def build_report(store_root: str | Path, spec: ReportSpec) -> Report:
    """Compute every section named in the spec.

    Args:
        store_root: folder of the results store.
        spec: what to report.
    """
    ctx, notes = make_context(store_root, spec)
    digests = model_checkpoints(ctx.cells)
    stamp = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    counts = ctx.cells['axis'].value_counts().to_dict()
    intro = [f'Generated {stamp} from the results store {store_root} '
             f'({len(ctx.cells)} cells: ' + ', '.join(f'{n} {a}' for a, n in counts.items())
             + '). Models (checkpoint SHA-256): ' + ', '.join(
                 f'{m} ({digests.get(m, "-")})' for m in ctx.models) + '. Reference: '
             + (ctx.reference or f'{spec.reference} (absent from the store)') + '.',
             'Scores are percentages of clips (WAR) or mean per-class recall (UAR) unless stated.']
    sections = []
    if notes:
        store_section = Section('Store coverage')
        for text in notes:
            store_section.note(text, missing=True)
        sections.append(store_section)
    sections += [BUILDERS[name](ctx) for name in spec.sections]
    return Report(spec.title, intro, sections)


def run_report(store_root: str | Path, out: str | Path, spec: ReportSpec) -> tuple[Report,
                                                                                     list[Path]]:
    """Build the report and write it under ``out``; return it and the files written."""
    report = build_report(store_root, spec)
    return report, write_report(report, out, spec.formats)
