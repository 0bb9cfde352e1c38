"""The peers protocol: WAR and UAR maximised separately over per-epoch validation logs."""
import json

import pytest

from hdf_bench.evaluation.protocols import check_protocol, epoch_metrics, peers_scores


def _log(work_dir, stamp, rows):
    path = work_dir / stamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(r) for r in rows) + '\n')


def test_peers_maximises_war_and_uar_separately_over_epochs(tmp_path):
    _log(tmp_path, '20260101_000000', [
        {'loss': 2.0, 'lr': 0.1, 'step': 10},  # a training line: ignored
        {'dfer/war': 0.40, 'dfer/uar': 0.30, 'step': 1},
        {'dfer/war': 0.55, 'dfer/uar': 0.33, 'step': 2}])
    _log(tmp_path, '20260101_010000', [  # resumed: epoch 3 in a later log
        {'dfer/war': 0.50, 'dfer/uar': 0.41, 'step': 3}])
    assert sorted(epoch_metrics(tmp_path)) == [1, 2, 3]
    scores = peers_scores(tmp_path)
    assert scores == dict(war=0.55, war_epoch=2, uar=0.41, uar_epoch=3, epochs=3)


def test_peers_without_validation_logs_is_refused(tmp_path):
    _log(tmp_path, 'x', [{'loss': 1.0, 'step': 1}])
    with pytest.raises(ValueError, match='per-epoch validation'):
        peers_scores(tmp_path)
    with pytest.raises(ValueError, match='unknown evaluation protocol'):
        check_protocol('best')
