"""Exports of the DFEW, FERV39k and MAFW layout fixtures read back through the data set's own
reader, for every corruption and severity, with exactly the corrupted pixels."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hdf_bench.corrupted_sets import export_set, read_test_split, verify_export
from hdf_bench.corruptions import corrupt, load_suite
from hdf_bench.corruptions.whole_clip import decode_frames
from hdf_bench.data import DFEWDataset, FERV39kDataset, MAFWDataset

SMALL = """
corruptions = ['gaussian_noise', 'pixelate', 'jumble']
severities = [2, 5]
"""


def _check_units(out, source_root, reader, **reader_kwargs):
    """Every unit reads back through ``reader`` with the source's clips, frame counts and the
    corrupted pixels; returns the number of units checked."""
    assert verify_export(out) == []
    source = reader(data_root=str(source_root), pipeline=[], split='test', **reader_kwargs)
    source_infos = [source.get_data_info(i) for i in range(len(source))]
    units = json.loads((out / 'manifest.json').read_text())['units']
    for unit in units:
        exported = reader(data_root=str(out / unit['dir']), pipeline=[], split='test',
                          check_frames='decode', **reader_kwargs)
        assert len(exported) == len(source_infos)
        for i, src in enumerate(source_infos):
            info = exported.get_data_info(i)
            assert (info['clip_id'], info['label'], info['total_frames'], info['offset']) == (
                src['clip_id'], src['label'], src['total_frames'], src['offset'])
            assert info['filename_tmpl'] == src['filename_tmpl'].rsplit('.', 1)[0] + '.png'
            clean = decode_frames(src['frame_dir'], src['filename_tmpl'], src['offset'],
                                  src['total_frames'])
            expected = corrupt(clean, unit['corruption'], unit['severity'], unit['seed'],
                               clip_id=src['clip_id'])
            got = decode_frames(info['frame_dir'], info['filename_tmpl'], info['offset'],
                                info['total_frames'])
            assert np.array_equal(got, expected), (unit['dir'], src['clip_id'])
    return len(units)


def test_dfew_export_reads_back_for_every_corruption_and_severity(make_dfew, tmp_path):
    spelling = 'single_labeled'  # the split folder is copied as spelt in the source
    root = make_dfew(spelling)
    suite = load_suite('quick')
    export_set('dfew', root, tmp_path / 'DFEW-C', 'quick', fold=1, quiet=True)
    assert _check_units(tmp_path / 'DFEW-C', root, DFEWDataset, fold=1) == len(suite)
    csv = f'EmoLabel_DataSplit/test({spelling})/set_1.csv'
    assert (tmp_path / 'DFEW-C' / 'h264' / '5' / csv).read_bytes() == (root / csv).read_bytes()
    assert not (tmp_path / 'DFEW-C' / 'h264' / '5' / 'EmoLabel_DataSplit' /
                f'train({spelling})').exists()  # the test split only


def test_dfew_16f_variant(make_dfew, tmp_path):
    root = make_dfew()
    out = tmp_path / 'DFEW-C-16f'
    (tmp_path / 'small.py').write_text(SMALL)
    manifest = export_set('dfew', root, out, tmp_path / 'small.py', variant='clip_224x224_16f',
                          quiet=True)
    assert manifest['reader'] == dict(type='DFEWDataset', variant='clip_224x224_16f')
    assert sorted(p.name for p in (out / 'jumble' / '5' / 'Clip' / 'clip_224x224_16f' /
                                   '00004').iterdir()) == sorted(f'{t}.png' for t in range(1, 17))
    assert _check_units(out, root, DFEWDataset, fold=1, variant='clip_224x224_16f') == 6


def test_ferv39k_and_mafw_exports_read_back(make_ferv39k, make_mafw, tmp_path):
    (tmp_path / 'small.py').write_text(SMALL)
    ferv = make_ferv39k()
    export_set('ferv39k', ferv, tmp_path / 'FERV39k-C', tmp_path / 'small.py', quiet=True)
    assert _check_units(tmp_path / 'FERV39k-C', ferv, FERV39kDataset) == 6
    listed = tmp_path / 'FERV39k-C' / 'pixelate' / '2' / '4_setups' / 'All_scenes' / 'test_All.csv'
    assert listed.read_text() == 'Action/Fear/0100 Fear\n'
    mafw = make_mafw('faces')
    manifest = export_set('mafw', mafw, tmp_path / 'MAFW-C', tmp_path / 'small.py', quiet=True)
    assert manifest['reader'] == dict(type='MAFWDataset', frames='faces')
    assert _check_units(tmp_path / 'MAFW-C', mafw, MAFWDataset, fold=1) == 6


def test_split_options_are_checked(make_dfew, make_ferv39k):
    with pytest.raises(ValueError, match='ferv39k has no folds'):
        read_test_split('ferv39k', make_ferv39k(), fold=1)
    with pytest.raises(ValueError, match='--frames is a MAFW option'):
        read_test_split('dfew', make_dfew(), frames='faces')
    with pytest.raises(ValueError, match='--dataset must be one of'):
        read_test_split('kinetics', make_dfew())
