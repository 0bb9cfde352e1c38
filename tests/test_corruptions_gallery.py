"""``hdf-bench corruptions``: the corruption list and the gallery PNG."""
import cv2
import numpy as np
import pytest

from hdf_bench.cli.main import main
from hdf_bench.corruptions.gallery import corruption_list, is_strip


def test_cli_lists_the_suite_and_draws_the_gallery(tmp_path, capsys):
    suite = tmp_path / 'mini.py'
    suite.write_text("corruptions = ['gaussian_noise', 'eye_occlusion', 'frame_drop', "
                     "'moving_occluder']\n")
    out = tmp_path / 'fig' / 'gallery.png'
    assert main(['corruptions', '--suite', str(suite), '--gallery', str(out)]) == 0
    text = capsys.readouterr().out
    assert 'eye_occlusion' in text and 'face' in text and 'frame strip' in text
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] > 300 and image.shape[1] > 800
    assert image.std() > 20  # frames were drawn, not a blank canvas


def test_cli_clip_folder_and_bad_inputs(tmp_path, capsys):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for t in range(5):
        cv2.imwrite(str(frames / f'{t:03d}.jpg'), np.full((40, 30, 3), 40 * t, np.uint8))
    suite = tmp_path / 'one.py'
    suite.write_text("corruptions = ['low_resolution']\n")
    out = tmp_path / 'g.png'
    assert main(['corruptions', '--suite', str(suite), '--gallery', str(out),
                 '--clip', str(frames)]) == 0
    assert out.is_file()
    assert main(['corruptions', '--suite', 'no_such_suite']) == 2
    assert 'unknown suite' in capsys.readouterr().err
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert main(['corruptions', '--suite', str(suite), '--gallery', str(out),
                 '--clip', str(empty)]) == 2


def test_every_default_corruption_is_listed_with_its_group():
    from hdf_bench.corruptions import GROUPS, load_suite
    rows = corruption_list(load_suite('default').corruptions)
    assert {(n, g) for n, g, _ in rows} == {(n, g) for g, ns in GROUPS.items() for n in ns}
    assert is_strip('jumble') and is_strip('crop_jitter') and not is_strip('rotation')


@pytest.mark.slow
def test_gallery_of_the_default_suite(tmp_path):
    out = tmp_path / 'all.png'
    assert main(['corruptions', '--gallery', str(out)]) == 0
    assert cv2.imread(str(out)).shape[0] > 2000
