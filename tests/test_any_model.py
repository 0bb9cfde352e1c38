"""Benchmark any video classifier (issue 20): a plain PyTorch model defined here (NTCHW input,
its own normalisation and class order) and a TorchScript export of the zoo X3D-S, swept on a
tiny SynthDFER next to the zoo X3D-S, the same cells from the same weights, prior cells, the
report, the CLI forms and the errors."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import torch
from test_sweep_support import SUITE

import hdf_bench
from hdf_bench.any_model import outside_target
from hdf_bench.cli.main import main
from hdf_bench.data.classes import CLASSES
from hdf_bench.engine.evaluation import predict_pipeline
from hdf_bench.engine.run import ModelRef
from hdf_bench.report.guard import NOT_LEARNED
from hdf_bench.results import ResultsStore
from hdf_bench.robustness.sweep import Condition, run_sweep

torch.set_num_threads(1)
ZOO_CONFIG = 'configs/baselines/x3d_s_synthdfer_cpu.py'  # 8 frames at 64 x 64
X3D_INPUT = hdf_bench.InputSpec('NCTHW', frames=8, size=64, mean=[114.75] * 3,
                                std=[57.375] * 3)
PLAIN_INPUT = hdf_bench.InputSpec('NTCHW', frames=6, size=32, mean=[0.45, 0.45, 0.4],
                                  std=[0.25, 0.25, 0.2], value_range=(0, 1))
PLAIN_CLASSES = list(reversed(CLASSES))  # the plain model's own class order
CONDITIONS = [Condition(**entry) for entry in SUITE]


class PlainNet(torch.nn.Module):
    """A video classifier outside the package: NTCHW float input, 7 logits in its own order."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.conv = torch.nn.Conv3d(3, 8, kernel_size=3, padding=1)
        self.fc = torch.nn.Linear(8, 7)
        with torch.no_grad():
            self.fc.weight.mul_(50.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5 or x.shape[2] != 3:
            raise ValueError(f'PlainNet takes [N, T, 3, H, W], got {tuple(x.shape)}')
        feats = torch.relu(self.conv(x.permute(0, 2, 1, 3, 4)))
        return self.fc(feats.mean(dim=(2, 3, 4)))


class Canonical(torch.nn.Module):
    """PlainNet with its outputs reordered into the canonical class order."""

    def __init__(self) -> None:
        super().__init__()
        self.net = PlainNet()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, [PLAIN_CLASSES.index(c) for c in CLASSES]]


def make_plain() -> PlainNet:
    """The factory of the CLI's ``--model NAME=test_any_model:make_plain`` form."""
    return PlainNet()


class _Head(torch.nn.Module):
    """The recognizer's forward on NCTHW float input (normalised): backbone, then head."""

    def __init__(self, recognizer: torch.nn.Module) -> None:
        super().__init__()
        self.backbone, self.head = recognizer.backbone, recognizer.cls_head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def _spread_head(recognizer: torch.nn.Module, root) -> None:
    """Set the random X3D-S's classifier to standardised test-clip features (prototypes), so
    that its predictions differ between clips (a random head predicts one class)."""
    seen = []

    def capture(x: torch.Tensor) -> torch.Tensor:
        seen.append(x)
        return torch.zeros(len(x), 7)

    target = outside_target(capture, 'capture', 'synthdfer', root, 1, X3D_INPUT)
    predict_pipeline(target, target.pipeline, batch_size=4)
    with torch.no_grad():
        feats = recognizer.cls_head.avg_pool(recognizer.backbone(torch.cat(seen))).flatten(1)
        mean, std = feats.mean(0), feats.std(0) + 1e-6
        weight = ((feats - mean) / std)[torch.arange(7) % len(feats)] / std
        recognizer.cls_head.fc_cls.weight.copy_(weight)
        recognizer.cls_head.fc_cls.bias.copy_(-weight @ mean)


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    """A tiny SynthDFER (6 test clips in fold 1)."""
    folder = tmp_path_factory.mktemp('any_model')
    assert main(['synth', '--out', str(folder / 'synth'), '--identities', '10',
                 '--clips-per-identity', '3', '--size', '32', '--min-frames', '6',
                 '--max-frames', '10']) == 0
    return folder


@pytest.fixture(scope='module')
def tiny(synth):
    """Tiny SynthDFER, a zoo X3D-S checkpoint and its TorchScript trace."""
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    folder = synth
    init_default_scope('mmaction')
    torch.manual_seed(0)
    recognizer = MODELS.build(Config.fromfile(ZOO_CONFIG).model).eval()
    _spread_head(recognizer, folder / 'synth')
    checkpoint = folder / 'x3d_s.pth'
    torch.save(dict(state_dict=recognizer.state_dict(), meta=dict()), checkpoint)
    traced = torch.jit.trace(_Head(recognizer).eval(), torch.randn(2, 3, 8, 64, 64))
    traced.save(str(folder / 'x3d_s.pt'))
    return folder


@pytest.fixture(scope='module')
def swept(tiny):
    """One store with the zoo X3D-S, its TorchScript export and the plain model."""
    store, root = tiny / 'store', tiny / 'synth'
    run_sweep([ModelRef('x3d_s', ZOO_CONFIG, str(tiny / 'x3d_s.pth'))], CONDITIONS, store,
              data_root=str(root), fold='1', quiet=True, cache_dir=tiny / 'cache')
    ts = hdf_bench.benchmark(tiny / 'x3d_s.pt', data_root=root, dataset='synthdfer', fold=1,
                             suite=CONDITIONS, input=X3D_INPUT, store=store, name='x3d_s_ts',
                             cache_dir=tiny / 'cache')
    plain = hdf_bench.benchmark(PlainNet(), data_root=root, dataset='synthdfer', fold=1,
                                suite=CONDITIONS, input=PLAIN_INPUT, classes=PLAIN_CLASSES,
                                store=store, name='plain', priors=True)
    return store, ts, plain


def _cells(store, model: str) -> dict:
    return {tuple(r['key'].values())[1:]: r for r in ResultsStore(store).records()
            if r['key']['model'] == model}


@pytest.mark.slow
def test_torchscript_x3d_s_gives_the_zoo_cells(swept):
    store, ts, _ = swept
    zoo, traced = _cells(store, 'x3d_s'), _cells(store, 'x3d_s_ts')
    assert set(zoo) == set(traced) == {
        ('synthdfer', '1', 'clean', 'clean', 0, 0),
        ('synthdfer', '1', 'corruption', 'gaussian_noise', 3, 0),
        ('synthdfer', '1', 'corruption', 'brightness', 2, 0)}
    for key, record in zoo.items():
        assert traced[key]['predictions'] == record['predictions'], key
        assert traced[key]['metrics'] == record['metrics'], key
    preds = zoo[('synthdfer', '1', 'clean', 'clean', 0, 0)]['predictions']['preds']
    assert len(set(preds)) > 1  # a real comparison, not one constant class
    assert isinstance(ts, pd.DataFrame) and sorted(ts['condition']) == [
        'brightness', 'clean', 'gaussian_noise']


@pytest.mark.slow
def test_plain_model_class_order_and_prior_cells(swept, tiny):
    store, _, plain = swept
    cells = _cells(store, 'plain')
    assert len(plain) == 3 and set(plain['model']) == {'plain'}
    assert {k[2] for k in cells} == {'clean', 'corruption', 'prior'}
    assert {k[3] for k in cells if k[2] == 'prior'} == {'uniform', 'train', 'reversed'}
    meta = cells[('synthdfer', '1', 'clean', 'clean', 0, 0)]['meta']
    assert meta['infer_cfg']['input']['layout'] == 'NTCHW'
    # the same network with its outputs already in canonical order predicts the same classes
    target = outside_target(Canonical(), 'canonical', 'synthdfer', tiny / 'synth', 1,
                            PLAIN_INPUT)
    preds = predict_pipeline(target, target.pipeline, batch_size=4)
    assert preds == cells[('synthdfer', '1', 'clean', 'clean', 0, 0)]['predictions']['preds']
    mapped = outside_target(Canonical(), 'wrong', 'synthdfer', tiny / 'synth', 1, PLAIN_INPUT,
                            classes=PLAIN_CLASSES)  # a wrong mapping changes predictions
    assert predict_pipeline(mapped, mapped.pipeline, batch_size=4) != preds


@pytest.mark.slow
def test_outside_models_appear_in_the_report(swept, tmp_path):
    store, _, _ = swept
    out = tmp_path / 'report'
    assert main(['report', '--store', str(store), '--out', str(out), '--no-figures',
                 '--n-resamples', '50', '--formats', 'md,csv']) == 0
    text = (out / 'report.md').read_text()
    for model in ('x3d_s', 'x3d_s_ts', 'plain'):
        assert f'| {model} ' in text or f'|{model}|' in text.replace(' ', ''), model
    summary = pd.read_csv(out / 'tables' / 'summary.csv')
    # untrained tiny models: every table shows them under the guard's display name
    assert {f'{m}{NOT_LEARNED}' for m in ('x3d_s', 'x3d_s_ts', 'plain')} <= set(summary['model'])
    assert f'plain{NOT_LEARNED}' in set(pd.read_csv(out / 'tables' / 'prior.csv')['model'])


@pytest.mark.slow
def test_cli_factory_and_file_forms(tiny, swept, tmp_path):
    store = tmp_path / 'store'
    common = ['--dataset', 'synthdfer', '--data-root', str(tiny / 'synth'), '--suite', 'none',
              '--store', str(store), '--quiet', '--num-workers', '0']
    assert main(['robustness', '--model', 'plain=test_any_model:make_plain',
                 '--input-layout', 'NTCHW', '--frames', '6', '--size', '32',
                 '--mean', '0.45', '0.45', '0.4', '--std', '0.25', '0.25', '0.2',
                 '--value-range', '0', '1', '--classes', ','.join(PLAIN_CLASSES), '--priors',
                 *common]) == 0
    assert main(['robustness', '--model', f'ts={tiny / "x3d_s.pt"}', '--frames', '8',
                 '--size', '64', '--mean', '114.75', '--std', '57.375', *common]) == 0
    records = list(ResultsStore(store).records())
    assert sorted(r['key']['condition'] for r in records if r['key']['axis'] == 'prior') == [
        'reversed', 'train', 'uniform']
    cli_cells = {r['key']['model']: r for r in records if r['key']['axis'] == 'clean'}
    api_cells = _cells(tiny / 'store', 'plain')
    key = ('synthdfer', '1', 'clean', 'clean', 0, 0)
    assert cli_cells['plain']['predictions'] == api_cells[key]['predictions']
    assert cli_cells['ts']['predictions'] == _cells(tiny / 'store', 'x3d_s')[key]['predictions']
    assert cli_cells['ts']['meta']['checkpoint'] == str(tiny / 'x3d_s.pt')


class _Flat(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(1, 2, 3, 4))


class _Six(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)[:, :6]


@pytest.mark.parametrize('model, spec, classes, message', [
    (_Flat(), PLAIN_INPUT, None, r'returned shape \(\d+,\); expected logits'),
    (_Six(), PLAIN_INPUT, None, 'returned 6 classes .* expected 7'),
    (PlainNet(), hdf_bench.InputSpec('NCTHW', frames=6, size=32), None,
     r'rejected a float tensor of shape \(\d+, 3, 6, 32, 32\) \(NCTHW\).*PlainNet takes'),
])
def test_clear_errors(synth, model, spec, classes, message):
    target = outside_target(model, 'bad', 'synthdfer', synth / 'synth', 1, spec, classes)
    with pytest.raises(ValueError, match=message):
        predict_pipeline(target, target.pipeline, batch_size=4)


def test_bad_class_mapping_and_input_spec(synth, tmp_path):
    with pytest.raises(ValueError, match='exactly once'):
        outside_target(PlainNet(), 'bad', 'synthdfer', synth / 'synth', 1, PLAIN_INPUT,
                       classes=PLAIN_CLASSES[:6] + [PLAIN_CLASSES[0]])
    with pytest.raises(ValueError, match='unknown class'):
        outside_target(PlainNet(), 'bad', 'synthdfer', synth / 'synth', 1, PLAIN_INPUT,
                       classes=['joy'] + PLAIN_CLASSES[1:])
    with pytest.raises(ValueError, match='layout'):
        hdf_bench.InputSpec('NHWC')
    (tmp_path / 'junk.pt').write_bytes(b'not a model')
    with pytest.raises(ValueError, match='neither TorchScript'):
        hdf_bench.benchmark(tmp_path / 'junk.pt', data_root=synth / 'synth',
                            dataset='synthdfer', suite=[], store=tmp_path / 'store')
    with pytest.raises(ValueError, match='cannot import'):
        hdf_bench.benchmark('no_such_module:make', data_root=synth / 'synth',
                            dataset='synthdfer', suite=[], store=tmp_path / 'store')


def test_docs_example_runs(synth, tmp_path):
    """The Python example of docs/ANY_MODEL.md, on the tiny set (clean only, small clips)."""
    text = (Path(__file__).resolve().parents[1] / 'docs' / 'ANY_MODEL.md').read_text()
    code = re.search(r'```python\n(.*?)```', text, flags=re.DOTALL).group(1)
    for old, new in (("'data/synthdfer'", repr(str(synth / 'synth'))),
                     ("suite='quick'", 'suite=[]'), ('frames=16, size=112', 'frames=6, size=32'),
                     ("store='results'", f"store={str(tmp_path / 'store')!r}")):
        assert old in code, old
        code = code.replace(old, new)
    exec(compile(code, 'docs/ANY_MODEL.md', 'exec'), {})
    keys = {(r['key']['model'], r['key']['axis'], r['key']['condition'])
            for r in ResultsStore(tmp_path / 'store').records()}
    assert keys == {('tiny_video_net', 'clean', 'clean'), ('tiny_video_net', 'prior', 'uniform'),
                    ('tiny_video_net', 'prior', 'train'),
                    ('tiny_video_net', 'prior', 'reversed')}


@pytest.mark.slow
def test_torch_export_file(synth, tmp_path):
    """A torch.export program (dynamic batch) read from its file predicts as the module does."""
    model = PlainNet().eval()
    batch = torch.export.Dim('batch', min=1, max=64)
    program = torch.export.export(model, (torch.randn(2, 6, 3, 32, 32),),
                                  dynamic_shapes=({0: batch},))
    torch.export.save(program, tmp_path / 'plain.pt2')
    frame = hdf_bench.benchmark(tmp_path / 'plain.pt2', data_root=synth / 'synth',
                                dataset='synthdfer', suite=[], input=PLAIN_INPUT,
                                classes=PLAIN_CLASSES, store=tmp_path / 'store', name='exported')
    target = outside_target(model, 'module', 'synthdfer', synth / 'synth', 1, PLAIN_INPUT,
                            PLAIN_CLASSES)
    preds = predict_pipeline(target, target.pipeline, batch_size=8)
    cells = _cells(tmp_path / 'store', 'exported')
    assert list(frame['model']) == ['exported']
    assert cells[('synthdfer', '1', 'clean', 'clean', 0, 0)]['predictions']['preds'] == preds
    assert cells[('synthdfer', '1', 'clean', 'clean', 0, 0)]['meta']['checkpoint'] == str(
        tmp_path / 'plain.pt2')
