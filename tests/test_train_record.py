"""A work dir's training record: refused when the config, split or schedule differ; kept when
only the checkout moved (same config content at another path)."""
import json

import pytest

from hdf_bench.engine.training import TRAIN_RECORD, _check_record, file_sha256


def _record(config, epochs=3, split_sha='s1'):
    return dict(config=str(config), config_sha256=file_sha256(config), split='train.txt',
                max_epochs=epochs, split_sha256=split_sha)


@pytest.fixture
def checkouts(tmp_path):
    """The same config in two checkouts, and an edited copy in a third."""
    text = "model = dict(type='HDF')\n"
    paths = []
    for name, body in (('a', text), ('b', text), ('c', text + 'lr = 0.1\n')):
        path = tmp_path / name / 'configs' / 'hdf_synthdfer_demo.py'
        path.parent.mkdir(parents=True)
        path.write_text(body)
        paths.append(path)
    return paths


def test_moved_checkout_keeps_its_work_dir(tmp_path, checkouts):
    a, b, _ = checkouts
    work = tmp_path / 'work'
    _check_record(work, _record(a))
    _check_record(work, _record(b))  # same content elsewhere: accepted
    assert json.loads((work / TRAIN_RECORD).read_text())['config'] == str(b)


@pytest.mark.parametrize('change, field', [
    (dict(epochs=4), 'max_epochs'), (dict(split_sha='s2'), 'split_sha256')])
def test_other_schedule_or_split_is_refused(tmp_path, checkouts, change, field):
    a = checkouts[0]
    work = tmp_path / 'work'
    _check_record(work, _record(a))
    with pytest.raises(ValueError, match=f'different {field}'):
        _check_record(work, _record(a, **change))


def test_edited_config_is_refused(tmp_path, checkouts):
    a, _, c = checkouts
    work = tmp_path / 'work'
    _check_record(work, _record(a))
    with pytest.raises(ValueError, match='different config'):
        _check_record(work, _record(c))


def test_record_without_hash(tmp_path, checkouts):
    """Older records name only the path: a moved, equal file is accepted, an edited one or
    another file name is refused, and a vanished path is matched by file name."""
    a, b, c = checkouts
    work = tmp_path / 'work'
    work.mkdir()
    (work / TRAIN_RECORD).write_text(json.dumps(dict(config=str(a), max_epochs=3,
                                                     split_sha256='s1')))
    _check_record(work, _record(b))
    (work / TRAIN_RECORD).write_text(json.dumps(dict(config=str(a), max_epochs=3,
                                                     split_sha256='s1')))
    with pytest.raises(ValueError, match='different config'):
        _check_record(work, _record(c))
    other = a.with_name('x3d_s_synthdfer_demo.py')
    other.write_text(a.read_text())
    with pytest.raises(ValueError, match='different config'):
        _check_record(work, _record(other))
    (work / TRAIN_RECORD).write_text(json.dumps(dict(config='/gone/hdf_synthdfer_demo.py',
                                                     max_epochs=3, split_sha256='s1')))
    _check_record(work, _record(c))
