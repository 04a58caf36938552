"""Chapter 4: ReLU, sigmoid, tanh, the slide's tanh formula and the derivative formulas."""

from __future__ import annotations

import pytest
import torch

from gdsc_book import activations as A

X = torch.linspace(-8, 8, 1601, dtype=torch.float64)


def test_formulas_match_torch():
    assert torch.equal(A.relu(X), torch.relu(X))
    assert torch.allclose(A.sigmoid(X), torch.sigmoid(X), rtol=1e-12, atol=0)
    assert torch.allclose(A.tanh(X), torch.tanh(X), rtol=1e-12, atol=1e-15)


def test_slide_tanh_identity():
    # tanh(x) = (1 - exp(-2x)) / (1 + exp(-2x)), as the slide writes it
    assert torch.allclose(A.tanh_slide(X), torch.tanh(X), rtol=1e-12, atol=1e-15)
    # and tanh(x) = 2 sigma(2x) - 1
    assert torch.allclose(2 * torch.sigmoid(2 * X) - 1, torch.tanh(X), rtol=1e-12, atol=1e-15)


def test_slide_formula_overflows_but_the_stable_one_does_not():
    x = torch.tensor([-400.0, 400.0], dtype=torch.float64)
    assert torch.isnan(A.tanh_slide(x)[0])  # exp(800) = inf, inf / inf = NaN
    assert A.tanh(x).tolist() == [-1.0, 1.0]
    assert A.sigmoid(torch.tensor([-800.0, 800.0], dtype=torch.float64)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_derivatives_match_autograd(name):
    fn, grad = A.ACTIVATIONS[name]
    x = X[X.abs() > 1e-9]  # ReLU has no derivative at 0
    assert torch.allclose(grad(x), A.autograd_derivative(fn, x), rtol=1e-10, atol=1e-12)
    # torch's own functions agree too
    ref = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[name]
    assert torch.allclose(grad(x), A.autograd_derivative(ref, x), rtol=1e-10, atol=1e-12)


def test_derivative_identities():
    s, t = torch.sigmoid(X), torch.tanh(X)
    assert torch.allclose(A.sigmoid_grad(X), s * (1 - s))
    assert torch.allclose(A.tanh_grad(X), 1 - t ** 2)
    assert torch.equal(A.relu_grad(X), (X > 0).double())
    # tanh' = 4 sigma'(2x): the chain rule on tanh = 2 sigma(2x) - 1
    assert torch.allclose(A.tanh_grad(X), 4 * A.sigmoid_grad(2 * X))


def test_gradient_peaks_the_figure_quotes():
    assert A.sigmoid_grad(torch.zeros(1)).item() == 0.25
    assert A.tanh_grad(torch.zeros(1)).item() == 1.0
    # the largest slopes anywhere: sigma' <= 1/4, tanh' <= 1 (both at x = 0)
    assert A.sigmoid_grad(X).max().item() == pytest.approx(0.25, abs=1e-12)
    assert A.tanh_grad(X).max().item() == pytest.approx(1.0, abs=1e-12)
    assert X[A.sigmoid_grad(X).argmax()].abs().item() < 1e-9


def test_tanh_derivation_steps_on_the_page_are_each_true():
    """Every equality of the page's derivation, checked symbolically; and the old, wrong step."""
    import sympy as sp

    from tests.pages import says

    step = r"\tanh(x) = \frac{1 - e^{-2x}}{1 + e^{-2x}} = \frac{2}{1 + e^{-2x}} - 1 = 2\sigma(2x) - 1"
    says("ch04-nonlinear", ko=(step, "$e^{-x}$를 곱하면"), en=(step, "by\n$e^{-x}$ gives"))
    x = sp.symbols("x", real=True)
    sigma = lambda t: 1 / (1 + sp.exp(-t))  # noqa: E731
    chain = [sp.tanh(x), (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)),
             (1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)), 2 / (1 + sp.exp(-2 * x)) - 1,
             2 * sigma(2 * x) - 1]
    for a, b in zip(chain, chain[1:]):
        assert sp.simplify((a - b).rewrite(sp.exp)) == 0
    # multiplying numerator and denominator of the definition by e^{-x} is the slide's form ...
    num, den = sp.exp(x) - sp.exp(-x), sp.exp(x) + sp.exp(-x)
    assert sp.simplify(sp.expand(num * sp.exp(-x)) - (1 - sp.exp(-2 * x))) == 0
    assert sp.simplify(sp.expand(den * sp.exp(-x)) - (1 + sp.exp(-2 * x))) == 0
    # ... whereas by e^{x} (what the page used to say) it is (e^{2x} - 1)/(e^{2x} + 1)
    assert sp.simplify(sp.expand(num * sp.exp(x)) - (1 - sp.exp(-2 * x))) != 0
