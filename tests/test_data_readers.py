"""DFEW / FERV39k / MAFW readers on fixtures that reproduce each layout's quirks."""
from __future__ import annotations

import os

import pytest
from conftest import write_frames

from hdf_bench.data import (
    CLASSES,
    MAFW_CLASSES,
    DFEWDataset,
    FERV39kDataset,
    FrameFolderError,
    MAFWDataset,
    scan_frames,
)
from hdf_bench.data.frames import numeric_key


def _infos(dataset):
    return {dataset.get_data_info(i)['clip_id']: dataset.get_data_info(i)
            for i in range(len(dataset))}


@pytest.mark.parametrize('spelling', ['single-labeled', 'single_labeled'])
def test_dfew_reads_both_spellings_and_int_video_names(make_dfew, spelling):
    root = make_dfew(spelling)
    infos = _infos(DFEWDataset(str(root), [], fold=1, split='train'))
    assert sorted(infos) == ['00001', '00002', '00003']
    one = infos['00001']
    assert one['frame_dir'] == os.path.join(str(root.absolute()), 'Clip', 'clip_224x224', '00001')
    assert (one['label'], one['total_frames']) == (CLASSES.index('happy'), 20)
    assert one['filename_tmpl'].format(one['offset']) == '00001_00001.jpg'
    assert infos['00002']['label'] == CLASSES.index('fear')  # 7 -> fear
    assert infos['00003']['total_frames'] == 11
    test = _infos(DFEWDataset(str(root), [], fold=1, split='test'))
    assert test['00004']['label'] == CLASSES.index('neutral')


def test_dfew_16f_unpadded_names_sort_numerically(make_dfew):
    root = make_dfew()
    info = _infos(DFEWDataset(str(root), [], split='train', variant='clip_224x224_16f'))['00002']
    assert (info['filename_tmpl'], info['offset'], info['total_frames']) == ('{}.jpg', 1, 16)
    assert sorted(['10.jpg', '2.jpg', '1.jpg'], key=numeric_key) == ['1.jpg', '2.jpg', '10.jpg']


def test_dfew_ann_file_override(make_dfew, tmp_path):
    root = make_dfew()
    csv = tmp_path / 'longtail.csv'
    csv.write_text('video_name,label\n4,5\n00001,1\n')
    infos = _infos(DFEWDataset(str(root), [], ann_file=str(csv)))
    assert {k: v['label'] for k, v in infos.items()} == {'00004': 4, '00001': 0}


def test_dfew_on_missing_skip_counts_and_error_names_the_folder(make_dfew, tmp_path):
    root = make_dfew()
    csv = tmp_path / 'extra.csv'
    csv.write_text('video_name,label\n1,1\n99,2\n')
    with pytest.raises(FileNotFoundError, match=r'00099.*does not exist.*on_missing'):
        DFEWDataset(str(root), [], ann_file=str(csv))
    dataset = DFEWDataset(str(root), [], ann_file=str(csv), on_missing='skip')
    assert len(dataset) == 1 and [cid for cid, _ in dataset.skipped] == ['00099']


@pytest.mark.parametrize('text, match', [
    ('video_name,label\n1,8\n', r'line 2: label .8. is not a DFEW label; expected 1\.\.7'),
    ('name,emotion\n1,1\n', 'expected "video_name,label"'),
    ('video_name,label\nabc,1\n', "video_name 'abc' is not a clip number"),
    ('video_name,label\n1,1\n00001,2\n', 'listed twice'),
])
def test_dfew_bad_csv(make_dfew, tmp_path, text, match):
    root = make_dfew()
    csv = tmp_path / 'bad.csv'
    csv.write_text(text)
    with pytest.raises(ValueError, match=match):
        DFEWDataset(str(root), [], ann_file=str(csv))


def test_dfew_missing_root_split_and_bad_args(make_dfew, tmp_path):
    with pytest.raises(FileNotFoundError, match='DFEW data_root .*nowhere'):
        DFEWDataset(str(tmp_path / 'nowhere'), [])
    root = make_dfew()
    with pytest.raises(FileNotFoundError, match=r'set_2\.csv'):
        DFEWDataset(str(root), [], fold=2)
    with pytest.raises(ValueError, match='fold must be 1..5'):
        DFEWDataset(str(root), [], fold=6)
    with pytest.raises(ValueError, match='variant'):
        DFEWDataset(str(root), [], variant='clip_112')
    with pytest.raises(ValueError, match='on_missing'):
        DFEWDataset(str(root), [], on_missing='ignore')


def test_frame_folder_errors(tmp_path):
    write_frames(tmp_path / 'gap', ['1.jpg', '2.jpg', '4.jpg'])
    with pytest.raises(FrameFolderError, match=r'gap: frame 3\.jpg is missing'):
        scan_frames(str(tmp_path / 'gap'))
    write_frames(tmp_path / 'empty_file', ['1.jpg'])
    (tmp_path / 'empty_file' / '2.jpg').write_bytes(b'')
    with pytest.raises(FrameFolderError, match=r'2\.jpg is empty'):
        scan_frames(str(tmp_path / 'empty_file'))
    (tmp_path / 'none').mkdir()
    with pytest.raises(FrameFolderError, match='holds no image'):
        scan_frames(str(tmp_path / 'none'))
    write_frames(tmp_path / 'mixed', ['01.jpg', '2.jpg', '003.jpg'])
    with pytest.raises(FrameFolderError, match='mixes zero-padded and unpadded'):
        scan_frames(str(tmp_path / 'mixed'))
    run = scan_frames(str(tmp_path / 'gap').replace('gap', 'empty_file'), check_sizes=False)
    assert run.total_frames == 2


def test_unreadable_frame_is_found_with_decode_check(make_dfew):
    root = make_dfew()
    (root / 'Clip' / 'clip_224x224' / '00002' / '00002_00005.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(FrameFolderError, match=r'00002_00005\.jpg cannot be decoded'):
        DFEWDataset(str(root), [], check_frames='decode')
    dataset = DFEWDataset(str(root), [], check_frames='decode', on_missing='skip')
    assert [cid for cid, _ in dataset.skipped] == ['00002']


def test_ferv39k(make_ferv39k):
    root = make_ferv39k()
    infos = _infos(FERV39kDataset(str(root), [], split='train'))
    assert sorted(infos) == ['Action/Sad/0010', 'Daily/Happy/0002']
    sad = infos['Action/Sad/0010']
    assert (sad['label'], sad['scene'], sad['total_frames']) == (CLASSES.index('sad'), 'Action', 12)
    assert sad['filename_tmpl'] == '{:04d}.jpg' and sad['offset'] == 1
    test = _infos(FERV39kDataset(str(root), [], split='test'))
    assert test['Action/Fear/0100']['label'] == CLASSES.index('fear')


def test_ferv39k_unknown_label(make_ferv39k):
    root = make_ferv39k()
    (root / '4_setups' / 'All_scenes' / 'test_All.csv').write_text('Action/Sad/0010 Bored\n')
    with pytest.raises(ValueError, match=r"test_All\.csv line 1: unknown emotion label 'Bored'"):
        FERV39kDataset(str(root), [], split='test')


def test_mafw_11_classes_and_basic_mapping(make_mafw):
    root = make_mafw()
    full = MAFWDataset(str(root), [], fold=1, split='train')
    labels = {k: v['label'] for k, v in _infos(full).items()}
    assert labels == {'03747': CLASSES.index('angry'), '00012': MAFW_CLASSES.index('contempt'),
                      '00100': CLASSES.index('happy'), '00007': MAFW_CLASSES.index('helplessness')}
    assert full.metainfo['classes'] == MAFW_CLASSES
    basic = MAFWDataset(str(root), [], fold=1, split='train', map_to_basic=True)
    assert sorted(_infos(basic)) == ['00100', '03747'] and basic.num_non_basic == 2
    assert basic.metainfo['classes'] == CLASSES


def test_mafw_faces_folder_and_missing_frames(make_mafw, tmp_path):
    root = make_mafw('faces')
    assert len(MAFWDataset(str(root), [], split='test')) == 1
    with pytest.raises(FileNotFoundError, match='data/frames'):
        MAFWDataset(str(root), [], frames='frames')


def test_relative_data_root_as_in_the_configs(synth_root, monkeypatch):
    """configs use data_root='data/synthdfer': relative to the working directory, once."""
    monkeypatch.chdir(synth_root.parent)
    dataset = DFEWDataset(data_root=synth_root.name, pipeline=[], fold=1, split='test')
    assert len(dataset) > 0
    assert os.path.isdir(dataset[0]['frame_dir'])
