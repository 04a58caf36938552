"""How a ReLU network approximates a function: folds, pieces, and their linear combination.

A one-hidden-layer ReLU network on a line is ``g(x) = c0 + sum_i c_i ReLU(w_i x + b_i)``: each
unit is a hinge that folds the line at ``-b_i / w_i``, so ``g`` is piecewise linear with at most
``k + 1`` pieces for ``k`` units. More units give more pieces, and more pieces follow a curve
more closely. Depth composes the folds: each layer can split every existing piece again, so the
count can grow exponentially with depth (the sawtooth below has ``2^L`` pieces with two units
per layer), although a randomly initialized deep network gets far fewer.

Counting is exact in 1-D: between two consecutive breakpoints every pre-activation is affine,
so its zero (if any) is found by linear interpolation, layer after layer.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from gdsc_book.models import MLP
from gdsc_book.parameters import parameter_count  # noqa: F401  (re-exported: the slide's count)
from gdsc_book.perceptron import fit_full_batch

DOMAIN = (-1.0, 1.0)


def target(x):
    """The 1-D function the chapter approximates: a sine wave on a slope."""
    lib = torch if isinstance(x, torch.Tensor) else np
    return lib.sin(2 * math.pi * x) + 0.5 * x


def grid(n: int = 2001, lo: float = DOMAIN[0], hi: float = DOMAIN[1]) -> torch.Tensor:
    """``n`` evenly spaced points as an ``n x 1`` column (what ``MLP(1, ...)`` takes)."""
    return torch.linspace(lo, hi, n).unsqueeze(1)


def relu_net(width: int, depth: int = 1) -> MLP:
    """A 1-in, 1-out ReLU MLP with ``depth`` hidden layers of ``width`` units."""
    return MLP(1, widths=(width,) * depth, num_classes=1, activation="relu")


def max_error(model: nn.Module, f: Callable = target, n: int = 4001,
              lo: float = DOMAIN[0], hi: float = DOMAIN[1]) -> float:
    """sup-norm error on a fine grid: the distance the approximation theorem talks about."""
    x = grid(n, lo, hi).double()
    with torch.no_grad():
        return (copy.deepcopy(model).double()(x) - f(x)).abs().max().item()


def fit_relu_net(width: int, depth: int = 1, steps: int = 2000, n_train: int = 256,
                 lr: float = 0.01, seed: int = 0, f: Callable = target) -> MLP:
    """Train a ReLU MLP on ``n_train`` evenly spaced samples of ``f`` (full-batch Adam, MSE).

    With one hidden layer, each unit's fold ``-b_i / w_i`` starts at a random point of the
    domain: PyTorch's default init puts about half of them outside ``[-1, 1]``, where they
    bend nothing and rarely move back in.
    """
    model = _initial_net(width, depth, seed)
    x = grid(n_train)
    fit_full_batch(model, x, f(x), steps=steps, lr=lr, loss="mse", cosine=True)
    return model


def _initial_net(width: int, depth: int, seed: int) -> MLP:
    """The starting point of :func:`fit_relu_net`: with one hidden layer, folds spread evenly
    over the domain."""
    torch.manual_seed(seed)
    model = relu_net(width, depth)
    if depth == 1:
        lin = model.body[1]
        with torch.no_grad():
            t = torch.empty(width).uniform_(*DOMAIN)
            lin.bias.copy_(-lin.weight[:, 0] * t)
    return model


def fit_relu_nets(widths, steps: int = 2000, n_train: int = 256, lr: float = 0.01,
                  seed: int = 0, f: Callable = target) -> list[MLP]:
    """``[fit_relu_net(k, steps=steps, seed=seed) for k in widths]``, trained at once as one
    stack (:mod:`gdsc_book.stacked`): the same steps, a fraction of the time."""
    from gdsc_book.stacked import MLPStack, fit_stack_full_batch

    stack = MLPStack([_initial_net(int(k), 1, seed) for k in widths])
    x = grid(n_train)
    fit_stack_full_batch(stack, x, f(x), steps=steps, lr=lr, cosine=True)
    return stack.members()


def interpolant_net(width: int, f: Callable = target, lo: float = DOMAIN[0],
                    hi: float = DOMAIN[1]) -> MLP:
    """A width-``width`` ReLU network *built by hand* that interpolates ``f`` at ``width + 1`` knots.

    Unit ``i`` is the hinge ``ReLU(x - t_i)``; its output weight is the change of slope at
    knot ``t_i``. This is the constructive half of the approximation theorem in 1-D: no
    training, and the error shrinks like ``1 / width^2`` for a smooth ``f``.
    """
    knots = np.linspace(lo, hi, width + 1)
    values = f(knots)
    slopes = np.diff(values) / np.diff(knots)
    # float64 weights: rounding them to float32 adds an error of its own that, at width 256,
    # pushes the sup error past the h^2 max|f''| / 8 bound that the exact interpolant obeys
    model = relu_net(width).double()
    lin = model.body[1]
    with torch.no_grad():
        lin.weight.fill_(1.0)
        lin.bias.copy_(torch.as_tensor(-knots[:-1]))
        model.head.weight.copy_(torch.as_tensor(np.diff(slopes, prepend=0.0)).unsqueeze(0))
        model.head.bias.fill_(float(values[0]))
    return model


def interpolation_bound(intervals: int, f2_max: float = 4 * math.pi ** 2,
                        lo: float = DOMAIN[0], hi: float = DOMAIN[1]) -> float:
    """``h^2 max|f''| / 8`` for ``intervals`` equal intervals: the interpolant's sup error bound.

    ``f2_max`` defaults to the chapter's target, whose ``f'' = -4 pi^2 sin(2 pi x)``.
    """
    return ((hi - lo) / intervals) ** 2 * f2_max / 8


def unit_pieces(model: MLP, x: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Each hidden unit's contribution ``c_i ReLU(w_i x + b_i)`` (``N x k``) and the output bias.

    Their sum plus the bias *is* the network's output: the linear combination of the folds.
    """
    lin = model.body[1]
    with torch.no_grad():
        hidden = torch.relu(lin(x))
        return hidden * model.head.weight[0], model.head.bias.item()


# ---------------------------------------------------------------- counting linear pieces


def _linears(model: MLP) -> list[nn.Linear]:
    return [m for m in model.body if isinstance(m, nn.Linear)]


def breakpoints_1d(model: MLP, lo: float = DOMAIN[0], hi: float = DOMAIN[1]) -> np.ndarray:
    """Every point of ``(lo, hi)`` where some ReLU of a 1-D-input MLP switches on or off.

    Exact (up to float64 rounding): layer by layer, each pre-activation is affine between the
    breakpoints found so far, so a sign change between two of them is one zero, found by
    linear interpolation.
    """
    net = copy.deepcopy(model).double().eval()
    layers = _linears(net)
    pts = np.array([lo, hi], dtype=float)
    h_fn: Callable[[torch.Tensor], torch.Tensor] = net.body[0]  # Flatten
    with torch.no_grad():
        for lin in layers:
            z = lin(h_fn(torch.as_tensor(pts).unsqueeze(1))).numpy()
            za, zb = z[:-1], z[1:]
            cross = za * zb < 0
            t = pts[:-1, None] + np.diff(pts)[:, None] * za / np.where(cross, za - zb, 1.0)
            pts = np.unique(np.concatenate([pts, t[cross]]))

            def h_fn(x, prev=h_fn, lin=lin):
                return torch.relu(lin(prev(x)))
    return pts[1:-1]


def count_pieces_1d(model: MLP, lo: float = DOMAIN[0], hi: float = DOMAIN[1],
                    merge: bool = True) -> int:
    """Number of linear pieces of ``model`` on ``[lo, hi]``.

    ``merge=False`` counts activation regions (intervals with one on/off pattern); ``merge``
    also joins neighbours with the same slope (a unit can switch without bending the output,
    e.g. when its outgoing weight is zero), giving the pieces of the function itself.
    """
    pts = np.concatenate([[lo], breakpoints_1d(model, lo, hi), [hi]])
    if not merge:
        return len(pts) - 1
    net = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        v = net(torch.as_tensor(pts).unsqueeze(1))[:, 0].numpy()
    slopes = np.diff(v) / np.diff(pts)
    bends = ~np.isclose(slopes[1:], slopes[:-1], rtol=1e-7, atol=1e-9)
    return 1 + int(bends.sum())


def activation_patterns(model: MLP, x: torch.Tensor) -> torch.Tensor:
    """One integer id per input row for its on/off pattern over every ReLU of every layer."""
    codes = []
    with torch.no_grad():
        h = model.body[0](x)
        for lin in _linears(model):
            z = lin(h)
            codes.append(z > 0)
            h = torch.relu(z)
    bits = torch.cat(codes, dim=1)
    _, ids = torch.unique(bits, dim=0, return_inverse=True)
    return ids


def count_pieces_by_grid(model: MLP, lo: float = DOMAIN[0], hi: float = DOMAIN[1],
                         n: int = 200_001) -> int:
    """Activation regions along a dense grid (1 + pattern changes): an independent check."""
    ids = activation_patterns(model, torch.linspace(lo, hi, n, dtype=torch.float64)
                              .unsqueeze(1).to(next(model.parameters()).dtype))
    return 1 + int((ids[1:] != ids[:-1]).sum())


def sawtooth_net(depth: int) -> MLP:
    """Two ReLUs per layer composing the tent map ``T(x) = 2 ReLU(x) - 4 ReLU(x - 1/2)``.

    ``T`` folds ``[0, 1]`` onto itself once; ``depth`` layers apply it ``depth`` times, giving
    ``2^depth`` linear pieces from only ``2 depth`` hidden units (Telgarsky 2016). A single
    hidden layer needs ``2^depth - 1`` units for as many pieces.
    """
    model = relu_net(2, depth)
    layers = _linears(model)
    with torch.no_grad():
        layers[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
        for lin in layers[1:]:
            lin.weight.copy_(torch.tensor([[2.0, -4.0], [2.0, -4.0]]))
        for lin in layers:
            lin.bias.copy_(torch.tensor([0.0, -0.5]))
        model.head.weight.copy_(torch.tensor([[2.0, -4.0]]))
        model.head.bias.zero_()
    return model


def random_pieces(width: int, depth: int, seeds: int = 10, lo: float = DOMAIN[0],
                  hi: float = DOMAIN[1]) -> list[int]:
    """Linear pieces on ``[lo, hi]`` of freshly initialized ReLU nets (PyTorch's default init)."""
    counts = []
    for s in range(seeds):
        torch.manual_seed(s)
        counts.append(count_pieces_1d(relu_net(width, depth), lo, hi))
    return counts


# ---------------------------------------------------------------- folding in 2-D


def fold(x: torch.Tensor, center) -> torch.Tensor:
    """Fold the plane along the lines through ``center``: ``|x - c|`` per coordinate.

    Written with ReLUs only (``|u| = ReLU(u) + ReLU(-u)``): one hidden layer of four units and
    a linear combination. Points mirrored across a fold land on the same spot, so whatever the
    next layer does there happens in every mirrored copy at once.
    """
    u = x - torch.as_tensor(center, dtype=x.dtype)
    return torch.relu(u) + torch.relu(-u)


def fold_centers(depth: int) -> list[float]:
    """Where each fold of :func:`folding_net` sits: 0 first, then the middle of what is left."""
    return [0.0] + [2.0 ** -(level - 1) for level in range(2, depth + 1)]


def folding_net(depth: int, w=(1.0, 2.0), b: float | None = None) -> MLP:
    """``depth`` folds of the plane (four ReLUs each) and then one line ``w . v + b = 0``.

    Fold ``l`` maps ``v -> |v - c_l|`` per coordinate, so after ``depth`` folds the square
    ``[-1, 1]^2`` lands, ``4^depth`` times over, on a small square of side ``r = 2^(1-depth)``;
    the single line drawn there is repeated, mirrored, in each of the ``4^depth`` cells of the
    input: exponentially many linear regions from ``4 depth`` units.
    """
    r = 2.0 ** (1 - depth)
    b = -1.2 * r if b is None else b
    model = MLP(2, widths=(4,) * depth, num_classes=1, activation="relu")
    layers = _linears(model)
    # pre-activations (u1, -u1, u2, -u2) with u = v - c; v = |u| is the sum of each pair
    first = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    pair_sum = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    with torch.no_grad():
        for lin, c in zip(layers, fold_centers(depth)):
            lin.weight.copy_(first if lin is layers[0] else first @ pair_sum)
            lin.bias.copy_(torch.tensor([-c, c, -c, c]))
        model.head.weight.copy_(torch.tensor([list(w)]) @ pair_sum)
        model.head.bias.fill_(b)
    return model


# ---------------------------------------------------------------- parameters


def is_monotone(model: nn.Module, n: int = 2001, lo: float = DOMAIN[0],
                hi: float = DOMAIN[1]) -> bool:
    """Is the 1-D function ``model`` non-decreasing or non-increasing on ``[lo, hi]``?"""
    x = grid(n, lo, hi).double()
    with torch.no_grad():
        d = np.diff(copy.deepcopy(model).double()(x)[:, 0].numpy())
    tol = 1e-12
    return bool((d >= -tol).all() or (d <= tol).all())


def monotone_floor(f: Callable = target, n: int = 20001, lo: float = DOMAIN[0],
                   hi: float = DOMAIN[1]) -> float:
    """The best sup error any monotone function can reach: half of ``f``'s largest drop or rise.

    A width-1 ReLU network is a composition of monotone maps, hence monotone, so it can never
    get closer to ``f`` than this, however deep.
    """
    v = f(np.linspace(lo, hi, n))
    return float(min(max(np.maximum.accumulate(v) - v), max(v - np.minimum.accumulate(v))) / 2)


# ---------------------------------------------------------------- deep and narrow, by hand


def narrow_relu_interpolant(depth: int, f: Callable = target, lo: float = DOMAIN[0],
                            hi: float = DOMAIN[1]) -> MLP:
    """A width-4 ReLU network with ``depth`` hidden layers that interpolates ``f`` at
    ``2 depth + 2`` equally spaced knots: Kidger & Lyons's width ``d + D + 2 = 4``, built by hand.

    Each layer keeps four units: ``u = x - lo`` carries the input forward (it stays >= 0 on the
    domain, so its ReLU is the identity), ``v = M + partial sum`` carries the output built so
    far (``M`` keeps it >= 0), and two hinges ``ReLU(x - t_i)`` make the next two bends; the
    next layer adds the hinges, times their change of slope, into ``v``. The result is the
    piecewise linear interpolant with ``2 depth + 1`` intervals, so the sup error falls like
    ``1 / depth^2``: width stays 4, depth does the work.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    knots = np.linspace(lo, hi, 2 * depth + 2)
    values = f(knots)
    slopes = np.diff(values) / np.diff(knots)
    bends = np.diff(slopes)  # change of slope at the interior knots t_1 .. t_{2 depth}
    inner = knots[1:-1]
    # the partial sums sum_{i<=j} c_i ReLU(x - t_i) are piecewise linear with kinks at the
    # knots: their smallest value over the knots is their minimum over the domain
    hinge = np.maximum(knots[:, None] - inner[None, :], 0.0) * bends[None, :]
    offset = 1.0 + max(0.0, -np.cumsum(hinge, axis=1).min())
    model = MLP(1, widths=(4,) * depth, num_classes=1, activation="relu").double()
    layers = _linears(model)
    with torch.no_grad():
        first = layers[0]
        first.weight.copy_(torch.tensor([[1.0], [0.0], [1.0], [1.0]]))
        first.bias.copy_(torch.tensor([-lo, offset, -inner[0], -inner[1]]))
        for ell, lin in enumerate(layers[1:], start=1):
            c1, c2 = bends[2 * ell - 2], bends[2 * ell - 1]
            lin.weight.copy_(torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, c1, c2],
                                           [1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]))
            lin.bias.copy_(torch.tensor([0.0, 0.0, lo - inner[2 * ell], lo - inner[2 * ell + 1]]))
        model.head.weight.copy_(torch.tensor([[slopes[0], 1.0, bends[-2], bends[-1]]]))
        model.head.bias.fill_(float(values[0] - offset))
    return model


class Square(nn.Module):
    """The polynomial activation ``sigma(t) = t^2``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


def square_net(widths) -> MLP:
    """An MLP with ``sigma(t) = t^2`` after every hidden layer (default init)."""
    model = MLP(1, widths=tuple(widths), num_classes=1, activation="relu")
    for i, m in enumerate(model.body):
        if isinstance(m, nn.ReLU):
            model.body[i] = Square()
    return model


def square_horner_net(coeffs) -> MLP:
    """A width-4 network with ``sigma(t) = t^2`` that computes the polynomial ``coeffs`` exactly.

    ``coeffs`` are ``a_0 .. a_n`` (lowest degree first); the network has ``n`` hidden layers.
    Squares give products, ``x = ((x+1)^2 - (x-1)^2) / 4`` and
    ``s x = ((s+x)^2 - (s-x)^2) / 4``, so each layer runs one Horner step ``s <- s x + a``:
    a polynomial activation, and yet deep narrow networks reach every polynomial (and by
    Weierstrass every continuous function), which one hidden layer of any width cannot.
    """
    a = np.asarray(coeffs, dtype=float)
    n = len(a) - 1
    if n < 1:
        raise ValueError("need a polynomial of degree at least 1")
    model = square_net((4,) * n).double()
    layers = _linears(model)
    # from the squares (q1, q2, q3, q4) of a layer: x = (q1 - q2)/4 and s x = (q3 - q4)/4
    x_row = torch.tensor([0.25, -0.25, 0.0, 0.0], dtype=torch.float64)
    sx_row = torch.tensor([0.0, 0.0, 0.25, -0.25], dtype=torch.float64)
    with torch.no_grad():
        layers[0].weight.copy_(torch.tensor([[1.0], [1.0], [1.0], [-1.0]]))
        layers[0].bias.copy_(torch.tensor([1.0, -1.0, a[n], a[n]]))
        for k, lin in enumerate(layers[1:], start=1):
            coef = a[n - k]  # s_k = s_{k-1} x + a_{n-k}, read from the previous layer's squares
            lin.weight.copy_(torch.stack([x_row, x_row, sx_row + x_row, sx_row - x_row]))
            lin.bias.copy_(torch.tensor([1.0, -1.0, coef, coef]))
        model.head.weight.copy_(sx_row.unsqueeze(0))
        model.head.bias.fill_(float(a[0]))
    return model


def chebyshev_coefficients(degree: int, f: Callable = target, lo: float = DOMAIN[0],
                           hi: float = DOMAIN[1]) -> np.ndarray:
    """Power-basis coefficients (lowest first) of ``f``'s Chebyshev interpolant of ``degree``."""
    from numpy.polynomial import Chebyshev, Polynomial

    cheb = Chebyshev.interpolate(f, degree, domain=[lo, hi])
    return cheb.convert(kind=Polynomial, domain=[lo, hi], window=[lo, hi]).coef


def best_quadratic_error(f: Callable = target, n: int = 2001, lo: float = DOMAIN[0],
                         hi: float = DOMAIN[1]) -> float:
    """The smallest sup error of any quadratic on a grid (a linear program in ``a, b, c, t``).

    A one-hidden-layer network with ``sigma(t) = t^2`` is ``sum_i c_i (w_i x + b_i)^2 + c_0``, a
    quadratic, whatever its width: it can never beat this.
    """
    from scipy.optimize import linprog

    x = np.linspace(lo, hi, n)
    v = f(x)
    basis = np.stack([np.ones_like(x), x, x * x], axis=1)
    # minimise t subject to |v - basis @ coef| <= t
    a_ub = np.block([[basis, -np.ones((n, 1))], [-basis, -np.ones((n, 1))]])
    b_ub = np.concatenate([v, -v])
    res = linprog(np.array([0.0, 0.0, 0.0, 1.0]), A_ub=a_ub, b_ub=b_ub,
                  bounds=[(None, None)] * 3 + [(0, None)], method="highs")
    return float(res.x[-1])
