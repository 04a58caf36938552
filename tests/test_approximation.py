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
        knots = torch.linspace(-1, 1, k + 1).unsqueeze(1)
        assert torch.allclose(model(knots).detach(), target(knots), atol=1e-4)
        assert count_pieces_1d(model) <= k + 1
        errors[k] = max_error(model)
    # a piecewise-linear interpolant of a smooth f: error ~ h^2 max|f''| / 8, h = 2 / k
    for k, e in errors.items():
        assert e <= (2 / k) ** 2 * (2 * math.pi) ** 2 / 8 + 1e-4
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
