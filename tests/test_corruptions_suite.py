"""Suite files: the shipped suites load; bad files fail naming the file and the field."""
from pathlib import Path

import pytest

from hdf_bench.corruptions import CORRUPTIONS, GROUPS, load_suite, suite_names
from hdf_bench.corruptions.suite import SUITE_DIR, Suite


def test_shipped_suites():
    assert {'default', 'style', 'temporal', 'quick', 'face'} <= set(suite_names())
    default = load_suite('default')
    assert set(default.corruptions) == set(CORRUPTIONS) and default.severities == (1, 2, 3, 4, 5)
    assert set(load_suite('temporal').corruptions) == set(GROUPS['temporal'])
    assert load_suite('face').corruptions == GROUPS['face']
    assert not set(load_suite('style').corruptions) & set(GROUPS['temporal'])
    quick = load_suite('quick')
    assert len(quick) == len(quick.corruptions) * 3 <= 30 and quick.severities == (1, 3, 5)
    assert load_suite(SUITE_DIR / 'quick.py') == quick


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / 'mine.py'
    path.write_text(text)
    return path


def test_groups_expand_and_cells(tmp_path):
    suite = load_suite(write(tmp_path, "corruptions = ['noise', 'gaussian_noise', 'h264']\n"
                                       'seeds = [0, 1]\nper_frame = True\n'))
    assert isinstance(suite, Suite) and suite.name == 'mine' and suite.per_frame
    assert suite.corruptions == (*GROUPS['noise'], 'h264')
    cells = list(suite.cells())
    assert len(cells) == len(suite) == 5 * 5 * 2 and cells[0] == ('gaussian_noise', 1, 0)


@pytest.mark.parametrize('text, match', [
    ("corruptions = ['fogg']\n", "field 'corruptions': unknown name 'fogg'"),
    ("corruptions = []\n", "field 'corruptions'"),
    ("severities = [1]\n", "missing required field 'corruptions'"),
    ("corruptions = ['fog']\nseverities = [0, 6]\n", "field 'severities' has"),
    ("corruptions = ['fog']\nseeds = 'x'\n", "field 'seeds'"),
    ("corruptions = ['fog']\nper_frame = 1\n", "field 'per_frame'"),
    ("corruptions = ['fog']\nseverity = [1]\n", r"unknown field\(s\) \['severity'\]"),
    ('corruptions = [\n', 'cannot read suite file'),
])
def test_bad_suite_files_name_file_and_field(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match) as err:
        load_suite(path)
    assert str(path) in str(err.value)


def test_unknown_suite_name_lists_suites():
    with pytest.raises(ValueError, match='quick'):
        load_suite('no_such_suite')
    with pytest.raises(FileNotFoundError):
        load_suite('/nonexistent/suite.py')
