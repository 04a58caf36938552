"""Feature maps and Cover's theorem: why lifting data to more dimensions makes it separable.

Cover (1965) counted the labelings ("dichotomies") of ``N`` points in general position in
``R^d`` that a hyperplane can realise. With an affine hyperplane (weights and a bias, as every
linear layer has) the count is ``C(N, d + 1)`` with

    C(N, m) = 2 * sum_{k=0}^{m-1} binom(N - 1, k),

so the share of all ``2^N`` labelings that are linearly separable is 1 while ``N <= d + 1``,
exactly 1/2 at ``N = 2 (d + 1)``, and falls fast after that. More dimensions (more features)
make more labelings separable: the reason to map data through a nonlinear feature map
``phi`` before a linear classifier, and what a hidden layer does with learned features.
"""

from __future__ import annotations

from math import comb

import numpy as np

from gdsc_book.perceptron import is_linearly_separable


def cover_count(n_points: int, m: int) -> int:
    """Cover's ``C(N, m)``: dichotomies of ``N`` points in general position realised by a
    hyperplane through the origin of ``R^m`` (for affine hyperplanes in ``R^d``, ``m = d + 1``)."""
    return 2 * sum(comb(n_points - 1, k) for k in range(m))


def separable_share(n_points: int, dim: int) -> float:
    """Share of the ``2^N`` labelings of ``N`` generic points in ``R^dim`` that an affine
    hyperplane separates: ``C(N, dim + 1) / 2^N``."""
    return cover_count(n_points, dim + 1) / 2 ** n_points


def measured_separable_share(n_points: int, dim: int, trials: int, seed: int = 0) -> float:
    """The same share, measured: random Gaussian points, random labels, one LP each."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        x = rng.standard_normal((n_points, dim))
        y = rng.integers(0, 2, n_points)
        hits += is_linearly_separable(x, y)
    return hits / trials


def rings(n: int = 200, inner: float = 1.0, outer: float = 2.0, noise: float = 0.15,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric rings in the plane (label 0 inside, 1 outside): no line separates them."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    r = np.where(y == 0, inner, outer) + noise * rng.standard_normal(n)
    a = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1), y


def quadratic_features(x: np.ndarray) -> np.ndarray:
    """``phi(x1, x2) = (x1, x2, x1^2, x1 x2, x2^2)``: the plane mapped into ``R^5``.

    A circle ``x1^2 + x2^2 = r^2`` in the plane is the hyperplane ``u3 + u5 = r^2`` in ``R^5``.
    """
    x1, x2 = x[:, 0], x[:, 1]
    return np.stack([x1, x2, x1 * x1, x1 * x2, x2 * x2], axis=1)
