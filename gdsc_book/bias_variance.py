"""Under- and overfitting, and the bias–variance decomposition, on polynomial regression.

The data come from a known curve, ``y = sin(2πx) + ε`` with ``ε ~ N(0, σ²)``, so every part of
the expected test error can be measured, not just estimated: we can draw as many training
sets ``D`` as we like and we know the true mean ``mean(x) = sin(2πx)`` and the noise ``σ²``.

For a point ``x`` the slide's decomposition is

    E_D E_y (f_D(x) − y)² = E_D (f_D(x) − f̄(x))²  +  (f̄(x) − mean(x))²  +  σ²
                            variance                  bias²                  noise

with ``f̄(x) = E_D f_D(x)`` the average model. :func:`simulate` measures the left side directly
(fresh noisy targets for every training set) and each part on the right separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def target(x: np.ndarray) -> np.ndarray:
    """The true regression function mean(x) = E[y | x]."""
    return np.sin(2 * np.pi * x)


def sample(n: int, sigma: float, rng: np.random.Generator, size: tuple[int, ...] = ()):
    """Draw ``n`` points x ~ U(0, 1), y = target(x) + N(0, σ²); leading ``size`` for many sets."""
    x = rng.uniform(0.0, 1.0, size=(*size, n))
    return x, target(x) + sigma * rng.standard_normal(x.shape)


def features(x: np.ndarray, degree: int) -> np.ndarray:
    """Legendre features P_0..P_degree of x mapped to [-1, 1] (well conditioned, unlike x^k)."""
    return np.polynomial.legendre.legvander(2 * np.asarray(x) - 1, degree)


def fit(x: np.ndarray, y: np.ndarray, degree: int, ridge: float = 0.0) -> np.ndarray:
    """Least-squares polynomial coefficients; works on stacks of training sets (leading dims).

    ``ridge`` adds λ‖w‖² (λ > 0 keeps degree ≥ n fits unique); λ = 0 gives the minimum-norm
    least-squares solution through the pseudo-inverse.
    """
    phi = features(x, degree)
    if ridge > 0:
        a = np.swapaxes(phi, -1, -2) @ phi + ridge * np.eye(degree + 1)
        b = np.swapaxes(phi, -1, -2) @ y[..., None]
        return np.linalg.solve(a, b)[..., 0]
    return (np.linalg.pinv(phi) @ y[..., None])[..., 0]


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Evaluate polynomial(s) ``w`` (…, degree+1) at points ``x`` (m,) -> (…, m)."""
    return w @ features(x, w.shape[-1] - 1).T


def mse(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((predict(w, x) - y) ** 2))


@dataclass
class FitCurve:
    """Training and test error of one training set against polynomial degree."""

    degrees: list[int]
    train_mse: list[float]
    test_mse: list[float]

    @property
    def gap(self) -> list[float]:
        return [te - tr for tr, te in zip(self.train_mse, self.test_mse)]


def fit_curve(degrees, n_train: int = 15, n_test: int = 2000, sigma: float = 0.3,
              seed: int = 0) -> tuple[FitCurve, tuple, tuple]:
    """Fit one training set with each degree; return errors and the data used."""
    rng = np.random.default_rng(seed)
    train = sample(n_train, sigma, rng)
    test = sample(n_test, sigma, rng)
    tr, te = [], []
    for d in degrees:
        w = fit(*train, d)
        tr.append(mse(w, *train))
        te.append(mse(w, *test))
    return FitCurve(list(degrees), tr, te), train, test


@dataclass
class Decomposition:
    """Bias², variance, noise and the directly measured expected error, per degree."""

    degrees: list[int]
    bias2: list[float]
    variance: list[float]
    noise: list[float]
    expected_error: list[float]  # E_D E_y (f_D(x) − y)², measured with fresh noisy targets
    expected_error_se: list[float]  # its Monte-Carlo standard error
    n_train: int
    n_sets: int

    @property
    def total(self) -> list[float]:
        return [b + v + n for b, v, n in zip(self.bias2, self.variance, self.noise)]


def simulate(degrees, n_train: int = 20, sigma: float = 0.3, n_sets: int = 2000,
             n_grid: int = 200, ridge: float = 0.0, seed: int = 0) -> Decomposition:
    """Monte-Carlo bias–variance decomposition over ``n_sets`` independent training sets.

    The test inputs are a uniform grid on [0, 1] (the input distribution is U(0, 1), so the
    grid average approximates E_x). For each training set a fresh noisy target is drawn at
    every grid point, so ``expected_error`` is measured without using the decomposition.
    """
    rng = np.random.default_rng(seed)
    xs = (np.arange(n_grid) + 0.5) / n_grid
    truth = target(xs)
    x, y = sample(n_train, sigma, rng, size=(n_sets,))
    y_test = truth + sigma * rng.standard_normal((n_sets, n_grid))  # the same for every degree
    out = {k: [] for k in ("bias2", "variance", "noise", "err", "se")}
    for d in degrees:
        preds = predict(fit(x, y, d, ridge), xs)  # n_sets x n_grid
        mean_pred = preds.mean(axis=0)  # f̄(x), the average model
        out["bias2"].append(float(np.mean((mean_pred - truth) ** 2)))
        out["variance"].append(float(np.mean(preds.var(axis=0))))
        out["noise"].append(sigma**2)
        per_set = ((preds - y_test) ** 2).mean(axis=1)  # independent across training sets
        out["err"].append(float(per_set.mean()))
        out["se"].append(float(per_set.std(ddof=1) / np.sqrt(n_sets)))
    return Decomposition(list(degrees), out["bias2"], out["variance"], out["noise"],
                         out["err"], out["se"], n_train, n_sets)
