"""Chapter 5: ReLU pieces, linear regions, folding, parameter counts, deep narrow networks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gdsc_book.approximation import (
    activation_patterns,
    count_pieces_1d,
    count_pieces_by_grid,
    fold,
    fold_centers,
    folding_net,
    grid,
    interpolant_net,
    is_monotone,
    max_error,
    parameter_count,
    relu_net,
    sawtooth_net,
    target,
    unit_pieces,
)
from gdsc_book.models import MLP, count_parameters


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 16, 64])
def test_one_relu_layer_gives_at_most_k_plus_1_pieces(width):
    for seed in range(5):
        torch.manual_seed(seed)
        model = relu_net(width)
        # On the whole line (every breakpoint -b/w inside): exactly k + 1 activation regions.
        lin = model.body[1]
        reach = (lin.bias / lin.weight[:, 0]).abs().max().item() + 1
        assert count_pieces_1d(model, -reach, reach, merge=False) == width + 1
        assert count_pieces_1d(model, -reach, reach) <= width + 1
        assert count_pieces_1d(model) <= width + 1


def test_exact_count_agrees_with_a_dense_grid():
    for depth, width in [(1, 8), (2, 6), (3, 4)]:
        torch.manual_seed(depth)
        model = relu_net(width, depth).double()
        # an offset grid never lands exactly on a breakpoint
        assert count_pieces_1d(model, -1.0, 1.0, merge=False) == count_pieces_by_grid(
            model, -1.0 + 1e-7, 1.0 - 1.3e-7, n=200_001)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 6, 8])
def test_sawtooth_has_2_to_the_depth_pieces(depth):
    model = sawtooth_net(depth)
    assert count_pieces_1d(model, 0.0, 1.0) == 2 ** depth
    # it is the tent map applied depth times
    x = torch.rand(200, 1)
    y = x.clone()
    for _ in range(depth):
        y = torch.where(y < 0.5, 2 * y, 2 - 2 * y)
    assert torch.allclose(model(x), y, atol=1e-4)


def test_depth_bound_and_random_init():
    # each layer can split each piece at most (width + 1) ways
    for depth in (1, 2, 3):
        for seed in range(3):
            torch.manual_seed(seed)
            assert count_pieces_1d(relu_net(4, depth), -1, 1) <= 5 ** depth


def test_pieces_sum_to_the_network():
    torch.manual_seed(0)
    model = relu_net(6)
    x = grid(301)
    pieces, bias = unit_pieces(model, x)
    assert pieces.shape == (301, 6)
    assert torch.allclose(pieces.sum(1, keepdim=True) + bias, model(x).detach(), atol=1e-6)


def test_interpolant_is_a_relu_net_with_shrinking_error():
    errors = {}
    for k in (4, 8, 16, 32, 64):
        model = interpolant_net(k)
        knots = torch.linspace(-1, 1, k + 1, dtype=torch.float64).unsqueeze(1)  # as the net
        assert torch.allclose(model(knots).detach(), target(knots), atol=1e-12)
        assert count_pieces_1d(model) <= k + 1
        errors[k] = max_error(model)
    # a piecewise-linear interpolant of a smooth f: error ~ h^2 max|f''| / 8, h = 2 / k
    for k, e in errors.items():
        assert e <= (2 / k) ** 2 * (2 * math.pi) ** 2 / 8
    assert errors[64] < errors[32] / 3


def test_fold_is_made_of_relus_and_mirrors():
    x = torch.tensor([[0.3, -0.2], [-0.3, 0.2], [-0.3, -0.2]])
    y = fold(x, (0.0, 0.0))
    assert torch.allclose(y, x.abs())
    assert torch.equal(y[0], y[1]) and torch.equal(y[1], y[2])


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_folding_net_repeats_one_line_in_4_to_the_depth_regions(depth):
    u = torch.linspace(-1 + 1e-4, 1 - 1.7e-4, 301)
    xx, yy = torch.meshgrid(u, u, indexing="xy")
    x = torch.stack([xx.ravel(), yy.ravel()], 1)
    v = x
    for c in fold_centers(depth):
        v = fold(v, (c, c))
    r = 2.0 ** (1 - depth)
    model = folding_net(depth)
    assert torch.allclose(model(x)[:, 0], v[:, 0] + 2 * v[:, 1] - 1.2 * r, atol=1e-5)
    assert int(activation_patterns(model, x).max()) + 1 == 4 ** depth
    assert v.max() <= r + 1e-6  # the whole square lands on one cell of side r


@pytest.mark.parametrize("in_features,widths,classes", [
    (2, (8,), 2), (784, (256,), 10), (784, (512, 256, 128), 10), (1, (4,) * 10, 1),
    (3072, (1024, 1024), 10),
])
def test_parameter_count_formula_matches_numel(in_features, widths, classes):
    model = MLP(in_features, widths=widths, num_classes=classes)
    formula = parameter_count([in_features, *widths, classes])
    assert formula == count_parameters(model) == sum(p.numel() for p in model.parameters())


def test_width_one_relu_nets_are_monotone():
    # Lu et al. 2017: too narrow is not universal. In 1-D, width 1 composes monotone maps.
    for depth in (1, 3, 8):
        for seed in range(5):
            torch.manual_seed(seed)
            assert is_monotone(relu_net(1, depth))
    assert not is_monotone(interpolant_net(8))  # the target is not monotone


def test_monotone_fit_error_floor():
    # no monotone function gets closer to the target than half its biggest drop
    x = np.linspace(-1, 1, 20001)
    f = target(x)
    drop = max(np.maximum.accumulate(f) - f)
    rise = max(f - np.minimum.accumulate(f))
    assert min(drop, rise) / 2 > 0.5


@pytest.mark.slow
def test_trained_nets_improve_with_width_but_trail_the_built_ones():
    from gdsc_book.approximation import fit_relu_net

    narrow, wide = (max_error(fit_relu_net(k, steps=2000)) for k in (4, 128))
    assert wide < narrow / 5
    # existence is not a method: gradient descent stays behind the hand-built weights
    assert wide > max_error(interpolant_net(128))


@pytest.mark.slow
def test_a_wide_net_memorizes_noise(tmp_path):
    # the chapter's figure computation, full budget: train MSE < noise variance < new-data MSE
    import gdsc_book.figures.ch05_universal_approximation  # noqa: F401  (registers the figure)
    from gdsc_book.figures.registry import REGISTRY, FigureContext
    from gdsc_book.style import use_book_style

    use_book_style()  # the Korean font, as the figure pipeline sets it
    spec = REGISTRY["ch05_generalization"]
    numbers = spec.func(FigureContext(spec, "full", tmp_path))
    assert numbers["train_mse"] < numbers["noise_mse"] < numbers["test_mse"]


def test_nets_trained_as_one_stack_are_the_nets_trained_alone():
    from gdsc_book import approximation as AP

    x = AP.grid(301)
    for k, stacked in zip((2, 8), AP.fit_relu_nets([2, 8], steps=80, seed=3)):
        alone = AP.fit_relu_net(k, steps=80, seed=3)
        with torch.no_grad():
            torch.testing.assert_close(stacked(x), alone(x), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- issue 17: chapter 5's claims

UA_PAGE = "ch05-universal-approximation"


def test_interpolant_stays_under_its_bound_in_float64_not_in_float32():
    from gdsc_book.approximation import interpolation_bound

    for k in (2, 8, 32, 256):
        net = interpolant_net(k)
        assert next(net.parameters()).dtype == torch.float64
        assert max_error(net) <= interpolation_bound(k)
    # the float32 cast the page warns about: rounding the weights breaks the bound at width 256
    assert max_error(interpolant_net(256).float()) > interpolation_bound(256)
    from tests.pages import record_numbers

    r = record_numbers("ch05_width")
    assert all(e <= b for e, b in zip(r["err_built"], r["err_bound"]))
    assert r["err_bound"][-1] == pytest.approx(interpolation_bound(r["widths"][-1]))


def test_sawtooth_pieces_are_counted_on_zero_one_plus_one_on_minus_one_one():
    from tests.pages import says

    says(UA_PAGE, ko=("$[0, 1]$ 위에서 $2^L$개", "$2^L + 1$개"), en=("$2^L$ on $[0, 1]$", "$2^L + 1$ on $[-1, 1]$"))
    for depth in range(1, 7):
        assert count_pieces_1d(sawtooth_net(depth), 0.0, 1.0) == 2 ** depth
        assert count_pieces_1d(sawtooth_net(depth), -1.0, 1.0) == 2 ** depth + 1


def test_repeated_folds_need_shifted_centres(monkeypatch):
    from gdsc_book import approximation as AP
    from tests.pages import says

    says(UA_PAGE, ko="접는 중심을 옮겨야", en="the centre of the fold has to move")
    u = torch.linspace(-1 + 1e-4, 1 - 1.7e-4, 201)
    xx, yy = torch.meshgrid(u, u, indexing="xy")
    x = torch.stack([xx.ravel(), yy.ravel()], 1)
    assert fold_centers(3) == [0.0, 0.5, 0.25]
    shifted = int(activation_patterns(folding_net(3), x).max()) + 1
    monkeypatch.setattr(AP, "fold_centers", lambda depth: [0.0] * depth)  # fold at 0 every time
    same = int(activation_patterns(AP.folding_net(3), x).max()) + 1
    assert shifted == 4 ** 3
    with torch.no_grad():  # the repeated folds at 0 change nothing: one fold's worth of regions
        assert torch.allclose(AP.folding_net(3)(x), AP.folding_net(1, b=-1.2 * 0.25)(x))
    assert same < shifted


def test_width_four_relu_network_built_by_hand_is_the_interpolant():
    from gdsc_book.approximation import interpolation_bound, monotone_floor, narrow_relu_interpolant

    errors = []
    for depth in (1, 2, 4, 8, 32):
        net = narrow_relu_interpolant(depth)
        assert [m.out_features for m in net.body if isinstance(m, torch.nn.Linear)] == [4] * depth
        knots = np.linspace(-1, 1, 2 * depth + 2)
        x = grid(3001).double()
        with torch.no_grad():
            y = net(x)[:, 0].numpy()
        assert np.allclose(y, np.interp(x[:, 0].numpy(), knots, target(knots)), atol=1e-12)
        errors.append(max_error(net))
        assert errors[-1] <= interpolation_bound(2 * depth + 1)
    assert all(a > b for a, b in zip(errors, errors[1:]))  # depth alone drives the error down
    assert errors[1] < monotone_floor() < errors[0]  # what no width-1 network can do


def test_square_activation_deep_narrow_beats_any_shallow_square_network():
    from gdsc_book.approximation import (
        best_quadratic_error,
        chebyshev_coefficients,
        square_horner_net,
        square_net,
    )
    from tests.pages import says

    says(UA_PAGE, ko=r"$\sigma(t) = t^2$ 같은 다항식", en=r"A polynomial activation such as $\sigma(t) = t^2$ qualifies")
    # Kidger & Lyons's condition holds for t^2: non-affine, C^1, sigma'(1) = 2 != 0
    t = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    (t * t).backward()
    assert t.grad.item() == 2.0
    # the Horner network computes its polynomial exactly, with width 4 and one layer per degree
    coeffs = np.array([0.5, -1.0, 2.0, 0.25, -3.0])
    net = square_horner_net(coeffs)
    x = grid(501).double()
    with torch.no_grad():
        assert np.allclose(net(x)[:, 0].numpy(), np.polynomial.polynomial.polyval(x[:, 0].numpy(), coeffs),
                           atol=1e-12)
    # one hidden layer of squares is a quadratic whatever its width
    torch.manual_seed(0)
    wide = square_net((64,)).double()
    with torch.no_grad():
        y = wide(x)[:, 0].numpy()
    fit = np.polynomial.polynomial.polyfit(x[:, 0].numpy(), y, 2)
    assert np.allclose(np.polynomial.polynomial.polyval(x[:, 0].numpy(), fit), y, atol=1e-8)
    floor = best_quadratic_error()
    deep = max_error(square_horner_net(chebyshev_coefficients(16)))
    assert deep < 1e-5 < floor


def test_deep_narrow_built_record_backs_the_page():
    from tests.pages import record_numbers

    r = record_numbers("ch05_deep_narrow_built")
    assert all(e <= b for e, b in zip(r["relu_error"], r["relu_bound"]))
    assert r["relu_error"][-1] < 0.01 * r["monotone_floor"]
    assert r["square_error"][-1] < 1e-9 < r["quadratic_floor"]
    first = r["relu_first_below_monotone"]
    assert r["relu_error"][r["relu_depths"].index(first)] < r["monotone_floor"]
    assert all(e >= r["monotone_floor"] for d, e in zip(r["relu_depths"], r["relu_error"]) if d < first)
    old = record_numbers("ch05_deep_narrow")
    assert old["best"]["4"] > 0.9 * old["monotone_floor"]  # why training alone does not show it
