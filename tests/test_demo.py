"""`hdf-bench demo` end to end (smoke preset): every artefact, then a resume that redoes nothing."""
from __future__ import annotations

import json

import pytest

from hdf_bench.cli.main import main
from hdf_bench.results import ResultsStore


@pytest.mark.slow
def test_demo_smoke_end_to_end_and_resume(tmp_path, capsys):
    run = tmp_path / 'run'
    assert main(['demo', '--preset', 'smoke', '--run-dir', str(run)]) == 0
    summary = json.loads((run / 'demo.json').read_text())
    assert [s['ok'] for s in summary['stages']] == [True] * len(summary['stages'])
    for name in summary['preset']['models']:
        assert (run / 'train' / name / 'epoch_1.pth').is_file()
    frame = ResultsStore(run / 'results').frame()
    assert set(frame['axis']) >= {'clean', 'corruption', 'imbalance', 'prior'}
    assert set(frame.loc[frame['axis'] == 'clean', 'model']) == set(summary['preset']['models'])
    html = (run / 'report' / 'report.html').read_text()
    assert 'data:image/png;base64' in html
    assert (run / 'report' / 'report.md').is_file()

    cells = sorted((run / 'results' / 'cells').glob('*.json'))
    stamps = {p: p.stat().st_mtime_ns for p in cells}
    capsys.readouterr()
    assert main(['demo', '--preset', 'smoke', '--run-dir', str(run)]) == 0
    out = capsys.readouterr().out
    assert '0 cells to compute' in out
    assert {p: p.stat().st_mtime_ns for p in cells} == stamps


def test_demo_rejects_unknown_preset(tmp_path):
    from hdf_bench.demo import run_demo
    with pytest.raises(ValueError, match='presets: default, smoke, full'):
        run_demo(tmp_path, 'huge')
