"""Long-tailed split files: own format, exact counts, determinism, manifest, bad input."""
import json
import re

import numpy as np
import pytest

from hdf_bench.data.classes import CLASSES, MAFW_CLASSES
from hdf_bench.imbalance.formats import parse_split_text, read_split, reference_pairs
from hdf_bench.imbalance.splits import make_longtail_split, manifest_path, read_manifest

COUNTS = [60, 45, 70, 50, 30, 6, 20]
FERV_NAMES = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear']
# MAFW's own spellings, in its README's order
MAFW_NAMES = ['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness', 'surprise',
              'contempt', 'anxiety', 'helplessness', 'disappointment']


def _labels(counts, seed=0):
    labels = np.repeat(np.arange(len(counts)), counts)
    np.random.default_rng(seed).shuffle(labels)
    return labels


def write_source(tmp_path, fmt):
    """A small source split in the official layout of ``fmt`` (with its quirks)."""
    if fmt == 'dfew':
        # ids as pandas would write them (unpadded) mixed with padded ones; CRLF line ends
        rows = [f'{i + 1 if i % 2 else str(i + 1).zfill(5)},{lab + 1}'
                for i, lab in enumerate(_labels(COUNTS))]
        text = '\r\n'.join(['video_name,label'] + rows) + '\r\n'
    elif fmt == 'ferv39k':
        scenes = ['Action', 'Daily', 'Crime']
        rows = [f'{scenes[i % 3]}/{FERV_NAMES[lab]}/{i:04d} {FERV_NAMES[lab]}'
                for i, lab in enumerate(_labels(COUNTS))]
        text = '\n'.join(rows) + '\n'
    else:
        counts = [20, 8, 6, 25, 18, 15, 12, 3, 9, 4, 5]
        rows = [f'{i + 1:05d}.mp4 {MAFW_NAMES[lab]}' for i, lab in enumerate(_labels(counts))]
        text = '\n'.join(rows) + '\n'
    path = tmp_path / f'src_{fmt}.txt'
    path.write_text(text)
    return path


LINE_RE = {
    'dfew': re.compile(r'^\d+,[1-7]$'),
    'ferv39k': re.compile(r'^\w+/[A-Z][a-z]+/\d{4} [A-Z][a-z]+$'),
    'mafw': re.compile(r'^\d{5}\.mp4 [a-z]+$'),
}


@pytest.mark.parametrize('fmt', ['dfew', 'ferv39k', 'mafw'])
@pytest.mark.parametrize('profile', ['exp', 'step', 'reverse'])
def test_written_split_rereads_with_exact_counts(tmp_path, fmt, profile):
    src = write_source(tmp_path, fmt)
    out = tmp_path / 'lt' / f'train_{profile}.txt'
    man = make_longtail_split(src, fmt, out, profile, 10, seed=3)
    split = read_split(out, fmt)
    assert split.class_counts().tolist() == man.chosen
    # the data set's own reader (hdf_bench.data) reads the same clips and counts
    pairs = reference_pairs(out, fmt)
    assert pairs == [(e.clip_id, e.label) for e in split.entries]
    ref_counts = np.bincount([lab for _, lab in pairs], minlength=len(split.classes))
    assert ref_counts.tolist() == man.chosen
    assert man.available == read_split(src, fmt).class_counts().tolist()
    assert man.num_clips == sum(man.chosen) == len(split.entries)
    assert min(man.chosen) >= 1
    lines = out.read_text().splitlines()
    if fmt == 'dfew':
        assert lines.pop(0) == 'video_name,label'
    assert all(LINE_RE[fmt].match(line) for line in lines), lines[:3]
    source_lines = [ln.strip() for ln in src.read_text().splitlines()]
    positions = [source_lines.index(line) for line in lines]
    assert positions == sorted(positions)  # a subset, ids spelled as in the source, same order
    assert read_manifest(manifest_path(out)) == man
    record = json.loads(manifest_path(out).read_text())
    assert record['profile'] == profile and record['rho'] == 10 and record['seed'] == 3
    assert record['source_split'] == str(src.resolve())
    assert record['condition'] == f'{profile}_rho10'


def test_dfew_labels_stay_one_based(tmp_path):
    src = write_source(tmp_path, 'dfew')
    out = tmp_path / 'lt.csv'
    make_longtail_split(src, 'dfew', out, 'exp', 1, seed=0)
    body = [line.split(',') for line in out.read_text().splitlines()[1:]]
    assert {int(lab) for _, lab in body} == set(range(1, 8))
    assert read_split(out, 'dfew').class_counts().tolist() == [6] * 7
    assert any(len(vid) == 5 for vid, _ in body) and any(len(vid) < 5 for vid, _ in body)


def test_determinism(tmp_path):
    src = write_source(tmp_path, 'ferv39k')
    a = make_longtail_split(src, 'ferv39k', tmp_path / 'a.txt', 'exp', 10, seed=7)
    b = make_longtail_split(src, 'ferv39k', tmp_path / 'b.txt', 'exp', 10, seed=7)
    c = make_longtail_split(src, 'ferv39k', tmp_path / 'c.txt', 'exp', 10, seed=8)
    assert (tmp_path / 'a.txt').read_bytes() == (tmp_path / 'b.txt').read_bytes()
    assert a.chosen == b.chosen == c.chosen
    assert (tmp_path / 'a.txt').read_text() != (tmp_path / 'c.txt').read_text()
    # rewriting the same path gives the same bytes and leaves no temp file behind
    make_longtail_split(src, 'ferv39k', tmp_path / 'a.txt', 'exp', 10, seed=7)
    assert (tmp_path / 'a.txt').read_bytes() == (tmp_path / 'b.txt').read_bytes()
    assert not list(tmp_path.glob('.*.tmp'))


def test_order_by_names(tmp_path):
    src = write_source(tmp_path, 'dfew')
    order = ['fear', 'disgust', 'surprise', 'sad', 'angry', 'happy', 'neutral']
    man = make_longtail_split(src, 'dfew', tmp_path / 'o.csv', 'exp', 6, seed=0, order=order)
    assert man.order == order
    assert man.chosen[CLASSES.index('fear')] == man.n_max == 8  # disgust (6 clips, rank 1) caps
    assert man.chosen[CLASSES.index('neutral')] == 1


@pytest.mark.parametrize('fmt, text, match', [
    ('dfew', 'name,label\n1,1\n', 'header'),
    ('dfew', 'video_name,label\n1,0\n', r':2: DFEW label must be an integer 1\.\.7'),
    ('dfew', 'video_name,label\n1,8\n', 'label'),
    ('dfew', 'video_name,label\nabc,1\n', 'is not a clip number'),
    ('dfew', 'video_name,label\n1,2\n00001,3\n', "'00001' is listed more than once"),
    ('dfew', '', 'empty DFEW split'),
    ('ferv39k', 'Action/Sad/0010 Sadness2\n', 'unknown emotion label'),
    ('ferv39k', 'Action/0010 Sad\n', r'<Scene>/<Class>/<id>'),
    ('mafw', '03747.mp4 anger extra\n', 'expected 2 space-separated fields'),
    ('mafw', '03747.mp4 joy\n', 'unknown emotion label'),
    ('csv', 'x\n', 'split format must be one of'),
])
def test_parser_errors(fmt, text, match):
    with pytest.raises(ValueError, match=match):
        parse_split_text(text, fmt, source='split.txt')


def test_writer_errors(tmp_path):
    src = write_source(tmp_path, 'mafw')
    with pytest.raises(ValueError, match='does not exist'):
        make_longtail_split(tmp_path / 'missing.txt', 'mafw', tmp_path / 'o.txt', 'exp', 10, 0)
    with pytest.raises(ValueError, match='overwrite the source'):
        make_longtail_split(src, 'mafw', src, 'exp', 10, 0)
    with pytest.raises(ValueError, match='seed'):
        make_longtail_split(src, 'mafw', tmp_path / 'o.txt', 'exp', 10, -1)
    with pytest.raises(ValueError, match='unknown emotion label'):
        make_longtail_split(src, 'mafw', tmp_path / 'o.txt', 'exp', 10, 0, order=['joy'])
    empty_class = tmp_path / 'one.txt'
    empty_class.write_text('00001.mp4 anger\n00002.mp4 fear\n')
    with pytest.raises(ValueError, match='no available clip'):
        make_longtail_split(empty_class, 'mafw', tmp_path / 'o.txt', 'exp', 10, 0)
    assert not (tmp_path / 'o.txt').exists()


@pytest.mark.parametrize('fmt', ['dfew', 'ferv39k', 'mafw'])
def test_parser_agrees_with_data_readers(tmp_path, fmt):
    src = write_source(tmp_path, fmt)
    split = read_split(src, fmt)
    assert [(e.clip_id, e.label) for e in split.entries] == reference_pairs(src, fmt)
    if fmt == 'mafw':
        assert split.classes == MAFW_CLASSES
        assert split.class_counts()[MAFW_CLASSES.index('happy')] == 25  # 'happiness' lines
