"""Chapter 2: every claim the regression page makes, computed."""

from __future__ import annotations

import pytest
import torch

from gdsc_book import regression as R

from .pages import record_numbers as _record


@pytest.fixture(scope="module")
def houses():
    return R.make_houses(n=200, seed=0)


def test_houses_are_reproducible_and_shaped(houses):
    again = R.make_houses(n=200, seed=0)
    assert houses.x.shape == (200, 2) and houses.y.shape == (200,)
    assert torch.equal(houses.x, again.x) and torch.equal(houses.y, again.y)
    assert not torch.equal(houses.y, R.make_houses(n=200, seed=1).y)
    # Newer flats are larger here: the features are correlated (an elongated loss bowl).
    assert torch.corrcoef(houses.x.T)[0, 1] < -0.3
    with pytest.raises(ValueError):
        R.make_houses(n=2)


def test_closed_form_recovers_the_true_weights(houses):
    w, b = R.closed_form(houses.x, houses.y)
    assert torch.allclose(w, houses.true_w, atol=0.005)
    assert abs(b - houses.true_b) < 0.3
    # The normal equations give the same answer as a generic least-squares solver.
    a = torch.cat([houses.x, torch.ones(len(houses), 1, dtype=R.DTYPE)], dim=1)
    ref = torch.linalg.lstsq(a, houses.y.unsqueeze(1)).solution.squeeze(1)
    assert torch.allclose(torch.cat([w, torch.tensor([b], dtype=R.DTYPE)]), ref, atol=1e-9)


def test_hand_written_gradient_matches_autograd(houses):
    z = R.Scaler.fit(houses.x).transform(houses.x)
    w = torch.tensor([0.3, -0.7], dtype=R.DTYPE, requires_grad=True)
    b = torch.tensor(1.5, dtype=R.DTYPE, requires_grad=True)
    R.mse(R.predict(z, w, b), houses.y).backward()
    gw, gb = R.mse_gradient(z, houses.y, w.detach(), b.detach())
    assert torch.allclose(gw, w.grad) and torch.allclose(gb, b.grad)


def test_gradient_descent_agrees_with_closed_form(houses):
    scaler = R.Scaler.fit(houses.x)
    z = scaler.transform(houses.x)
    w_cf, b_cf = R.closed_form(z, houses.y)
    run = R.gradient_descent(z, houses.y, lr=0.05, steps=500)
    assert torch.allclose(run.w, w_cf, atol=1e-6) and abs(run.b - b_cf) < 1e-6
    # ... and in the original units (the weights the page quotes).
    w_raw, b_raw = scaler.to_original(run.w, run.b)
    w_ref, b_ref = R.closed_form(houses.x, houses.y)
    assert torch.allclose(w_raw, w_ref, atol=1e-6) and abs(b_raw - b_ref) < 1e-5
    # With a step below 2/λ_max the loss never goes up.
    assert (run.losses[1:] <= run.losses[:-1] + 1e-12).all()


def test_step_size_limit(houses):
    z = R.Scaler.fit(houses.x).transform(houses.x)
    lim = R.max_stable_lr(z)
    ok = R.gradient_descent(z, houses.y, lr=0.9 * lim, steps=400)
    bad = R.gradient_descent(z, houses.y, lr=1.1 * lim, steps=400)
    w_cf, _ = R.closed_form(z, houses.y)
    assert torch.allclose(ok.w, w_cf, atol=1e-4)
    assert bad.losses[-1] > bad.losses[0]  # past 2/λ_max, GD diverges


def test_large_step_zigzags_across_the_valley(houses):
    """The page: η = 0.5 bounces across the steep direction, η = 0.05 does not."""
    from gdsc_book.figures.ch02_regression import LR_LARGE, LR_SMALL, START

    z = R.Scaler.fit(houses.x).transform(houses.x)
    w_cf, _ = R.closed_form(z, houses.y)
    evals, evecs = torch.linalg.eigh(z.T @ z)
    steep = evecs[:, -1]  # the direction of the largest curvature
    for lr, zigzag in ((LR_LARGE, True), (LR_SMALL, False)):
        path = R.gradient_descent(z, houses.y, lr=lr, steps=8, w0=START).path[:, :2]
        side = torch.sign((path - w_cf) @ steep)
        flips = (side[1:] != side[:-1]).all()
        assert bool(flips) == zigzag, lr


def test_bias_separates_for_centred_features(houses):
    """The page draws the surface over the two weights with b at its optimum: b* = mean price."""
    z = R.Scaler.fit(houses.x).transform(houses.x)
    _, b_cf = R.closed_form(z, houses.y)
    assert abs(b_cf - float(houses.y.mean())) < 1e-9
    # The weights' GD path does not depend on where b starts.
    r1 = R.gradient_descent(z, houses.y, lr=0.05, steps=30, b0=0.0)
    r2 = R.gradient_descent(z, houses.y, lr=0.05, steps=30, b0=100.0)
    assert torch.allclose(r1.path[:, :2], r2.path[:, :2], atol=1e-12)


def test_surface_minimum_is_the_closed_form(houses):
    z = R.Scaler.fit(houses.x).transform(houses.x)
    w_cf, b_cf = R.closed_form(z, houses.y)
    g1 = torch.linspace(float(w_cf[0]) - 1, float(w_cf[0]) + 1, 201, dtype=R.DTYPE)
    g2 = torch.linspace(float(w_cf[1]) - 1, float(w_cf[1]) + 1, 201, dtype=R.DTYPE)
    surf = R.mse_surface(z, houses.y, g1, g2, b_cf)
    i, j = divmod(int(surf.argmin()), surf.shape[1])
    assert (i, j) == (100, 100)  # the grid's centre is the closed-form point
    assert surf[i, j] == pytest.approx(float(R.mse(R.predict(z, w_cf, b_cf), houses.y)))




def test_recorded_numbers_back_the_page():
    gd = _record("ch02_gd_vs_closed_form")
    assert gd["max_abs_diff"] < 1e-5
    assert gd["loss_gd"] == pytest.approx(gd["loss_closed_form"], rel=1e-9)
    surf = _record("ch02_loss_surface")
    assert surf["lr"]["large"] < surf["max_stable_lr"] < 2 * surf["lr"]["large"]
    assert surf["b_opt"] == pytest.approx(surf["mean_price"])
    h = _record("ch02_houses")
    assert abs(h["fit"]["w_area"] - h["true"]["w_area"]) < 0.005
    assert abs(h["fit"]["w_age"] - h["true"]["w_age"]) < 0.005


def test_least_squares_classifier_ignores_how_the_inputs_are_scaled():
    """Lab 1: "how the pixels are scaled changes nothing, since the bias absorbs a shift" —
    even with inputs that never vary (blank border pixels), which make the fit singular."""
    from gdsc_book.regression import least_squares_classifier

    g = torch.Generator().manual_seed(0)
    x = torch.rand(300, 12, generator=g, dtype=torch.float64)
    x[:, :3] = 0.0  # never varies, like MNIST's border
    y = (x[:, 3:6].sum(1) * 2).long().clamp(max=3)
    w, b = least_squares_classifier(x, y, 4)
    x2 = 3.7 * x - 1.2
    w2, b2 = least_squares_classifier(x2, y, 4)
    s1, s2 = x @ w.T + b, x2 @ w2.T + b2
    assert torch.allclose(s1, s2, atol=1e-8)  # the same scores, so the same answers
    # One class against the rest is ordinary least squares (chapter 2's closed form).
    from gdsc_book.regression import closed_form

    wc, bc = closed_form(x[:, 3:], (y == 1).double())
    w3, b3 = least_squares_classifier(x[:, 3:], y, 4)
    assert torch.allclose(w3[1], wc, atol=1e-8) and abs(float(b3[1]) - bc) < 1e-8
