"""The acceptance run (``hdf-bench doctor`` / scripts/gpu_acceptance.py): CPU tiny mode end to
end, its time guards, its child-process isolation, and the small pieces it judges with."""
import json

import pytest

from hdf_bench.acceptance.profile import TARGETS, Target
from hdf_bench.acceptance.record import StepRecord
from hdf_bench.acceptance.run import run_acceptance
from hdf_bench.acceptance.training import cross_entropy, falling
from hdf_bench.cli.main import main


@pytest.mark.slow
def test_doctor_tiny_runs_every_step(tmp_path):
    """`hdf-bench doctor` (CPU, tiny): every step runs and the JSON and table are written."""
    out = tmp_path / 'out'
    code = main(['doctor', '--out', str(out), '--work', str(tmp_path / 'work')])
    summary = json.loads((out / 'acceptance.json').read_text())
    steps = {s['name']: s for s in summary['steps']}
    assert list(steps) == ['environment', 'training', 'inference', 'sweep']
    for name in ('environment', 'inference', 'sweep'):
        assert steps[name]['status'] == 'PASS', steps[name]
    # training: every runner trained with a finite loss (8 toy iterations at batch 2 are too
    # few for the falling check to be meaningful here; on the GPU profile it must pass)
    train = steps['training']
    finite = [c for c in train['checks'] if 'loss finite' in c['name']]
    assert len(finite) == 3 and all(c['ok'] for c in finite), train['checks']
    assert any('falling' in c['name'] for c in train['checks'])
    assert code == (0 if summary['passed'] else 1)
    models = train['figures']['train_step']['models']
    assert set(models) == {'x3d_s', 'hdf_no_sam', 'hdf'}
    assert all(m['runner_clips_per_s'] > 0 and m['bare_clips_per_s'] > 0 for m in models.values())
    infer = steps['inference']['figures']['inference']
    assert set(infer) == {'4', '1'}
    for batch in infer.values():
        for variants in batch.values():
            assert set(variants) == {'eager_fp32', 'eager_bf16', 'fast'}
            assert all(v['clips_per_s'] > 0 for v in variants.values())
    targets = {t['key']: t for t in summary['targets']}
    assert set(targets) == {t.key for t in TARGETS}
    assert all(t['value'] is not None for t in targets.values())
    table = (out / 'acceptance.md').read_text()
    assert '| sweep | PASS |' in table and 'runner overhead' in table


def test_guard_skips_what_does_not_fit(tmp_path):
    """With no time left, steps skip their measurements with a note and FAIL, without crashing."""
    summary = run_acceptance(tmp_path / 'out', device='cpu', profile='tiny',
                             work=tmp_path / 'work', steps=('training', 'inference', 'sweep'),
                             budget_s=0.01)
    for step in summary['steps']:
        assert step['status'] == 'FAIL'
        assert step['checks'] == [] and step['notes'] and 'skipped' in step['notes'][0]
    assert not summary['passed']
    assert all(t['met'] is None for t in summary['targets'])
    assert (tmp_path / 'out' / 'acceptance.md').is_file()
    assert not (tmp_path / 'work' / 'data').exists()  # no SynthDFER generated


@pytest.mark.slow
def test_isolated_step_reports_through_its_record(tmp_path):
    """A step run in a child process comes back through its saved record."""
    summary = run_acceptance(tmp_path / 'out', device='cpu', profile='tiny',
                             work=tmp_path / 'work', steps=('environment',), isolate=True)
    step = summary['steps'][0]
    assert step['status'] == 'PASS' and step['figures']['versions']['mmengine']


def test_unknown_step_is_refused(tmp_path):
    with pytest.raises(ValueError, match='unknown steps'):
        run_acceptance(tmp_path, device='cpu', profile='tiny', steps=('bogus',))


def test_record_status_and_reload(tmp_path):
    rec = StepRecord('x', path=tmp_path / 'x.json')
    rec.check('a', True)
    rec.figure('f', {'v': float('nan'), 'w': 1.5})
    rec.finish(1.0)
    assert rec.status == 'PASS'
    again = StepRecord.load(tmp_path / 'x.json')
    assert again.status == 'PASS' and again.figures['f'] == {'v': 'nan', 'w': 1.5}
    assert again.attempt('boom', lambda: 1 / 0) is None
    again.finish(1.0)
    assert again.status == 'FAIL' and again.checks[-1]['name'] == 'boom'
    empty = StepRecord('y')
    empty.finish(0.0)
    assert empty.status == 'FAIL'  # a step that checked nothing did not pass


def test_falling_and_cross_entropy():
    assert falling([2.0, 2.1, 1.9, 1.8, 1.7, 1.6])
    assert not falling([1.6, 1.7, 1.8, 1.9, 2.0, 2.1])
    assert not falling([2.0])
    # HDF's DSM scales CE by lambda_ce: the unweighted value is their ratio
    assert cross_entropy({'loss': 9.0, 'loss_ce': 8.0, 'lambda_ce': 4.0}) == 2.0
    assert cross_entropy({'loss': 1.5, 'loss_cls': 1.2}) == pytest.approx(1.2)


def test_target_bounds():
    upper = Target('k', 'text', 5.0, True, 'ms')
    lower = Target('k', 'text', 2.0, False, 'x')
    assert upper.met(4.9) and not upper.met(5.1) and upper.met(None) is None
    assert lower.met(2.0) and not lower.met(1.9)
