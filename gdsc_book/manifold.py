"""The manifold hypothesis on real data: an intrinsic-dimension estimate and 2-D embeddings.

The hypothesis says high-dimensional data lie near a low-dimensional manifold. Two ways to see
it: estimate the dimension the data *locally* occupy (TwoNN, Facco et al. 2017, from each
point's two nearest neighbours), and unroll the data with a manifold-learning method (Isomap
follows geodesic distances along a neighbour graph; t-SNE keeps neighbourhoods).
"""

from __future__ import annotations

import numpy as np


def swiss_roll(n: int = 1500, noise: float = 0.0, seed: int = 0):
    """Points on a rolled-up 2-D sheet in 3-D and their position ``t`` along the roll."""
    from sklearn.datasets import make_swiss_roll

    x, t = make_swiss_roll(n_samples=n, noise=noise, random_state=seed)
    return x, t


def twonn_dimension(x, discard: float = 0.1) -> float:
    """TwoNN intrinsic dimension (Facco et al., Sci. Rep. 2017).

    For each point, ``mu = r2 / r1`` (distances to its second and first nearest neighbours)
    follows a Pareto law ``P(mu > m) = m^{-d}`` on a ``d``-dimensional manifold, whatever the
    density; ``d`` is fitted by a line through the origin of ``-log(1 - F(mu))`` against
    ``log mu``, dropping the largest ``discard`` fraction of ratios (noise-sensitive).
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(x, dtype=np.float64)
    x = np.unique(x, axis=0)  # duplicates give r1 = 0
    dist, _ = NearestNeighbors(n_neighbors=3).fit(x).kneighbors(x)
    mu = np.sort(dist[:, 2] / dist[:, 1])
    n = len(mu)
    keep = int(n * (1 - discard))
    f = np.arange(1, n + 1) / n
    lx, ly = np.log(mu[:keep]), -np.log(1 - f[:keep])
    return float((lx @ ly) / (lx @ lx))


def isomap_2d(x, n_neighbors: int = 10) -> np.ndarray:
    from sklearn.manifold import Isomap

    return Isomap(n_neighbors=n_neighbors, n_components=2).fit_transform(x)


def pca_2d(x) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=2).fit_transform(x)


def tsne_2d(x, seed: int = 0, perplexity: float = 30.0, max_iter: int = 1000) -> np.ndarray:
    """t-SNE after a 50-D PCA (the usual speed-up); keep ``x`` to a couple of thousand rows."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    x = np.asarray(x, dtype=np.float32)
    if x.shape[1] > 50:
        x = PCA(n_components=50, random_state=seed).fit_transform(x)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                max_iter=max_iter).fit_transform(x)


def unrolling_score(embedding, t) -> float:
    """|Spearman correlation| between the best embedding axis and the true roll position ``t``."""
    from scipy.stats import spearmanr

    return float(max(abs(spearmanr(embedding[:, i], t).statistic)
                     for i in range(embedding.shape[1])))


def knn_accuracy(embedding, labels, k: int = 5, seed: int = 0) -> float:
    """Held-out k-NN accuracy in the embedding: do same-digit images stay neighbours?"""
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    return float(cross_val_score(KNeighborsClassifier(n_neighbors=k), embedding, labels,
                                 cv=5).mean())
