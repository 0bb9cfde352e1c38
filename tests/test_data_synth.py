"""SynthDFER generator: exact DFEW layout, folds, determinism, CLI."""
from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

from hdf_bench.data.classes import CLASSES
from hdf_bench.data.synth import MANIFEST, SynthConfig, class_counts, generate_synthdfer
from hdf_bench.data.synth.expression import AU as AU_INDEX


def _read_csv(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_layout_is_dfews(synth_root):
    manifest = json.loads((synth_root / MANIFEST).read_text())
    assert sorted(p.name for p in synth_root.iterdir()) == ['Clip', 'EmoLabel_DataSplit',
                                                            'Landmarks', MANIFEST]
    assert manifest['num_clips'] == 21 and manifest['image_size'] == [64, 64]
    full = synth_root / 'Clip' / 'clip_224x224'
    short = synth_root / 'Clip' / 'clip_224x224_16f'
    assert sorted(p.name for p in full.iterdir()) == sorted(manifest['clips'])
    for cid, info in manifest['clips'].items():
        assert re.fullmatch(r'\d{5}', cid)
        names = sorted(p.name for p in (full / cid).iterdir())
        assert names == [f'{cid}_{t:05d}.jpg' for t in range(1, info['frames'] + 1)]
        assert sorted(p.name for p in (short / cid).iterdir()) == sorted(
            f'{n}.jpg' for n in range(1, 17))
    assert min(c['frames'] for c in manifest['clips'].values()) < 16  # short clips exist
    assert sum(manifest['class_counts'].values()) == 21
    assert list(manifest['class_counts']) == list(CLASSES)


def test_splits_are_identity_disjoint_folds(synth_root):
    manifest = json.loads((synth_root / MANIFEST).read_text())
    clips = manifest['clips']
    tested = []
    for k in range(1, 6):
        header, train = _read_csv(synth_root / 'EmoLabel_DataSplit' / 'train(single-labeled)'
                                  / f'set_{k}.csv')
        _, test = _read_csv(synth_root / 'EmoLabel_DataSplit' / 'test(single-labeled)'
                            / f'set_{k}.csv')
        assert header == ['video_name', 'label']
        ids_train = {clips[v]['identity'] for v, _ in train}
        ids_test = {clips[v]['identity'] for v, _ in test}
        assert not ids_train & ids_test
        assert len(train) + len(test) == len(clips)
        for video, label in train + test:
            assert re.fullmatch(r'\d{5}', video)
            assert int(label) == clips[video]['label'] + 1  # 1-based on disk
        tested += [v for v, _ in test]
    assert sorted(tested) == sorted(clips)  # test folds partition the set


def test_same_seed_gives_byte_identical_files(tmp_path):
    cfg = SynthConfig(identities=5, clips_per_identity=2, size=48, min_frames=4, max_frames=18,
                      short_fraction=0.5, seed=3)
    a = tmp_path / 'a'
    b = tmp_path / 'b'
    generate_synthdfer(a, cfg)
    generate_synthdfer(b, cfg, workers=2)
    files_a = sorted(p.relative_to(a) for p in a.rglob('*') if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob('*') if p.is_file())
    assert files_a == files_b
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    c = tmp_path / 'c'
    generate_synthdfer(c, SynthConfig(**{**cfg.__dict__, 'seed': 4}))
    first = files_a[[f.suffix for f in files_a].index('.jpg')]
    assert (a / first).read_bytes() != (c / first).read_bytes()


def test_class_counts():
    counts = class_counts(1000, 'dfew')
    assert sum(counts) == 1000 and min(counts) >= 5
    assert counts[CLASSES.index('disgust')] < counts[CLASSES.index('fear')] < counts[0]
    assert class_counts(21, 'balanced') == [3] * 7
    assert min(class_counts(21, 'dfew', min_per_class=2)) == 2


def test_existing_output_is_refused_and_replaced_only_on_request(tmp_path):
    out = tmp_path / 'set'
    out.mkdir()
    (out / 'keep.txt').write_text('x')
    cfg = SynthConfig(identities=5, clips_per_identity=1, size=32, min_frames=2, max_frames=3)
    with pytest.raises(FileExistsError, match='no SynthDFER manifest'):
        generate_synthdfer(out, cfg, overwrite=True)
    (out / 'keep.txt').unlink()
    generate_synthdfer(out, cfg)
    (out / 'extra.txt').write_text('x')
    with pytest.raises(FileExistsError, match='already holds a SynthDFER set'):
        generate_synthdfer(out, cfg)
    generate_synthdfer(out, cfg, overwrite=True)
    assert not (out / 'extra.txt').exists() and (out / MANIFEST).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['set']  # no build folder left


@pytest.mark.parametrize('field, value', [('identities', 4), ('size', 8),
                                          ('proportions', 'zipf'), ('min_frames', 0),
                                          ('nuisance', 1.5), ('ambiguity', -0.1),
                                          ('expression_gain', 0), ('apex_scale', 5)])
def test_bad_config(tmp_path, field, value):
    with pytest.raises(ValueError, match=field):
        generate_synthdfer(tmp_path / 'x', SynthConfig(**{field: value}))


def test_cli(tmp_path, capsys):
    from hdf_bench.cli.main import main
    out = tmp_path / 'cli'
    args = ['synth', '--out', str(out), '--identities', '5', '--clips-per-identity', '1',
            '--size', '32', '--min-frames', '3', '--max-frames', '5', '--proportions',
            'balanced']
    assert main(args) == 0
    assert json.loads((out / MANIFEST).read_text())['num_clips'] == 5
    assert main(args) == 2  # exists: clear error, no traceback
    assert 'already holds a SynthDFER set' in capsys.readouterr().err



def test_style_knobs_change_only_what_they_name():
    from hdf_bench.data.synth.expression import Style, plan_clip
    from hdf_bench.data.synth.render import identity_for

    happy = CLASSES.index('happy')

    def tracks(style, index=3, label=happy):
        rng = np.random.default_rng(np.random.SeedSequence([0, 1, index]))
        return plan_clip(rng, label, 24, identity_for(0, 1), style)

    base = tracks(Style())
    calm = tracks(Style(nuisance=0.0))
    assert calm.noise == 0 and calm.blur == 0 and calm.light[1] == 0
    assert np.allclose(calm.pose[:, :5], 0) and np.allclose(calm.gain, 1)
    assert calm.talk.max() == 0
    strong = tracks(Style(expression_gain=1.5))
    smile = AU_INDEX[12]
    assert strong.au[:, smile].max() > base.au[:, smile].max()
    assert base.noise == tracks(Style(expression_gain=1.5)).noise  # other tracks unchanged


def test_demo_preset_and_cli_preset(tmp_path):
    from hdf_bench.cli.main import main
    from hdf_bench.data.synth.writer import synth_preset
    cfg = synth_preset('demo', identities=5)
    assert cfg.proportions == 'balanced' and cfg.nuisance < 1 and cfg.identities == 5
    with pytest.raises(ValueError, match='unknown SynthDFER preset'):
        synth_preset('nope')
    out = tmp_path / 'demo'
    assert main(['synth', '--preset', 'demo', '--out', str(out), '--identities', '5',
                 '--clips-per-identity', '2', '--size', '32']) == 0
    written = json.loads((out / MANIFEST).read_text())['config']
    assert written == {**synth_preset('demo').__dict__, 'identities': 5,
                       'clips_per_identity': 2, 'size': 32}


def test_default_style_renders_the_same_pixels_as_before_the_knobs():
    """sha1 of 7 clips rendered by the renderer before the Style knobs existed."""
    import hashlib

    from hdf_bench.data.synth.render import render_clip
    digest = hashlib.sha1()
    for label in range(7):
        for frame in render_clip(0, label, label % 3, label, 20, 48):
            digest.update(np.ascontiguousarray(frame).tobytes())
    assert digest.hexdigest() == '17f4d0dbb4ec6c1fb8b9cb8198250bd9b78a5562'
