"""DSM loss against explicit loops, edge cases, the released objective against a hand-written
reference of its formula, gradient-driven scaling and its optional normalisation."""
import math

import pytest
import torch

from hdf_bench.models.dsm import DSMLoss

K = 3  # classes in the toy batches


def hand_ce(logits, labels, eps=0.1):
    """Label-smoothed cross-entropy with explicit loops."""
    ce = 0.0
    for row, y in zip(logits.tolist(), labels.tolist(), strict=True):
        lse = math.log(sum(math.exp(v) for v in row))
        logp = [v - lse for v in row]
        ce += -(1 - eps) * logp[y] - eps / K * sum(logp)
    return ce / len(labels)


def hand_dsm(logits, emb, labels, g, variant='paper', tau=0.07, eta=0.2, alpha=10.0,
             beta=0.1, ib_weight=1.0, eps=0.1, weight_on='cosine', ib_divisor='n'):
    """The figure's DSM objective with explicit python loops (float64 via math)."""
    logits, emb, labels = logits.tolist(), emb.tolist(), labels.tolist()
    b, d = len(emb), len(emb[0])
    z = []
    for e in emb:
        norm = math.sqrt(sum(v * v for v in e))
        z.append([v / norm for v in e])
    ce = hand_ce(torch.tensor(logits), torch.tensor(labels), eps)
    s = [[sum(z[i][k] * z[j][k] for k in range(d)) / tau for j in range(b)] for i in range(b)]
    r = s if weight_on == 'logits' else [[v * tau for v in row] for row in s]
    w = [[math.exp(-(r[i][j] - eta) ** 2 / (2 * eta ** 2)) for j in range(b)] for i in range(b)]
    terms = []
    for i in range(b):
        pos = [p for p in range(b) if p != i and labels[p] == labels[i]]
        if not pos:
            continue
        den = sum(w[i][a] * math.exp(s[i][a]) for a in range(b) if a != i)
        terms.append(-sum(math.log(math.exp(s[i][p]) / den) for p in pos) / len(pos))
    dsc = sum(terms) / len(terms) if terms else 0.0
    ib = 0.0
    for k in range(d):
        mean = sum(z[i][k] for i in range(b)) / b
        ib += sum((z[i][k] - mean) ** 2 for i in range(b)) / (b if ib_divisor == 'n' else b - 1)
    lam_ce, lam_sc = alpha * g / (g + 1), beta / (g + 1)
    return dict(loss_ce=lam_ce * ce, loss_dsc=lam_sc * dsc,
                loss_ib=lam_sc * ib_weight * ib, lambda_ce=lam_ce, lambda_sc=lam_sc)


def hand_released(logits, emb, labels, tau=0.07, eta=0.2):
    """The released objective, from its formula: 10 CE + 0.1 (L_SC - 0.5 tr(cov(Z) + 1e-6 I)),
    with max-shifted logits, Gaussian weights on them normalised per row over all pairs (self
    included), a log-softmax over all pairs (self included) and the mean over ALL anchors."""
    ce = hand_ce(logits, labels)
    emb, labels = emb.tolist(), labels.tolist()
    b, d = len(emb), len(emb[0])
    z = [[v / math.sqrt(sum(u * u for u in e)) for v in e] for e in emb]
    sc = 0.0
    for i in range(b):
        row = [sum(z[i][k] * z[j][k] for k in range(d)) / tau for j in range(b)]
        top = max(row)
        row = [v - top for v in row]
        w = [math.exp(-0.5 * ((v - eta) / eta) ** 2) for v in row]
        w = [v / max(sum(w), 1e-8) for v in w]
        log_den = math.log(max(sum(math.exp(v) for v in row), 1e-8))
        pos = [j for j in range(b) if j != i and labels[j] == labels[i]]
        sc += -sum(w[j] * (row[j] - log_den) for j in pos) / max(len(pos), 1e-8)
    sc /= b
    ib = 1e-6 * d
    for k in range(d):
        mean = sum(z[i][k] for i in range(b)) / b
        ib += sum((z[i][k] - mean) ** 2 for i in range(b)) / (b - 1)
    return dict(loss_ce=10 * ce, loss_dsc=0.1 * sc, loss_ib=-0.1 * 0.5 * ib,
                lambda_ce=10.0, lambda_sc=0.1)


def toy_batch(b=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    # near-orthogonal embeddings keep s close to eta, where the weights are not negligible
    emb = torch.eye(b, 6, dtype=torch.float64) + 0.1 * torch.randn(b, 6, generator=gen,
                                                                    dtype=torch.float64)
    logits = torch.randn(b, K, generator=gen, dtype=torch.float64)
    labels = torch.tensor([0, 0, 1, 1, 2][:b])  # class 2 has one sample: its anchor is skipped
    return logits, emb, labels


def check(out, ref):
    for key, value in ref.items():
        assert out[key].item() == pytest.approx(value, rel=1e-6, abs=1e-9), key


@pytest.mark.parametrize('weight_on', ['logits', 'cosine'])
@pytest.mark.parametrize('ib_correction, divisor', [(0, 'n'), (1, 'n-1')])
def test_matches_hand_computation(weight_on, ib_correction, divisor):
    logits, emb, labels = toy_batch()
    loss = DSMLoss(weight_on=weight_on, ib_correction=ib_correction)
    loss.set_grad_norm(0.7)
    check(loss(logits, emb, labels), hand_dsm(logits, emb, labels, 0.7, weight_on=weight_on,
                                              ib_divisor=divisor))


@pytest.mark.parametrize('seed', [0, 1])
def test_released_variant_matches_the_released_formula(seed):
    logits, emb, labels = toy_batch(seed=seed)
    loss = DSMLoss(variant='released')
    loss.set_grad_norm(3.0)  # ignored: fixed lambdas
    check(loss(logits, emb, labels), hand_released(logits, emb, labels))
    # random unit vectors: the self pair takes all the weight, the contrastive term is ~0
    gen = torch.Generator().manual_seed(seed)
    out = loss(torch.zeros(16, K), torch.randn(16, 64, generator=gen), torch.arange(16) % K)
    assert abs(out['dsm_dsc'].item()) < 1e-6 and out['dsm_ib'].item() > 0.5


def test_raw_terms_are_logged_beside_the_weighted_parts():
    logits, emb, labels = toy_batch()
    loss = DSMLoss()
    loss.set_grad_norm(2.0)
    out = loss(logits, emb, labels)
    lam_ce, lam_sc = out['lambda_ce'], out['lambda_sc']
    assert out['loss_ce'].item() == pytest.approx((lam_ce * out['dsm_ce']).item())
    assert out['loss_dsc'].item() == pytest.approx((lam_sc * out['dsm_dsc']).item())
    assert out['loss_ib'].item() == pytest.approx((lam_sc * out['dsm_ib']).item())
    assert not any(out[k].requires_grad for k in ('dsm_ce', 'dsm_dsc', 'dsm_ib'))


def test_grad_norm_can_be_normalised_by_the_number_of_weights():
    loss = DSMLoss(grad_norm_scale='sqrt_params')
    loss.set_grad_norm(25.0, num_params=2_500_000)
    assert loss.grad_norm.item() == pytest.approx(25.0 / 1581.1388)
    lam_ce, lam_sc = loss.lambdas()
    assert lam_sc.item() > 0.09 and lam_ce.item() < 0.2  # vs 0.004 and 9.6 at g = 25
    with pytest.raises(ValueError, match='num_params'):
        loss.set_grad_norm(25.0)


def test_loss_parts_are_logged_and_summable():
    logits, emb, labels = toy_batch()
    out = DSMLoss()(logits, emb, labels)
    assert {'loss_ce', 'loss_dsc', 'loss_ib', 'lambda_ce', 'lambda_sc', 'dsm_grad_norm'} <= set(out)
    assert not any('loss' in k for k in ('lambda_ce', 'lambda_sc', 'dsm_grad_norm'))


@pytest.mark.parametrize('labels', [[0, 1, 2, 3], [0, 0, 1, 2], [5]])
def test_no_nan_without_positives_or_with_singletons(labels):
    b = len(labels)
    logits = torch.randn(b, 7, requires_grad=True)
    emb = torch.randn(b, 16, requires_grad=True)
    out = DSMLoss()(logits, emb, torch.tensor(labels))
    total = out['loss_ce'] + out['loss_dsc'] + out['loss_ib']
    total.backward()
    assert torch.isfinite(total)
    assert torch.isfinite(logits.grad).all() and torch.isfinite(emb.grad).all()
    if len(set(labels)) == b:
        assert out['loss_dsc'].item() == 0
    if b == 1:
        assert out['loss_ib'].item() == 0


def test_far_pairs_do_not_underflow_to_nan():
    # identical embeddings: s = 1 / tau, w ~ exp(-2485): 0 in float32, finite in the log domain
    emb = torch.ones(4, 8, requires_grad=True)
    out = DSMLoss()(torch.zeros(4, 7), emb, torch.tensor([0, 0, 1, 1]))
    assert torch.isfinite(out['loss_dsc'])
    out['loss_dsc'].backward()
    assert torch.isfinite(emb.grad).all()


def test_released_variant_differs_as_specified():
    logits, emb, labels = toy_batch()
    paper, released = DSMLoss(ib_correction=1), DSMLoss(variant='released')
    for m in (paper, released):
        m.set_grad_norm(3.0)
    p, r = paper(logits, emb, labels), released(logits, emb, labels)
    # fixed lambdas whatever g, the IB term subtracted with weight 0.5, another contrastive term
    assert r['lambda_ce'].item() == 10.0 and r['lambda_sc'].item() == pytest.approx(0.1)
    assert p['lambda_ce'].item() == pytest.approx(7.5)
    assert r['loss_ib'].item() < 0 < p['loss_ib'].item()
    assert r['dsm_ib'].item() == pytest.approx(p['dsm_ib'].item() + 6e-6)  # + 1e-6 * D
    assert r['loss_ib'].item() == pytest.approx(-0.05 * r['dsm_ib'].item())
    assert r['dsm_dsc'].item() != pytest.approx(p['dsm_dsc'].item())
    # the released variant can still be asked for gradient scaling explicitly
    assert DSMLoss(variant='released', scaling='gradient').lambdas()[0].item() == 5.0


@pytest.mark.parametrize('g', [0.0, 0.25, 1.0, 9.0, 1e6])
def test_scaling_follows_the_gradient_norm(g):
    loss = DSMLoss()
    loss.set_grad_norm(torch.tensor(g))
    lam_ce, lam_sc = loss.lambdas()
    assert lam_ce.item() == pytest.approx(10 * g / (g + 1))
    assert lam_sc.item() == pytest.approx(0.1 / (g + 1))
    fixed = DSMLoss(scaling='fixed')
    fixed.set_grad_norm(g)
    assert [v.item() for v in fixed.lambdas()] == pytest.approx([10.0, 0.1])


def test_grad_norm_is_not_differentiated_and_is_saved():
    loss = DSMLoss()
    g = torch.tensor(2.0, requires_grad=True)
    loss.set_grad_norm(g * 1.0)
    assert not loss.grad_norm.requires_grad
    assert loss.state_dict()['grad_norm'].item() == 2.0


def test_rejects_unknown_options():
    with pytest.raises(ValueError, match='variant'):
        DSMLoss(variant='other')
    with pytest.raises(ValueError, match='scaling'):
        DSMLoss(scaling='adaptive')
