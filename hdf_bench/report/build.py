"""Build a :class:`Report` from a results store and a spec (never re-running models)."""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from hdf_bench.report import guard
from hdf_bench.report.context import Context
from hdf_bench.report.document import Report, Section, Table
from hdf_bench.report.render import write_report
from hdf_bench.report.sections.corruption import corruption_section, group_section, summary_section
from hdf_bench.report.sections.faces import gallery_section, region_section
from hdf_bench.report.sections.learned import headline_section, learned_section
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
from hdf_bench.report.sections.training import training_section
from hdf_bench.report.spec import ReportSpec
from hdf_bench.results import ResultsStore, read_frame
from hdf_bench.results.provenance import model_checkpoints

BUILDERS: dict[str, Callable[[Context], Section]] = {
    'summary': summary_section, 'headline': headline_section,
    'corruptions': corruption_section, 'groups': group_section,
    'uncertainty': uncertainty_section, 'significance': significance_section,
    'confusion': confusion_section, 'training': training_section,
    'imbalance': imbalance_section, 'prior': prior_section,
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
    keep = list(dict.fromkeys(models + ([reference] if reference else [])))
    cells = cells[cells['model'].isin(keep)].reset_index(drop=True)
    if cells.empty:
        raise ValueError('no cell of the store matches the spec (models / datasets)')
    every = cells
    cells, dropped = guard.common_conditions(cells, spec.severities)
    notes += dropped
    judged = guard.verdicts(cells, keep, spec.confidence_level, spec.n_resamples, spec.seed)
    names = guard.display_names(cells, keep, judged)
    failed = [m for m in keep if judged[m] is not None and not judged[m].learned]
    reference_missing = ''
    if reference in failed:
        reference_missing = f'reference model {reference!r} did not learn: no reference is used'
        reference = None
    models = [m for m in models if m not in failed] + [m for m in models if m in failed]
    protocols = guard.protocols(cells)
    cells = cells.assign(model=cells['model'].map(names))
    severities, corruptions = guard.averaged(cells, spec.severities)
    ctx = Context(cells, spec, [names[m] for m in models], names[reference] if reference else None,
                  verdicts={names[m]: judged[m] for m in keep},
                  not_learned=[names[m] for m in failed],
                  protocols={names[m]: p for m, p in protocols.items()},
                  severities=severities, corruptions=corruptions,
                  reference_missing=reference_missing, names=names,
                  store_cells=every.assign(model=every['model'].map(names)))
    return ctx, notes


def protocol_label(ctx: Context) -> str:
    """``protocol: strict`` or, when the models differ, the protocol of each."""
    kinds = set(ctx.protocols.values())
    if len(kinds) == 1:
        return f'protocol: {kinds.pop()}'
    return 'protocols: ' + ', '.join(f'{m} {ctx.protocols[m]}' for m in ctx.models
                                     if m in ctx.protocols)


def banner(ctx: Context) -> list[str]:
    """Warnings shown at the top of the report: models that did not learn, the reference."""
    lines = []
    if ctx.not_learned:
        why = '; '.join(f'{m.removesuffix(guard.NOT_LEARNED)}: {ctx.verdicts[m].reason}'
                        for m in ctx.not_learned)
        lines.append(f'NOT LEARNED: {why}. Marked "not learned" '
                     'in every table and figure, listed last, and left out of the rankings, the '
                     'paired tests, the headline comparison and the mCE reference.')
    if ctx.reference_missing:
        lines.append(ctx.reference_missing[0].upper() + ctx.reference_missing[1:]
                     + ' (CE, mCE and the paired tests are omitted).')
    return lines


def _store_name(store_root: str | Path, out: str | Path | None) -> str:
    """The store as the report names it: relative to the report's folder when one is given
    (a committed report then names no folder of the machine it ran on)."""
    if out is None:
        return str(store_root)
    return Path(os.path.relpath(Path(store_root).resolve(), Path(out).resolve())).as_posix()


def build_report(store_root: str | Path, spec: ReportSpec, out: str | Path | None = None) -> Report:
    """Compute every section named in the spec.

    Args:
        store_root: folder of the results store.
        spec: what to report.
        out: the report's folder, if it is written: the store is then named relative to it.
    """
    ctx, notes = make_context(store_root, spec)
    digests = model_checkpoints(ctx.cells)
    label = protocol_label(ctx)
    stamp = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    counts = ctx.cells['axis'].value_counts().to_dict()
    intro = [f'Generated {stamp} from the results store {_store_name(store_root, out)} '
             f'({len(ctx.cells)} cells: ' + ', '.join(f'{n} {a}' for a, n in counts.items())
             + '). Models (checkpoint SHA-256): ' + ', '.join(
                 f'{m} ({digests.get(m, "-")})' for m in ctx.models) + '. Reference: '
             + (ctx.reference or f'none ({ctx.no_reference()})') + '.',
             'Scores are percentages of clips (WAR) or mean per-class recall (UAR) unless stated. '
             f'Evaluation {label} (strict: last checkpoint, WAR and UAR from the same '
             'predictions; peers: best epoch on the test split, WAR and UAR maximised separately '
             'over epochs, as published DFER numbers are).']
    sections = []
    if notes:
        store_section = Section('Store coverage')
        for text in notes:
            store_section.note(text, missing=True)
        sections.append(store_section)
    sections.append(learned_section(ctx))
    sections += [BUILDERS[name](ctx) for name in spec.sections]
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Table):
                block.caption = f'{block.caption} [{label}]'
    return Report(spec.title, intro, sections, banner(ctx))


def run_report(store_root: str | Path, out: str | Path, spec: ReportSpec) -> tuple[Report,
                                                                                     list[Path]]:
    """Build the report and write it under ``out``; return it and the files written."""
    report = build_report(store_root, spec, out)
    return report, write_report(report, out, spec.formats)
