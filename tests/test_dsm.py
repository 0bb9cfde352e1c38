"""DSM loss against explicit loops, edge cases, the released variant, gradient-driven scaling."""
import math

import pytest
import torch

from hdf_bench.models.dsm import DSMLoss

K = 3  # classes in the toy batches


def hand_dsm(logits, emb, labels, g, variant='paper', tau=0.07, eta=0.2, alpha=10.0,
             beta=0.1, ib_weight=1.0, eps=0.1, weight_on='cosine'):
    """The DSM objective with explicit python loops (float64 via math)."""
    logits, emb, labels = logits.tolist(), emb.tolist(), labels.tolist()
    b, d = len(emb), len(emb[0])
    z = []
    for e in emb:
        norm = math.sqrt(sum(v * v for v in e))
        z.append([v / norm for v in e])
    # cross-entropy with label smoothing
    ce = 0.0
    for row, y in zip(logits, labels, strict=True):
        lse = math.log(sum(math.exp(v) for v in row))
        logp = [v - lse for v in row]
        ce += -(1 - eps) * logp[y] - eps / K * sum(logp)
    ce /= b
    s = [[sum(z[i][k] * z[j][k] for k in range(d)) / tau for j in range(b)] for i in range(b)]
    r = s if weight_on == 'logits' else [[v * tau for v in row] for row in s]
    w = [[math.exp(-(r[i][j] - eta) ** 2 / (2 * eta ** 2)) for j in range(b)] for i in range(b)]
    terms = []
    for i in range(b):
        pos = [p for p in range(b) if p != i and labels[p] == labels[i]]
        if not pos:
            continue
        if variant == 'paper':
            den = sum(w[i][a] * math.exp(s[i][a]) for a in range(b) if a != i)
            terms.append(-sum(math.log(math.exp(s[i][p]) / den) for p in pos) / len(pos))
        else:
            den = sum(math.exp(s[i][a]) for a in range(b) if a != i)
            terms.append(-sum(w[i][p] * math.log(math.exp(s[i][p]) / den) for p in pos)
                         / len(pos))
    dsc = sum(terms) / len(terms) if terms else 0.0
    ib = 0.0
    for k in range(d):
        mean = sum(z[i][k] for i in range(b)) / b
        ib += sum((z[i][k] - mean) ** 2 for i in range(b)) / (b - 1)
    if variant == 'paper':
        lam_ce, lam_sc, ib_sign = alpha * g / (g + 1), beta / (g + 1), 1.0
    else:
        lam_ce, lam_sc, ib_sign = alpha, beta, -1.0
    return dict(loss_ce=lam_ce * ce, loss_dsc=lam_sc * dsc,
                loss_ib=lam_sc * ib_sign * ib_weight * ib, lambda_ce=lam_ce, lambda_sc=lam_sc)


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


@pytest.mark.parametrize('variant', ['paper', 'released'])
@pytest.mark.parametrize('weight_on', ['logits', 'cosine'])
def test_matches_hand_computation(variant, weight_on):
    logits, emb, labels = toy_batch()
    loss = DSMLoss(variant=variant, weight_on=weight_on)
    loss.set_grad_norm(0.7)
    check(loss(logits, emb, labels), hand_dsm(logits, emb, labels, 0.7, variant,
                                              weight_on=weight_on))


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
    paper, released = DSMLoss(), DSMLoss(variant='released')
    for m in (paper, released):
        m.set_grad_norm(3.0)
    p, r = paper(logits, emb, labels), released(logits, emb, labels)
    # fixed lambdas whatever g, the IB term subtracted, a different contrastive term
    assert r['lambda_ce'].item() == 10.0 and r['lambda_sc'].item() == pytest.approx(0.1)
    assert p['lambda_ce'].item() == pytest.approx(7.5)
    assert r['loss_ib'].item() < 0 < p['loss_ib'].item()
    ib_p, ib_r = p['loss_ib'] / p['lambda_sc'], r['loss_ib'] / r['lambda_sc']
    assert ib_r.item() == pytest.approx(-ib_p.item())
    assert r['loss_dsc'] / r['lambda_sc'] != pytest.approx((p['loss_dsc'] / p['lambda_sc']).item())
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
