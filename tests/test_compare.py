"""`hdf-bench compare`: the zoo comparison table (profiles, WAR/UAR over seeds, files, resume)."""
from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from torch import nn

from hdf_bench import zoo
from hdf_bench.cli.main import main
from hdf_bench.compare import comparison_table, count_gmacs, format_markdown, profile_model
from hdf_bench.engine.latency import clip_batch


class _Recognizer(nn.Module):
    """A conv3d + linear 'recognizer' answering ``model(x, mode='tensor', stage='head')``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(3, 4, kernel_size=3, padding=1, groups=1)
        self.fc = nn.Linear(4, 7)

    def forward(self, x, mode='tensor', stage='head'):
        feat = self.conv(x[:, 0]).mean(dim=(2, 3, 4))
        return self.fc(feat)


def test_gmacs_count_convolutions_and_linear_layers():
    t, h, w = 4, 8, 8
    conv_macs = 4 * 3 * 27 * t * h * w  # out channels x in channels x kernel x outputs
    linear_macs = 4 * 7
    assert count_gmacs(_Recognizer(), (t, h, w)) == pytest.approx((conv_macs + linear_macs) / 1e9)


def test_profile_of_a_zoo_model_matches_its_parts():
    row = profile_model('x3d_s', threads=1)
    assert row['params_m'] == pytest.approx(2.09, abs=0.01)
    assert row['input'] == '8x64x64'
    # 16x112x112 has 2 x 3.06 times the positions of 8x64x64 (global pooling at the end)
    assert row['gflops_paper'] / row['gflops'] == pytest.approx(2 * (112 / 64) ** 2, rel=0.1)
    assert 0 < row['latency_b1_ms'] < row['latency_b8_ms']


def test_paper_gflops_come_from_the_paper_recipe_model():
    # C3D's fc6 is sized from the config's input: the CPU model cannot take 16x112x112
    row = profile_model('c3d', latency=False)
    assert row['gflops_paper'] == pytest.approx(38.5, abs=0.1)
    assert row['gflops'] == pytest.approx(6.32, abs=0.01)
    assert row['latency_b1_ms'] is None


@pytest.mark.parametrize('name', zoo.list_models())
def test_every_demo_recipe_model_trains_a_step_at_4x48x48(name):
    """The zoo table's default recipe: every model takes the demo input and back-propagates."""
    row = profile_model(name, latency=False, recipe='demo')
    assert row['input'] == '4x48x48' and row['gflops'] > 0
    from mmaction.structures import ActionDataSample

    model = zoo.build_model(name, recipe='demo').train()
    samples = [ActionDataSample().set_gt_label(torch.tensor(i)) for i in range(2)]
    losses = model(clip_batch(2, (4, 48, 48)), samples, mode='loss')
    loss = sum(v for k, v in losses.items() if k.startswith('loss'))
    loss.backward()
    assert torch.isfinite(loss)


def test_table_averages_seeds_and_joins_profiles():
    scores = pd.DataFrame(dict(model=['hdf', 'hdf', 'x3d_s'], train_seed=[0, 1, 0],
                               war=[0.2, 0.4, 0.5], uar=[0.1, 0.3, 0.25], num_samples=40,
                               learned=[True, False, True], uar_low=[0.05, 0.2, 0.2],
                               uar_high=[0.15, 0.4, 0.3]))
    profiles = pd.DataFrame([dict(model=m, params_m=1.0, input='8x64x64', gflops=0.2,
                                  gflops_paper=1.3, threads=1, latency_b1_ms=5.0,
                                  latency_b8_ms=30.0) for m in ('hdf', 'x3d_s')])
    table = comparison_table(scores, profiles).set_index('model')
    assert table.loc['hdf', 'war'] == pytest.approx(30.0)
    assert table.loc['hdf', 'war_std'] == pytest.approx(100 * pd.Series([0.2, 0.4]).std())
    assert table.loc['hdf', 'seeds'] == 2
    assert math.isnan(table.loc['x3d_s', 'war_std'])
    text = format_markdown(table.reset_index())
    row = ('| hdf | hdf | 30.0 ± 14.1 | 20.0 ± 14.1 | NOT LEARNED [5.0, 15.0]; [20.0, 40.0] '
           '| 1.00 | 8x64x64 | 0.20 | 1.30 | 5 | 30 |')
    assert row in text
    assert '| x3d_s | baseline | 50.0 | 25.0 | yes [20.0, 30.0] |' in text
    assert 'Protocol: strict' in text and '| WAR % (strict) |' in text
    unjudged = comparison_table(scores.drop(columns=['learned', 'uar_low', 'uar_high']),
                                profiles)
    assert '| 20.0 ± 14.1 | - | 1.00 |' in format_markdown(unjudged)


def test_compare_rejects_unknown_models(tmp_path, capsys):
    assert main(['compare', '--run-dir', str(tmp_path), '--models', 'hdf', 'nope']) == 2
    assert "unknown zoo model 'nope'" in capsys.readouterr().err


@pytest.mark.slow
def test_compare_end_to_end_and_resume(tmp_path, synth_root, capsys):
    run = tmp_path / 'run'
    args = ['compare', '--run-dir', str(run), '--data-root', str(synth_root), '--models',
            'x3d_s', 'static_r18', '--seeds', '0', '1', '--epochs', '1']
    assert main(args) == 0
    table = pd.read_csv(run / 'zoo_table.csv').set_index('model')
    assert list(table.index) == ['x3d_s', 'static_r18']
    assert (table['seeds'] == 2).all()
    assert table['war'].between(0, 100).all() and table['uar'].between(0, 100).all()
    assert (table['params_m'] > 1).all() and (table['latency_b8_ms'] > 0).all()
    for name in ('x3d_s', 'static_r18'):
        for seed in (0, 1):
            assert (run / 'train' / name / f'seed{seed}' / 'epoch_1.pth').is_file()
    assert (table['input'] == '4x48x48').all()  # the default recipe: the demo's
    assert len(list((run / 'logs').glob('*.log'))) == 4  # one console log per training
    md = (run / 'zoo_table.md').read_text()
    assert '| x3d_s | baseline |' in md and '| static_r18 | baseline |' in md
    assert table['uar_ci'].str.count(r'\[').eq(2).all()  # one CI per seed
    assert set(table['learned']) <= {True, False}
    paired = pd.read_csv(run / 'zoo_paired.csv')  # static_r18 minus x3d_s in each seed
    assert list(paired['train_seed']) == [0, 1] and set(paired['a']) == {'static_r18'}
    tested = paired[paired['status'] == 'tested']
    assert ((tested['uar_low'] <= tested['d_uar']) & (tested['d_uar'] <= tested['uar_high'])).all()
    assert '| static_r18 | x3d_s |' in (run / 'zoo_paired.md').read_text()

    stamps = {p: p.stat().st_mtime_ns for p in run.rglob('*.pth')}
    stamps.update({p: p.stat().st_mtime_ns for p in (run / 'results').rglob('*.json')})
    assert main(args) == 0
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    pd.testing.assert_frame_equal(pd.read_csv(run / 'zoo_table.csv').set_index('model'), table)
