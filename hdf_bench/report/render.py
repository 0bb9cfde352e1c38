"""Render a :class:`Report` to Markdown, self-contained HTML, LaTeX, CSV and Parquet."""
from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hdf_bench.report.document import Figure, Note, Report, Table
from hdf_bench.results import atomic_write_bytes, atomic_write_text

CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1, h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption, caption { font-size: .9em; color: #555; text-align: left; }
.missing { color: #a33; }
.banner { border: 2px solid #a33; background: #fdecea; padding: .6em; font-weight: bold; }
"""

# Sets data attributes on <body> once every image has loaded (read by the headless check).
LOAD_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok.length));
});
"""


# ---- Markdown ------------------------------------------------------------------------------
def _md_cell(value: object) -> str:
    return str(value).replace('|', '\\|').replace('\n', ' ')


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (no index)."""
    head = '| ' + ' | '.join(_md_cell(c) for c in frame.columns) + ' |'
    rule = '|' + '|'.join('---' for _ in frame.columns) + '|'
    body = ['| ' + ' | '.join(_md_cell(v) for v in row) + ' |'
            for row in frame.itertuples(index=False)]
    return '\n'.join([head, rule, *body])


def to_markdown(report: Report, figure_dir: str = 'figures') -> str:
    lines = [f'# {report.title}', '']
    lines += [line for text in report.banner for line in (f'> **Warning:** {text}', '')]
    lines += [*report.intro, '']
    for section in report.sections:
        lines += [f'## {section.title}', '']
        for block in section.blocks:
            if isinstance(block, Note):
                lines += [f'> **Missing:** {block.text}' if block.missing else block.text, '']
            elif isinstance(block, Table) and block.show:
                lines += [f'**{block.caption}**', '', markdown_table(block.display), '']
            elif isinstance(block, Figure):
                lines += [f'![{block.caption}]({figure_dir}/{block.name}.png)', '',
                          f'*{block.caption}*', '']
    return '\n'.join(lines).rstrip() + '\n'


# ---- HTML ----------------------------------------------------------------------------------
def to_html(report: Report) -> str:
    esc = html.escape
    parts = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
             f'<title>{esc(report.title)}</title>', f'<style>{CSS}</style>',
             f'<script>{LOAD_SCRIPT}</script>', '</head><body>', f'<h1>{esc(report.title)}</h1>']
    parts += [f'<p class="banner">Warning: {esc(text)}</p>' for text in report.banner]
    parts += [f'<p>{esc(p)}</p>' for p in report.intro]
    for section in report.sections:
        parts.append(f'<h2>{esc(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, Note):
                cls = ' class="missing"' if block.missing else ''
                prefix = '<strong>Missing:</strong> ' if block.missing else ''
                parts.append(f'<p{cls}>{prefix}{esc(block.text)}</p>')
            elif isinstance(block, Table) and block.show:
                table = block.display.to_html(index=False, border=0, escape=True, na_rep='')
                table = table.replace('<thead>', f'<caption>{esc(block.caption)}</caption><thead>',
                                      1)
                parts.append(table)
            elif isinstance(block, Figure):
                data = base64.b64encode(block.png).decode('ascii')
                parts.append(f'<figure id="fig-{esc(block.name)}"><img alt="{esc(block.caption)}" '
                             f'src="data:image/png;base64,{data}">'
                             f'<figcaption>{esc(block.caption)}</figcaption></figure>')
    parts.append('</body></html>')
    return '\n'.join(parts) + '\n'


# ---- LaTeX ---------------------------------------------------------------------------------
_TEX = {'\\': r'\textbackslash{}', '&': r'\&', '%': r'\%', '$': r'\$', '#': r'\#', '_': r'\_',
        '{': r'\{', '}': r'\}', '~': r'\textasciitilde{}', '^': r'\textasciicircum{}'}


def tex_escape(text: object) -> str:
    out = ''.join(_TEX.get(ch, ch) for ch in str(text))
    return out.replace('±', r'$\pm$').replace('γ', r'$\gamma$')


def latex_table(table: Table) -> str:
    """A booktabs ``table`` environment of ``table.display``."""
    frame = table.display
    spec = 'l' + 'r' * (len(frame.columns) - 1)
    lines = [r'\begin{table}[ht]', r'\centering', r'\small',
             f'\\caption{{{tex_escape(table.caption)}}}',
             f'\\label{{tab:{table.name.replace("_", "-")}}}',
             f'\\begin{{tabular}}{{{spec}}}', r'\toprule',
             ' & '.join(tex_escape(c) for c in frame.columns) + r' \\', r'\midrule']
    lines += [' & '.join(tex_escape(v) for v in row) + r' \\'
              for row in frame.itertuples(index=False)]
    lines += [r'\bottomrule', r'\end{tabular}', r'\end{table}']
    return '\n'.join(lines)


def to_latex(report: Report, figure_dir: str = 'figures') -> str:
    lines = [r'% Generated by hdf-bench report. Needs \usepackage{booktabs,graphicx}.',
             r'\documentclass{article}', r'\usepackage{booktabs}', r'\usepackage{graphicx}',
             r'\usepackage[margin=2cm]{geometry}', r'\begin{document}',
             f'\\section*{{{tex_escape(report.title)}}}']
    lines += [f'\\noindent\\fbox{{\\parbox{{\\linewidth}}{{\\textbf{{Warning:}} '
              f'{tex_escape(text)}}}}}\n' for text in report.banner]
    lines += [tex_escape(p) + '\n' for p in report.intro]
    for section in report.sections:
        lines.append(f'\\subsection*{{{tex_escape(section.title)}}}')
        for block in section.blocks:
            if isinstance(block, Note):
                lines.append(('\\textbf{Missing:} ' if block.missing else '')
                             + tex_escape(block.text) + '\n')
            elif isinstance(block, Table) and block.show:
                lines.append(latex_table(block))
            elif isinstance(block, Figure):
                lines += [r'\begin{figure}[ht]', r'\centering',
                          f'\\includegraphics[width=\\linewidth]{{{figure_dir}/{block.name}.png}}',
                          f'\\caption{{{tex_escape(block.caption)}}}', r'\end{figure}']
    lines.append(r'\end{document}')
    return '\n'.join(lines) + '\n'


# ---- files ---------------------------------------------------------------------------------
def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if v is None or v != v else str(v))
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_report(report: Report, out: str | Path, formats: Sequence[str]) -> list[Path]:
    """Write every requested format under ``out`` atomically; return the paths written.

    Args:
        report: the report.
        out: output folder (created).
        formats: subset of md, html, tex, csv, parquet.
    """
    out = Path(out)
    written: list[Path] = []
    if {'md', 'tex'} & set(formats):
        for fig in report.blocks(Figure):
            path = out / 'figures' / f'{fig.name}.png'
            atomic_write_bytes(path, fig.png)
            written.append(path)
    for table in report.blocks(Table):
        if 'csv' in formats:
            path = out / 'tables' / f'{table.name}.csv'
            atomic_write_text(path, table.data.to_csv(index=False))
            written.append(path)
        if 'parquet' in formats:
            path = out / 'tables' / f'{table.name}.parquet'
            atomic_write_bytes(path, _parquet_bytes(table.data))
            written.append(path)
    for fmt, func, name in (('md', to_markdown, 'report.md'), ('html', to_html, 'report.html'),
                            ('tex', to_latex, 'report.tex')):
        if fmt in formats:
            atomic_write_text(out / name, func(report))
            written.append(out / name)
    return written
