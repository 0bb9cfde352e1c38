"""report.html in real headless Chromium: figures render, page is not blank."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from synthetic_store import make_synthetic_store

from hdf_bench.report import ReportSpec, run_report
from hdf_bench.report.document import Figure

SCRIPT = Path(__file__).resolve().parents[1] / 'scripts' / 'check_report_html.py'


def _checker():
    spec = importlib.util.spec_from_file_location('check_report_html', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def html(tmp_path_factory):
    root = tmp_path_factory.mktemp('html')
    make_synthetic_store(root / 'store', {'x3d_s': 0.7, 'hdf': 0.8},
                         {'gaussian_noise': 'noise'}, severities=(1, 2), n_clips=40)
    spec = ReportSpec(sections=['summary', 'corruptions', 'imbalance'], metrics=['war'],
                      formats=['html', 'md'], n_resamples=50)
    report, _ = run_report(root / 'store', root / 'out', spec)
    return root / 'out' / 'report.html', len(report.blocks(Figure))


def test_html_embeds_figures(html):
    text = html[0].read_text()
    assert html[1] >= 3
    assert text.count('src="data:image/png;base64,') == html[1]
    assert '<table' in text and 'data-images-loaded' in text
    assert (html[0].parent / 'figures').is_dir()


def test_figures_render_in_chromium(html):
    checker = _checker()
    if checker.find_chromium() is None:
        pytest.skip('chromium is not installed (apt-get install -y chromium)')
    failures = checker.check(html[0], min_images=html[1], timeout=120)
    assert failures == []
