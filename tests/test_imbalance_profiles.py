"""Long-tail profiles: exact counts up to the stated rounding (floor, min 1) and the cap."""
import math

import numpy as np
import pytest

from hdf_bench.imbalance.profiles import condition_name, plan_counts

DFEW_TRAIN = [1956, 1515, 2135, 1738, 1175, 116, 722]


def _check_exp(plan, rho):
    num = len(plan.available)
    avail = np.array(plan.available)
    for rank, cls in enumerate(plan.order):
        target = plan.n_max * rho ** (-rank / (num - 1))
        assert plan.counts[cls] == max(1, math.floor(target + 1e-9)), (rank, cls, target)
    # n_max is the largest integer whose unrounded targets fit: one more overflows a class.
    over = [(plan.n_max + 1) * rho ** (-r / (num - 1)) for r in range(num)]
    assert any(o > avail[c] for o, c in zip(over, plan.order, strict=True))
    assert all(c <= a for c, a in zip(plan.counts, plan.available, strict=True))


@pytest.mark.parametrize('rho', [1, 10, 50, 100])
def test_exp_counts_follow_formula(rho):
    plan = plan_counts(DFEW_TRAIN, 'exp', rho)
    assert plan.order == (2, 0, 3, 1, 4, 6, 5)  # descending by availability
    _check_exp(plan, rho)
    assert min(plan.counts) >= 1


def test_exp_hand_computed():
    plan = plan_counts([1000] * 7, 'exp', 10)
    assert plan.counts == (1000, 681, 464, 316, 215, 146, 100)
    assert plan_counts([1000] * 7, 'exp', 100).counts == (1000, 464, 215, 100, 46, 21, 10)


def test_rho_one_is_balanced_at_min_available():
    plan = plan_counts(DFEW_TRAIN, 'exp', 1)
    assert plan.counts == (116,) * 7
    assert plan_counts(DFEW_TRAIN, 'step', 1).counts == (116,) * 7
    assert plan_counts(DFEW_TRAIN, 'exp', 1, n_max=50).counts == (50,) * 7


def test_step_profile():
    plan = plan_counts([1000] * 7, 'step', 10)
    assert plan.counts == (1000, 1000, 1000, 1000, 100, 100, 100)
    plan = plan_counts(DFEW_TRAIN, 'step', 10)
    head = [plan.counts[c] for c in plan.order[:4]]
    tail = [plan.counts[c] for c in plan.order[4:]]
    assert head == [plan.n_max] * 4 and tail == [plan.n_max // 10] * 3
    assert plan.n_max == 1160  # disgust (tail, 116 clips) caps n_max at 116 * 10


def test_reverse_makes_head_rare():
    plan = plan_counts(DFEW_TRAIN, 'reverse', 10)
    assert plan.order == (5, 6, 4, 1, 3, 0, 2)  # ascending by availability
    _check_exp(plan, 10)
    assert plan.counts[5] == 116 and plan.counts[2] == math.floor(116 / 10)


def test_given_order_and_n_max_cap():
    order = [6, 5, 4, 3, 2, 1, 0]
    plan = plan_counts([1000] * 7, 'exp', 10, order=order, n_max=500)
    assert plan.order == tuple(order) and plan.n_max == 500
    assert plan.counts[6] == 500 and plan.counts[0] == 50
    # a requested n_max beyond availability is scaled down
    assert plan_counts([1000] * 7, 'exp', 10, n_max=10**6).n_max == 1000
    # reverse mirrors a given order
    assert plan_counts([1000] * 7, 'reverse', 10, order=order).order == tuple(order[::-1])


def test_never_empties_a_class():
    plan = plan_counts([5000, 3, 4000, 10, 2, 7, 1000], 'exp', 1e6)
    assert min(plan.counts) == 1
    assert all(c <= a for c, a in zip(plan.counts, plan.available, strict=True))
    assert plan_counts([50, 40, 30, 20, 10, 5, 1], 'step', 100).counts[6] == 1


def test_non_integer_rho_and_condition_names():
    plan = plan_counts([1000] * 7, 'exp', 2.5)
    _check_exp(plan, 2.5)
    assert condition_name('exp', 10.0) == 'exp_rho10'
    assert condition_name('step', 2.5) == 'step_rho2.5'


@pytest.mark.parametrize('kwargs, match', [
    (dict(rho=0.5), 'rho'),
    (dict(rho=float('nan')), 'rho'),
    (dict(rho='x'), 'rho'),
    (dict(profile='linear'), 'profile'),
    (dict(order=[0, 1, 2, 3, 4, 5, 5]), 'permutation'),
    (dict(order=[0, 1, 2]), 'permutation'),
    (dict(n_max=0), 'n_max'),
    (dict(available=[10, 0, 5, 5, 5, 5, 5]), r'classes \[1\] have no available clip'),
    (dict(available=[10]), '>= 2 classes'),
    (dict(available=[10.5, 3]), 'integers'),
])
def test_bad_inputs(kwargs, match):
    args = dict(available=[100] * 7, profile='exp', rho=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        plan_counts(**args)
