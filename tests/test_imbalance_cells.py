"""Store cells of one evaluation on a long-tailed split."""
import numpy as np
import pytest

from hdf_bench.evaluation.dfer_metric import dfer_scores
from hdf_bench.evaluation.prior import prior_war, reversed_prior
from hdf_bench.imbalance.cells import put_imbalance_cells, put_prior_cells
from hdf_bench.imbalance.splits import make_longtail_split
from hdf_bench.results import ResultsStore


def write_dfew_source(tmp_path):
    labels = np.repeat(np.arange(7), [60, 45, 70, 50, 30, 6, 20])
    np.random.default_rng(0).shuffle(labels)
    path = tmp_path / 'train.csv'
    path.write_text('video_name,label\n' + ''.join(
        f'{i + 1},{lab + 1}\n' for i, lab in enumerate(labels)))
    return path


def _predictions():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(7), [120, 90, 150, 100, 60, 12, 35])
    acc = np.array([0.9, 0.7, 0.8, 0.6, 0.75, 0.2, 0.4])
    right = rng.random(labels.size) < acc[labels]
    preds = np.where(right, labels, (labels + rng.integers(1, 7, labels.size)) % 7)
    return [dict(sample_id=f'{i:05d}', label=int(y), pred=int(p), score=[0.0] * 7)
            for i, (y, p) in enumerate(zip(labels, preds, strict=True))]


def test_imbalance_and_prior_cells(tmp_path):
    man = make_longtail_split(write_dfew_source(tmp_path), 'dfew', tmp_path / 'lt.csv',
                              'exp', 10, seed=4)
    store = ResultsStore(tmp_path / 'store')
    preds = _predictions()
    keys = put_imbalance_cells(store, 'hdf', 'dfew', 1, preds, man,
                               extra_priors={'mostly_fear': {'fear': 3, 'happy': 1}})
    assert [k.axis for k in keys] == ['imbalance'] + ['prior'] * 4
    assert keys[0].condition == 'exp_rho10' and keys[0].seed == 4 and keys[0].fold == '1'
    assert [k.condition for k in keys[1:]] == [
        'exp_rho10/uniform', 'exp_rho10/train', 'exp_rho10/reversed', 'exp_rho10/mostly_fear']
    scores = dfer_scores([p['label'] for p in preds], [p['pred'] for p in preds])
    cell = store.get(keys[0])
    assert cell['meta']['train_class_counts'] == man.chosen
    assert cell['meta']['rho'] == 10 and cell['meta']['profile'] == 'exp'
    assert set(cell['metrics']['group_recall']) == {'head', 'medium', 'tail'}
    assert cell['metrics']['war'] == pytest.approx(scores['war'])
    assert cell['predictions']['sample_ids'][:2] == ['00000', '00001']
    uniform = store.get(keys[1])['metrics']
    assert uniform['war'] == pytest.approx(scores['uar'])
    assert uniform['war_test'] == pytest.approx(scores['war'])
    rev = store.get(keys[3])['metrics']
    assert rev['war'] == pytest.approx(
        prior_war(scores['per_class_recall'], reversed_prior(man.chosen)))
    fear = store.get(keys[4])['metrics']
    recall = scores['per_class_recall']
    assert fear['war'] == pytest.approx(0.75 * recall[6] + 0.25 * recall[0])
    frame = store.frame()
    assert len(frame) == 5 and set(frame['axis']) == {'imbalance', 'prior'}


def test_prior_cells_of_a_model_trained_on_the_full_split(tmp_path):
    store = ResultsStore(tmp_path)
    keys = put_prior_cells(store, 'hdf', 'dfew', '1', _predictions(),
                           [300, 200, 400, 250, 120, 10, 60], priors=('uniform', 'train'))
    assert [k.condition for k in keys] == ['uniform', 'train']
    assert store.get(keys[1])['meta']['train_condition'] == 'clean'


def test_cell_errors(tmp_path):
    store = ResultsStore(tmp_path)
    with pytest.raises(ValueError, match='one per class'):
        put_prior_cells(store, 'm', 'dfew', '1', _predictions(), [1, 2, 3])
    with pytest.raises(ValueError, match='lacks "label" or "pred"'):
        put_prior_cells(store, 'm', 'dfew', '1', [dict(label=1)], [1] * 7)
    with pytest.raises(ValueError, match='clashes'):
        put_prior_cells(store, 'm', 'dfew', '1', _predictions(), [1] * 7,
                        extra_priors={'uniform': [1] * 7})
