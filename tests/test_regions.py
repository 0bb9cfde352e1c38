"""Region reliance: maths on a results store, the AU ground truth, the report sections."""
import numpy as np
import pytest

from hdf_bench.data.classes import CLASSES
from hdf_bench.evaluation import regions
from hdf_bench.report import ReportSpec, build_report
from hdf_bench.results import CellKey, ResultsStore, read_frame

UPPER_CLASSES = ('sad', 'angry', 'surprise', 'fear')  # AU intensity mostly above the nose
OCCLUSIONS = {'upper': 'upper_face_occlusion', 'eyes': 'eye_occlusion',
              'lower': 'lower_face_occlusion'}


def recalls(model: str, region: str | None, fold: int) -> list[float]:
    """Clean recall 0.8 (+0.1 on fold 2); the hidden region costs the classes that need it."""
    out = []
    for name in CLASSES:
        value = 0.8 + 0.1 * (fold == 2)
        needs_upper = name in UPPER_CLASSES
        if model == 'contrary':
            needs_upper = not needs_upper
        if region == 'upper' and needs_upper or region == 'lower' and not needs_upper:
            value -= 0.5
        elif region is not None:
            value -= 0.1
        out.append(value)
    return out


def put(store: ResultsStore, model: str, region: str | None, fold: int, seed: int = 0) -> None:
    rec = recalls(model, region, fold)
    key = (CellKey(model, 'synthdfer', str(fold), 'clean', 'clean') if region is None else
           CellKey(model, 'synthdfer', str(fold), 'corruption', OCCLUSIONS[region], 5, seed))
    store.put(key, dict(war=float(np.mean(rec)), uar=float(np.mean(rec)), per_class_recall=rec),
              meta=dict(classes=list(CLASSES)))


@pytest.fixture
def store(tmp_path) -> ResultsStore:
    store = ResultsStore(tmp_path / 'results')
    for model in ('mouth_or_brows', 'contrary'):
        for fold in (1, 2):
            put(store, model, None, fold)
            for region in OCCLUSIONS:
                put(store, model, region, fold)
    # a severity-1 cell and another corruption must not enter the severity-5 comparison
    store.put(CellKey('contrary', 'synthdfer', '1', 'corruption', 'lower_face_occlusion', 1),
              dict(war=0.1, uar=0.1, per_class_recall=[0.0] * 7), meta=dict(classes=CLASSES))
    store.put(CellKey('contrary', 'synthdfer', '1', 'corruption', 'fog', 5),
              dict(war=0.1, uar=0.1, per_class_recall=[0.0] * 7), meta=dict(classes=CLASSES))
    return store


def test_reliance_is_clean_minus_occluded_recall(store):
    reliance = regions.region_reliance(read_frame(store))
    assert set(reliance['region']) == {'upper', 'eyes', 'lower'}
    row = reliance.set_index(['model', 'region', 'class']).loc[('mouth_or_brows', 'lower',
                                                                 'happy')]
    assert row['drop'] == pytest.approx(0.5) and row['clean'] == pytest.approx(0.85)
    assert row['folds'] == 2 and row['severity'] == 5
    heat = regions.heat_table(reliance)
    assert list(heat.columns) == ['model', 'dataset', 'class', 'upper', 'eyes', 'lower']
    assert len(heat) == 2 * len(CLASSES)


def test_au_ground_truth_and_agreement(store):
    truth = regions.au_region_shares()
    assert 'neutral' not in set(truth['class'])
    shares = truth.set_index('class')
    assert shares.loc['happy', 'lower'] == pytest.approx(1.3 / 2.1)
    assert shares.loc['sad', 'eyes'] == 0 and shares.loc['surprise', 'upper'] > 0.5
    assert (shares['upper'] >= shares['eyes']).all()  # the upper band contains the eyes band
    reliance = regions.region_reliance(read_frame(store))
    agree = regions.agreement(reliance).set_index('model')
    assert agree.loc['mouth_or_brows', 'half_agreement'] == 1.0
    assert agree.loc['contrary', 'half_agreement'] == 0.0
    assert agree.loc['mouth_or_brows', 'rank_corr'] > 0.5 > agree.loc['contrary', 'rank_corr']
    happy = dict((c, (r, g)) for c, r, g, _ in agree.loc['mouth_or_brows', 'per_class'])
    assert happy['happy'] == ('lower', 'lower')


def test_no_occlusion_cells_gives_an_empty_table(tmp_path):
    store = ResultsStore(tmp_path / 'r')
    put(store, 'm', None, 1)
    assert regions.region_reliance(store.frame()).empty
    assert regions.agreement(regions.region_reliance(store.frame())).empty


def test_report_sections(store):
    spec = ReportSpec(sections=['regions', 'gallery'], formats=['md'], reference='contrary')
    report = build_report(store.root, spec)
    names = {b.name for s in report.sections for b in s.blocks if hasattr(b, 'name')}
    assert {'region_reliance', 'region_truth', 'region_agreement', 'corruption_list',
            'corruption_gallery'} <= names
    gallery = next(b for s in report.sections for b in s.blocks
                   if getattr(b, 'name', '') == 'corruption_gallery')
    assert gallery.png.startswith(b'\x89PNG')
    listing = next(b for s in report.sections for b in s.blocks
                   if getattr(b, 'name', '') == 'corruption_list').data
    assert list(listing['corruption']) == ['fog', 'upper_face_occlusion', 'eye_occlusion',
                                           'lower_face_occlusion']
