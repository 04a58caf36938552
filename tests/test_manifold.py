"""Chapter 4: the manifold hypothesis, measured (intrinsic dimension, unrolling, MNIST)."""

from __future__ import annotations

import numpy as np
import pytest

from gdsc_book import manifold as M

from .conftest import has_dataset


def test_twonn_recovers_known_dimensions():
    rng = np.random.default_rng(0)
    x5 = rng.normal(size=(1500, 5))
    assert M.twonn_dimension(x5) == pytest.approx(5, abs=0.6)
    # the same 5-D cloud embedded linearly in 50-D: still 5
    assert M.twonn_dimension(x5 @ rng.normal(size=(5, 50))) == pytest.approx(5, abs=0.6)
    x, _ = M.swiss_roll(1000)
    assert M.twonn_dimension(x) == pytest.approx(2, abs=0.3)  # a 2-D sheet rolled in 3-D


def test_isomap_unrolls_the_swiss_roll_and_pca_does_not():
    x, t = M.swiss_roll(800)
    assert M.unrolling_score(M.isomap_2d(x), t) > 0.95
    assert M.unrolling_score(M.pca_2d(x), t) < 0.5


@pytest.mark.data
@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_mnist_lies_near_a_low_dimensional_manifold():
    from gdsc_book.data import load

    ds = load("mnist", train=False).subset(1500, seed=0)
    x = ds.images.reshape(len(ds.labels), -1).numpy().astype(np.float64) / 255
    d = M.twonn_dimension(x)
    assert 5 < d < 30 < x.shape[1]  # far below 784
