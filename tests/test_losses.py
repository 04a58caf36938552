"""Chapter 3: softmax, the cross-entropy derivation and the convexity claims, computed."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gdsc_book import losses as L

from .pages import record_numbers as _record

X = torch.linspace(-4.0, 5.0, 2001, dtype=torch.float64)


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    logits = 3.0 * torch.randn(32, 10, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 10, (32,), generator=g)
    return logits, labels


def test_one_hot():
    oh = L.one_hot(torch.tensor([2, 9, 7, 6, 8, 0]), 10)
    assert oh.shape == (6, 10)
    assert torch.equal(oh.sum(dim=1), torch.ones(6))
    assert torch.equal(oh.argmax(dim=1), torch.tensor([2, 9, 7, 6, 8, 0]))
    assert torch.equal(oh, F.one_hot(torch.tensor([2, 9, 7, 6, 8, 0]), 10).float())
    with pytest.raises(ValueError):
        L.one_hot(torch.tensor([10]), 10)
    with pytest.raises(TypeError):
        L.one_hot(torch.tensor([1.0]), 10)


def test_softmax_puts_outputs_in_range(batch):
    logits, _ = batch
    p = L.softmax(logits)
    assert ((p > 0) & (p < 1)).all()
    assert torch.allclose(p.sum(dim=1), torch.ones(len(p), dtype=p.dtype))
    assert torch.allclose(p, torch.softmax(logits, dim=1))
    # Adding a constant to every logit changes nothing; huge logits do not overflow.
    assert torch.allclose(L.softmax(logits + 1000.0), p)
    assert torch.isfinite(L.softmax(torch.tensor([1e4, 0.0]))).all()
    # The raw outputs Wx + b, by contrast, are not probabilities.
    assert (logits < 0).any() and (logits > 1).any()


def test_softmax_keeps_the_prediction(batch):
    logits, _ = batch
    assert torch.equal(L.softmax(logits).argmax(dim=1), logits.argmax(dim=1))


def test_mse_gradient_through_softmax_is_jacobian_times_error(batch):
    logits, labels = batch
    z, y = logits[0].clone().requires_grad_(True), L.one_hot(labels[:1], 10)[0].double()
    ((L.softmax(z) - y) ** 2).sum().backward()
    p = L.softmax(logits[0])
    jac = torch.diag(p) - torch.outer(p, p)
    assert torch.allclose(z.grad, 2 * jac.T @ (p - y), atol=1e-12)
    assert torch.allclose(jac, torch.autograd.functional.jacobian(L.softmax, logits[0]))


def test_log_softmax_matches_torch(batch):
    logits, _ = batch
    assert torch.allclose(L.log_softmax(logits), torch.log_softmax(logits, dim=1))


def test_derivation_chain_pmf_log_nll_ce(batch):
    """PMF → log-likelihood → negative log-likelihood → Monte-Carlo average = H(y, ŷ)."""
    logits, labels = batch
    y = L.one_hot(labels, 10).double()
    y_hat = L.softmax(logits)
    pmf = L.categorical_pmf(y_hat, y)
    # With a one-hot y the product picks out the probability of the true class.
    assert torch.allclose(pmf, y_hat[torch.arange(len(labels)), labels])
    assert torch.allclose(L.log_likelihood(y_hat, y), torch.log(pmf))
    nll = L.negative_log_likelihood(y_hat, y)
    assert nll == pytest.approx(float(-torch.log(pmf).mean()))
    assert L.cross_entropy(logits, y) == pytest.approx(float(nll))


def test_cross_entropy_equals_torch(batch):
    logits, labels = batch
    ours = L.cross_entropy(logits, labels)
    assert ours == pytest.approx(float(F.cross_entropy(logits, labels)), rel=1e-12)
    assert L.cross_entropy(logits, L.one_hot(labels, 10).double()) == pytest.approx(float(ours))
    # A confident wrong answer costs a lot but stays finite (no log 0).
    big = torch.tensor([[0.0, 200.0]], dtype=torch.float64)
    assert L.cross_entropy(big, torch.tensor([0])) == pytest.approx(200.0)


def test_gradient_of_softmax_cross_entropy_is_yhat_minus_y(batch):
    logits, labels = batch
    z = logits.clone().requires_grad_(True)
    L.cross_entropy(z, labels).backward()
    expected = (L.softmax(logits) - L.one_hot(labels, 10).double()) / len(labels)
    assert torch.allclose(z.grad, expected, atol=1e-12)


def test_mse_gradient_vanishes_when_confidently_wrong():
    """Why MSE on softmax learns slowly from its worst mistakes, and CE does not."""
    z = torch.tensor([[12.0, 0.0, 0.0]], dtype=torch.float64)  # sure of class 0
    y = torch.tensor([2])  # but it is class 2
    grads = {}
    for name, fn in (("ce", L.cross_entropy), ("mse", L.mse_on_probabilities)):
        zz = z.clone().requires_grad_(True)
        fn(zz, y).backward()
        grads[name] = zz.grad.norm().item()
    assert grads["ce"] > 1.0
    assert grads["mse"] < 1e-3 * grads["ce"]


def test_mse_on_probabilities_is_the_slide_formula(batch):
    logits, labels = batch
    y = L.one_hot(labels, 10).double()
    ref = ((y - torch.softmax(logits, 1)) ** 2).sum(1).mean()
    assert L.mse_on_probabilities(logits, labels) == pytest.approx(float(ref))


def test_squared_error_of_sigmoid_is_not_convex():
    for label in (0, 1):
        d2 = L.second_derivative(lambda t, lab=label: L.squared_error_sigmoid(t, lab), X)
        assert d2.min() < -0.5, label  # bends down somewhere: not convex


def test_log_loss_is_convex():
    for label in (0, 1):
        d2 = L.second_derivative(lambda t, lab=label: L.log_loss_sigmoid(t, lab), X)
        assert (d2 > 0).all(), label
        # Closed form: a² σ(f)(1 − σ(f)) for both labels.
        s = L.sigmoid(L.slide_linear(X))
        assert torch.allclose(d2, 9.0 * s * (1 - s), atol=1e-10)


def test_log_loss_labels_follow_the_standard_convention():
    """−log σ(f) is the label-1 loss (it vanishes where σ(f) → 1); the slide calls it label 0."""
    s = L.sigmoid(L.slide_linear(X))
    assert torch.allclose(L.log_loss_sigmoid(X, 1), -torch.log(s), atol=1e-10)
    assert torch.allclose(L.log_loss_sigmoid(X, 0), -torch.log(1 - s), atol=1e-9)
    assert L.log_loss_sigmoid(torch.tensor(5.0), 1) < 1e-5  # σ(13) ≈ 1: right, no loss
    bce = F.binary_cross_entropy_with_logits(L.slide_linear(X), torch.ones_like(X),
                                             reduction="none")
    assert torch.allclose(L.log_loss_sigmoid(X, 1), bce)
    with pytest.raises(ValueError):
        L.log_loss_sigmoid(X, 2)


def test_logistic_mse_surface_is_nonconvex_and_ce_is_convex():
    x, y = L.logistic_toy(n=40, seed=0)
    g = torch.linspace(-8, 8, 9, dtype=torch.float64)
    w, b = torch.meshgrid(g, g, indexing="ij")
    eig_mse, eig_ce = L.hessian_min_eigenvalues(w, b, x, y)
    assert eig_mse.min() < -0.05
    assert (eig_ce > -1e-12).all()




def test_recorded_curve_numbers_back_the_page():
    rec = _record("ch03_four_curves")
    for label in (0, 1):
        assert rec[f"squared_error_label{label}"]["min_second_derivative"] < 0
        assert rec[f"log_loss_label{label}"]["min_second_derivative"] > 0
    surf = _record("ch03_loss_surface")
    assert surf["mse_min_hessian_eig"] < 0 < surf["ce_min_hessian_eig"] + 1e-12


# ---------------------------------------------------------------- issue 17: what H is, and KL

CLS_PAGE = "ch03-classification"


def test_h_is_per_example_and_the_loss_is_its_batch_mean(batch):
    from tests.pages import says

    says(CLS_PAGE, ko=r"= \frac{1}{N} \sum_{i=1}^{N} H(\mathbf{y}_i, \hat{\mathbf{y}}_i)",
         en=r"= \frac{1}{N} \sum_{i=1}^{N} H(\mathbf{y}_i, \hat{\mathbf{y}}_i)")
    logits, labels = batch
    per = L.per_example_cross_entropy(logits, labels)
    assert per.shape == labels.shape
    assert torch.allclose(per, F.cross_entropy(logits, labels, reduction="none"))
    assert torch.allclose(L.cross_entropy(logits, labels), per.mean())


def test_cross_entropy_is_entropy_plus_kl_and_kl_for_one_hot_labels(batch):
    from tests.pages import says

    says(CLS_PAGE, ko=("쿨백–라이블러 발산(Kullback–Leibler divergence)",
                       r"H(\mathbf{y}) + D_{\mathrm{KL}}(\mathbf{y} \,\|\, \hat{\mathbf{y}})"),
         en=("Kullback–Leibler divergence", r"H(\mathbf{y}) + D_{\mathrm{KL}}(\mathbf{y} \,\|\, \hat{\mathbf{y}})"))
    logits, labels = batch
    q = L.softmax(logits)
    p = L.softmax(torch.randn(logits.shape, generator=torch.Generator().manual_seed(1),
                              dtype=torch.float64))
    ce = L.per_example_cross_entropy(logits, p)
    assert torch.allclose(ce, L.entropy(p) + L.kl_divergence(p, q))
    assert torch.allclose(L.kl_divergence(p, q), F.kl_div(q.log(), p, reduction="none").sum(-1))
    y = L.one_hot(labels, logits.shape[-1]).double()
    assert torch.all(L.entropy(y) == 0)
    assert torch.allclose(L.per_example_cross_entropy(logits, y), L.kl_divergence(y, q))


def test_log_loss_slope_grows_but_saturates_at_the_slope_of_f():
    from tests.pages import says

    says(CLS_PAGE, ko=r"= 3\,\sigma(3x - 2)$", en=r"= 3\,\sigma(3x - 2)$")
    x = torch.linspace(-10.0, 30.0, 4001, dtype=torch.float64, requires_grad=True)
    slope, = torch.autograd.grad(L.log_loss_sigmoid(x, 0).sum(), x)
    assert torch.allclose(slope, L.SLIDE_A * L.sigmoid(L.slide_linear(x.detach())))
    assert (slope.diff() >= 0).all() and (slope <= L.SLIDE_A).all()  # grows, never past a = 3
    assert slope[-1] == pytest.approx(L.SLIDE_A, abs=1e-12)  # ... and gets there: it saturates
    slope1, = torch.autograd.grad(L.log_loss_sigmoid(x, 1).sum(), x)
    assert slope1[0] == pytest.approx(-L.SLIDE_A, abs=1e-9)  # label 1, mirrored


def test_cross_entropy_is_convex_in_w_for_a_linear_model_not_for_an_mlp():
    from tests.pages import says

    says(CLS_PAGE, ko=r"선형 모델에서는 $\mathbf{W}$에 대해 볼록", en=r"convex in $\mathbf{W}$ for a linear model")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20, 3, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (20,), generator=g)

    def linear(w):
        return L.cross_entropy(x @ w.reshape(4, 3).T, labels)

    for _ in range(5):
        w = 3 * torch.randn(12, generator=g, dtype=torch.float64)
        h = torch.autograd.functional.hessian(linear, w)
        assert torch.linalg.eigvalsh(h).min() > -1e-10  # positive semidefinite: convex in W

    def mlp(w):  # one tanh hidden layer of 3 units: 9 + 12 weights
        hidden = torch.tanh(x @ w[:9].reshape(3, 3).T)
        return L.cross_entropy(hidden @ w[9:].reshape(4, 3).T, labels)

    worst = min(torch.linalg.eigvalsh(torch.autograd.functional.hessian(
        mlp, 2 * torch.randn(21, generator=g, dtype=torch.float64))).min() for _ in range(5))
    assert worst < -1e-3  # a negative curvature somewhere: not convex
