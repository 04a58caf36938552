"""Chapter 4: feature maps and Cover's theorem, computed."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from gdsc_book import features as FT
from gdsc_book.perceptron import is_linearly_separable

from .pages import record_numbers, says


@pytest.mark.parametrize("n_points,dim", [(3, 1), (5, 1), (4, 2), (6, 2), (7, 3)])
def test_cover_count_is_the_number_of_separable_labelings(n_points, dim):
    """All 2^N labelings of N generic points, each checked by a linear program."""
    x = np.random.default_rng(n_points * 10 + dim).standard_normal((n_points, dim))
    separable = sum(is_linearly_separable(x, np.array(lab))
                    for lab in product([0, 1], repeat=n_points))
    assert separable == FT.cover_count(n_points, dim + 1)


def test_cover_share_is_one_up_to_d_plus_1_and_exactly_half_at_twice_that():
    for d in (1, 2, 5, 20):
        assert FT.separable_share(d + 1, d) == 1.0
        assert FT.separable_share(d + 2, d) < 1.0
        assert FT.separable_share(2 * (d + 1), d) == 0.5
        shares = [FT.separable_share(n, d) for n in range(1, 4 * (d + 1) + 1)]
        assert all(a >= b for a, b in zip(shares, shares[1:]))
    # more dimensions, more separable labelings of the same N points
    assert FT.separable_share(24, 2) < FT.separable_share(24, 5) < FT.separable_share(24, 20)


def test_feature_map_turns_the_circle_into_a_hyperplane():
    x, y = FT.rings(200, noise=0.1, seed=0)
    phi = FT.quadratic_features(x)
    assert phi.shape == (200, 5)
    assert np.allclose(phi[:, 2] + phi[:, 4], np.sum(x ** 2, axis=1))  # u3 + u5 = |x|^2
    assert not is_linearly_separable(x, y) and is_linearly_separable(phi, y)


def test_feature_map_record_backs_the_page():
    says("ch04-nonlinear", ko=("고차원 공간으로 옮기는", '"cover1965"', r"C(N, m) = 2 \sum_{k=0}^{m-1}"),
         en=("map the data to a high-dimensional space", '"cover1965"', r"C(N, m) = 2 \sum_{k=0}^{m-1}"))
    r = record_numbers("ch04_feature_map")
    assert r["separable_in_plane"] is False and r["separable_in_features"] is True
    assert r["circle_line_accuracy"] == 1.0
    assert all(v == 0.5 for v in r["share_at_twice"].values())
    assert r["max_gap"] < 0.1  # 100 labelings: within a few standard errors of the formula
    d0, d1 = str(r["dims"][0]), str(r["dims"][-1])
    assert r["share_at_four"][d0] > 100 * r["share_at_four"][d1]
    for d in r["dims"]:
        assert r["measured"][str(d)][0] == 1.0  # N = d + 1: always separable
