"""Chapter 6: under/overfitting on polynomial fits and the bias–variance decomposition."""

from __future__ import annotations

import numpy as np

from gdsc_book import bias_variance as bv

DEGREES = list(range(0, 13))


def test_fit_recovers_a_polynomial_exactly():
    x = np.linspace(0, 1, 30)
    y = 1 - 2 * x + 3 * x**3
    w = bv.fit(x, y, 3)
    assert np.allclose(bv.predict(w, x), y, atol=1e-10)


def test_fit_works_on_stacks_of_training_sets():
    rng = np.random.default_rng(0)
    x, y = bv.sample(15, 0.3, rng, size=(4,))
    stacked = bv.fit(x, y, 5, ridge=1e-3)
    one = np.stack([bv.fit(x[i], y[i], 5, ridge=1e-3) for i in range(4)])
    assert np.allclose(stacked, one)


def test_ridge_penalizes_legendre_coefficients():
    """The page's description: minimize Σ(f(xᵢ) − yᵢ)² + λ‖w‖², f = Σ w_k P_k(2x − 1), P_0 included.

    The same λ on monomial coefficients (f = Σ c_k x^k) is a different regularizer: another fit.
    """
    rng = np.random.default_rng(0)
    x, y = bv.sample(25, 0.3, rng)
    lam, degree = 1e-3, 12
    phi = np.stack([np.polynomial.Legendre.basis(k)(2 * x - 1) for k in range(degree + 1)], 1)
    # ridge as least squares on [Φ; √λ I] w ≈ [y; 0], written independently of bv.fit
    aug = np.vstack([phi, np.sqrt(lam) * np.eye(degree + 1)])
    w = np.linalg.lstsq(aug, np.concatenate([y, np.zeros(degree + 1)]), rcond=None)[0]
    assert np.allclose(bv.fit(x, y, degree, ridge=lam), w, atol=1e-8)
    mono = np.vander(x, degree + 1, increasing=True)
    aug = np.vstack([mono, np.sqrt(lam) * np.eye(degree + 1)])
    c = np.linalg.lstsq(aug, np.concatenate([y, np.zeros(degree + 1)]), rcond=None)[0]
    xs = np.linspace(0, 1, 200)
    gap = np.abs(bv.predict(w, xs) - np.vander(xs, degree + 1, increasing=True) @ c).max()
    assert gap > 0.05, gap


def test_underfit_and_overfit_on_one_training_set():
    """The page's picture: degree 1 underfits, degree 3 fits, degree 9 interpolates 10 points."""
    curve, _, _ = bv.fit_curve(range(10), n_train=10, seed=0)
    train, test = np.array(curve.train_mse), np.array(curve.test_mse)
    assert np.all(np.diff(train) <= 1e-12)  # nested models: training error never rises
    assert train[9] < 1e-20  # 10 coefficients through 10 points: zero training error
    assert train[1] > 0.25 and test[1] > 0.4  # underfit: both errors large
    assert test[3] < test[1] and test[3] < test[9]  # the sweet spot in between
    assert curve.gap[9] > 5 * curve.gap[3]  # overfit: the gap explodes


def test_decomposition_adds_up_to_the_measured_expected_error():
    """bias² + variance + noise matches E_D E_y (f_D(x) − y)² within Monte-Carlo error."""
    d = bv.simulate(DEGREES, n_train=25, ridge=1e-3, n_sets=2000, seed=1)
    for total, err, se in zip(d.total, d.expected_error, d.expected_error_se):
        # se covers the spread over training sets; the noise term adds its own, tiny, error.
        noise_se = 0.3**2 * np.sqrt(2 / (d.n_sets * 200))
        assert abs(total - err) < 4 * np.hypot(se, noise_se), (total, err, se)


def test_decomposition_is_not_trivially_true():
    """Dropping a part (here the noise) breaks the match: the check above can fail."""
    d = bv.simulate([3], n_train=25, ridge=1e-3, n_sets=2000, seed=1)
    partial = d.bias2[0] + d.variance[0]
    assert abs(partial - d.expected_error[0]) > 20 * d.expected_error_se[0]


def test_bias_falls_and_variance_rises_with_capacity():
    d = bv.simulate(DEGREES, n_train=25, ridge=1e-3, n_sets=2000, seed=1)
    assert d.bias2[0] > 100 * d.bias2[5]  # more capacity: less bias
    assert d.variance[12] > 10 * d.variance[3]  # ... and more variance
    best = int(np.argmin(d.expected_error))
    assert 0 < best < len(DEGREES) - 1  # a U-curve: the best capacity is in between


def test_more_data_reduces_variance_but_not_bias():
    """The slide: more training data reduces variance but the bias remains."""
    small = bv.simulate([1], n_train=25, ridge=1e-3, n_sets=2000, seed=2)
    large = bv.simulate([1], n_train=200, ridge=1e-3, n_sets=2000, seed=2)
    assert large.variance[0] < small.variance[0] / 4
    assert abs(large.bias2[0] - small.bias2[0]) < 0.1 * small.bias2[0]
