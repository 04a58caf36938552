"""Chapter 8: gradient descent, SGD and minibatch SGD on problems small enough to see.

Everything here is NumPy on one or two parameters, so a reader can watch each step:

- :class:`LinearRegression2D`: a least-squares loss over ``theta = (w, b)`` whose full loss and
  minibatch losses are all quadratics with different centres (the slide's
  :math:`L(\\theta)` vs :math:`L(\\theta \\mid \\mathcal{B})`).
- :func:`descend`: one loop for GD (``batch_size = n``), SGD (``1``) and minibatch SGD.
- :func:`noisy_quadratic`: SGD on :math:`f(\\theta) = \\tfrac12\\theta^2` with noisy gradients,
  many independent runs at once: the Robbins–Monro experiment and the rate :math:`O(t^{-p})`.
- :func:`saddle_run`: :math:`f(x, y) = x^2/2 + y^4/4 - y^2/2`, whose saddle at the origin
  traps GD started on the stable manifold ``y = 0`` while SGD's noise escapes.
- :func:`pl_function` and :func:`gd_1d`: :math:`x^2 + 3\\sin^2 x`, Polyak–Łojasiewicz but not
  convex (Karimi, Nutini & Schmidt 2016), so GD converges linearly anyway.
- :class:`TwoMinima`: a sharp and a flat minimum; large steps with noise settle in the flat one.
- :class:`TiltedDoubleWell`: a non-convex loss averaged over examples, each of which tilts it;
  small minibatches tilt it enough to erase its local minimum, so SGD leaves it and GD does not.
- :func:`overfit_run`: a real MNIST run whose training loss falls while its test loss turns up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Schedule = Callable[[int], float]


def as_schedule(lr: float | Schedule) -> Schedule:
    """A constant step size or a schedule ``t -> eta_t``, as a schedule."""
    if callable(lr):
        return lr
    value = float(lr)
    return lambda t: value


# ---------------------------------------------------------------- minibatches


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: a random permutation of ``range(n)`` cut into batches of ``batch_size``.

    Sampling without replacement inside an epoch is what ``DataLoader(shuffle=True)`` and
    ``train_model`` do: every example is seen once per pass over the data.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    perm = rng.permutation(n)
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


# ---------------------------------------------------------------- a 2-D loss


@dataclass
class LinearRegression2D:
    """Mean squared error of ``y ≈ w x + b`` as a function of ``theta = (w, b)``."""

    x: np.ndarray
    y: np.ndarray

    @classmethod
    def make(cls, n: int = 200, w: float = 2.0, b: float = -1.0, noise: float = 1.0,
             seed: int = 0) -> LinearRegression2D:
        rng = np.random.default_rng(seed)
        x = rng.normal(0.0, 1.0, n)
        return cls(x, w * x + b + noise * rng.normal(0.0, 1.0, n))

    @property
    def n(self) -> int:
        return len(self.x)

    def _xy(self, idx):
        return (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])

    def loss(self, theta, idx=None) -> np.ndarray:
        """:math:`L(\\theta \\mid \\mathcal{B})`; ``theta`` may be a grid of shape (..., 2)."""
        x, y = self._xy(idx)
        theta = np.asarray(theta, dtype=float)
        w, b = theta[..., 0, None], theta[..., 1, None]
        return np.mean((w * x + b - y) ** 2, axis=-1)

    def grad(self, theta, idx=None) -> np.ndarray:
        x, y = self._xy(idx)
        r = theta[0] * x + theta[1] - y
        return np.array([2 * np.mean(r * x), 2 * np.mean(r)])

    def minimizer(self, idx=None) -> np.ndarray:
        """The least-squares solution on the batch (the centre of its quadratic bowl)."""
        x, y = self._xy(idx)
        a = np.stack([x, np.ones_like(x)], axis=1)
        return np.linalg.lstsq(a, y, rcond=None)[0]

    def gradient_variance(self, theta, batch_size: int, trials: int = 2000,
                          seed: int = 0) -> float:
        """Mean squared distance of a minibatch gradient from the full gradient.

        Without replacement it is ``s2 / B * (n - B) / (n - 1)`` with ``s2`` the per-example
        variance: a batch of 4x the size is 4x less noisy (and the full batch has none).
        """
        rng = np.random.default_rng(seed)
        full = self.grad(theta)
        errs = [np.sum((self.grad(theta, rng.choice(self.n, batch_size, replace=False))
                        - full) ** 2) for _ in range(trials)]
        return float(np.mean(errs))

    def per_example_gradients(self, theta) -> np.ndarray:
        """The gradient of every example's loss, shape (n, 2); their mean is :meth:`grad`."""
        r = theta[0] * self.x + theta[1] - self.y
        return np.stack([2 * r * self.x, 2 * r], axis=1)

    def per_example_variance(self, theta) -> float:
        """``s2 = (1/n) sum_i ||g_i - mean g||^2``: the ``1/n`` that ``s2/B * (n-B)/(n-1)`` needs."""
        return float(np.sum(np.var(self.per_example_gradients(theta), axis=0)))


def descend(problem: LinearRegression2D, theta0, lr: float | Schedule, steps: int,
            batch_size: int | None = None, seed: int = 0) -> np.ndarray:
    """GD (``batch_size=None``), SGD (``1``) or minibatch SGD; returns the path (steps+1, 2).

    Each step is :math:`\\theta_{t+1} = \\theta_t - \\eta_t \\nabla L(\\theta_t \\mid
    \\mathcal{B}_t)`, with batches drawn epoch by epoch from a fresh permutation.
    """
    eta = as_schedule(lr)
    rng = np.random.default_rng(seed)
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    batches: list[np.ndarray] = []
    for t in range(steps):
        if batch_size is None:
            idx = None
        else:
            if not batches:
                batches = minibatches(problem.n, batch_size, rng)[::-1]
            idx = batches.pop()
        theta = theta - eta(t) * problem.grad(theta, idx)
        path.append(theta.copy())
    return np.array(path)


# ---------------------------------------------------------------- Robbins–Monro and rates


def noisy_quadratic(lr: float | Schedule, steps: int, runs: int = 500, sigma: float = 1.0,
                    theta0: float = 5.0, mu: float = 1.0, seed: int = 0) -> np.ndarray:
    """SGD on :math:`f(\\theta) = \\tfrac{\\mu}{2}\\theta^2` with gradient ``mu*theta + sigma*xi``.

    Runs ``runs`` independent chains at once and returns the mean squared error
    :math:`\\mathbb{E}[\\theta_t^2]` for ``t = 0..steps`` (the optimum is ``theta* = 0``).
    """
    eta = as_schedule(lr)
    rng = np.random.default_rng(seed)
    theta = np.full(runs, float(theta0))
    mse = np.empty(steps + 1)
    mse[0] = np.mean(theta ** 2)
    for t in range(steps):
        theta -= eta(t) * (mu * theta + sigma * rng.standard_normal(runs))
        mse[t + 1] = np.mean(theta ** 2)
    return mse


def noise_floor(eta: float, sigma: float = 1.0, mu: float = 1.0) -> float:
    """Stationary :math:`\\mathbb{E}[\\theta^2]` of constant-step SGD on the noisy quadratic.

    From :math:`\\theta' = (1 - \\eta\\mu)\\theta - \\eta\\sigma\\xi`:
    :math:`v = (1-\\eta\\mu)^2 v + \\eta^2\\sigma^2`, so :math:`v = \\eta\\sigma^2/(\\mu(2 - \\eta\\mu))`.
    """
    return eta * sigma ** 2 / (mu * (2.0 - eta * mu))


def loglog_slope(t: np.ndarray, err: np.ndarray) -> float:
    """Least-squares slope of ``log err`` against ``log t``: ``-p`` for a rate ``O(t^-p)``."""
    return float(np.polyfit(np.log(t), np.log(err), 1)[0])


# ---------------------------------------------------------------- saddle points


def saddle_f(x, y):
    """:math:`f(x, y) = x^2/2 + y^4/4 - y^2/2`: a saddle at (0, 0), minima at (0, ±1)."""
    return x ** 2 / 2 + y ** 4 / 4 - y ** 2 / 2


def saddle_grad(x, y):
    return np.array([x, y ** 3 - y])


SADDLE_MIN = -0.25  # f(0, ±1)


def saddle_run(start=(2.0, 0.0), lr: float | Schedule = 0.1, steps: int = 400,
               sigma: float = 0.0, seed: int = 0) -> np.ndarray:
    """GD (``sigma=0``) or SGD (gradient plus Gaussian noise of std ``sigma``); path (steps+1, 2).

    From a start on ``y = 0`` the gradient's ``y`` part is ``y^3 - y = 0`` exactly, so GD never
    leaves the line and converges to the saddle. Any noise puts ``y`` off the line, and the
    negative curvature ``-1`` then grows it until it reaches a minimum.
    """
    eta = as_schedule(lr)
    rng = np.random.default_rng(seed)
    p = np.array(start, dtype=float)
    path = [p.copy()]
    for t in range(steps):
        g = saddle_grad(*p)
        if sigma:
            g = g + sigma * rng.standard_normal(2)
        p = p - eta(t) * g
        path.append(p.copy())
    return np.array(path)


# ---------------------------------------------------------------- PL and strong convexity


def pl_function(x):
    """:math:`f(x) = x^2 + 3\\sin^2 x` (Karimi, Nutini & Schmidt 2016): PL, not convex."""
    return x ** 2 + 3 * np.sin(x) ** 2


def pl_grad(x):
    return 2 * x + 3 * np.sin(2 * x)


def pl_curvature(x):
    return 2 + 6 * np.cos(2 * x)


PL_SMOOTHNESS = 8.0  # max |f''| = 2 + 6
PL_MU = 1 / 32  # the constant Karimi et al. state for this function


def pl_ratio(x):
    """:math:`\\tfrac12 f'(x)^2 / (f(x) - f^*)` with ``f* = 0``; PL holds when it is >= mu."""
    return 0.5 * pl_grad(x) ** 2 / pl_function(x)


def pl_rate(lr: float, mu: float = PL_MU, smoothness: float = PL_SMOOTHNESS) -> float:
    r"""Guaranteed per-step factor of ``f - f*`` for GD with step ``lr <= 1/L`` under PL.

    The descent lemma gives :math:`f(x') \le f(x) - \eta(1 - L\eta/2) f'(x)^2` and PL turns
    :math:`f'(x)^2` into :math:`2\mu (f(x) - f^*)`: a geometric (linear) rate.
    """
    return 1 - 2 * mu * lr * (1 - smoothness * lr / 2)


def gd_1d(grad: Callable, x0: float, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent in one variable; returns ``x_0..x_steps``."""
    xs = np.empty(steps + 1)
    xs[0] = x0
    for t in range(steps):
        xs[t + 1] = xs[t] - lr * grad(xs[t])
    return xs


# ---------------------------------------------------------------- flat and sharp minima


@dataclass
class TwoMinima:
    """A 1-D loss with a deep sharp minimum on the left and a shallower flat one on the right."""

    sharp_at: float = -0.5
    sharp_width: float = 0.1  # curvature about depth / width**2 = 100
    sharp_depth: float = 1.0
    flat_at: float = 1.0
    flat_width: float = 0.6  # curvature about 2.3
    flat_depth: float = 0.8
    bowl: float = 0.05  # keeps the loss bounded below far away

    def _wells(self, x):
        a = self.sharp_depth * np.exp(-(x - self.sharp_at) ** 2 / (2 * self.sharp_width ** 2))
        b = self.flat_depth * np.exp(-(x - self.flat_at) ** 2 / (2 * self.flat_width ** 2))
        return a, b

    def loss(self, x):
        a, b = self._wells(x)
        return -a - b + self.bowl * x ** 2

    def grad(self, x):
        a, b = self._wells(x)
        return (a * (x - self.sharp_at) / self.sharp_width ** 2
                + b * (x - self.flat_at) / self.flat_width ** 2 + 2 * self.bowl * x)

    def minimum(self, which: str) -> float:
        """The local minimum near the named well, found by many small GD steps."""
        x0 = self.sharp_at if which == "sharp" else self.flat_at
        return float(gd_1d(self.grad, x0, 1e-3, 20000)[-1])

    def curvature(self, x, h: float = 1e-4) -> float:
        return float((self.grad(x + h) - self.grad(x - h)) / (2 * h))

    def settle(self, starts: np.ndarray, lr: float | Schedule, steps: int, sigma: float = 0.0,
               seed: int = 0) -> np.ndarray:
        """Run GD/SGD from every start at once; return where each ends."""
        eta = as_schedule(lr)
        rng = np.random.default_rng(seed)
        x = np.array(starts, dtype=float)
        for t in range(steps):
            g = self.grad(x)
            if sigma:
                g = g + sigma * rng.standard_normal(x.shape)
            x = x - eta(t) * g
        return x

    def basin(self, x) -> np.ndarray:
        """``True`` where ``x`` lies in the flat minimum's basin (right of the barrier)."""
        grid = np.linspace(self.sharp_at, self.flat_at, 2001)
        barrier = grid[np.argmax(self.loss(grid))]
        return np.asarray(x) > barrier


# ---------------------------------------------------------------- escaping a local minimum


WELL_VANISHES = 2 / (3 * np.sqrt(3))  # largest |θ³ − θ| slope a well of (θ²−1)²/4 survives


@dataclass
class TiltedDoubleWell:
    """A non-convex loss that is a mean over examples: :math:`L(\\theta) = (\\theta^2-1)^2/4 + s\\theta`.

    Example ``i`` adds its own tilt: :math:`\\ell_i(\\theta) = L(\\theta) + \\varepsilon_i\\theta` with
    :math:`\\sum_i \\varepsilon_i = 0`, so the full loss is exactly ``L`` and a minibatch's loss is
    ``L`` tilted by the batch mean :math:`\\bar\\varepsilon_\\mathcal{B}`. With ``s > 0`` the left
    well is the global minimum and the right one a local minimum; a minibatch whose total
    slope ``s + mean(eps[B])`` exceeds :data:`WELL_VANISHES` has no minimum on the right at all.
    """

    eps: np.ndarray
    tilt: float = 0.25

    @classmethod
    def make(cls, n: int = 200, spread: float = 2.0, tilt: float = 0.25,
             seed: int = 0) -> TiltedDoubleWell:
        e = np.random.default_rng(seed).normal(0.0, spread, n)
        return cls(e - e.mean(), tilt)  # centred: the minibatch losses average to L exactly

    @property
    def n(self) -> int:
        return len(self.eps)

    def _slope(self, idx):
        return self.tilt + (0.0 if idx is None else float(np.mean(self.eps[idx])))

    def loss(self, theta, idx=None):
        """:math:`L(\\theta \\mid \\mathcal{B})`, the mean of the batch's example losses."""
        theta = np.asarray(theta, dtype=float)
        return (theta ** 2 - 1) ** 2 / 4 + self._slope(idx) * theta

    def example_losses(self, theta) -> np.ndarray:
        """Every :math:`\\ell_i(\\theta)` (rows: examples), to check that their mean is ``L``."""
        theta = np.asarray(theta, dtype=float)
        return (theta ** 2 - 1) ** 2 / 4 + (self.tilt + self.eps[:, None]) * theta

    def minima(self, idx=None) -> np.ndarray:
        """The local minima of ``L(θ|B)`` (one or two), from the roots of θ³ − θ + slope."""
        r = np.roots([1.0, 0.0, -1.0, self._slope(idx)])
        r = np.sort(r[np.abs(r.imag) < 1e-9].real)
        return r if len(r) == 1 else r[[0, -1]]

    def has_local_minimum(self, idx=None) -> bool:
        """Does ``L(θ|B)`` keep a minimum in the right well? (Such a minimum lies beyond 1/√3.)"""
        return bool(self.minima(idx)[-1] > 1 / np.sqrt(3))

    def runs(self, theta0: float, lr: float | Schedule, steps: int, batch_size: int | None,
             runs: int = 200, seed: int = 0) -> np.ndarray:
        """``runs`` independent GD (``batch_size=None``) or minibatch SGD chains; paths (steps+1, runs).

        Each chain draws its own minibatches epoch by epoch without replacement, as
        :func:`minibatches` does; ``batch_size`` must divide ``n`` so every batch is full.
        """
        eta = as_schedule(lr)
        if batch_size is not None and self.n % batch_size:
            raise ValueError(f"batch_size {batch_size} must divide n = {self.n}")
        rng = np.random.default_rng(seed)
        theta = np.full(runs, float(theta0))
        path = np.empty((steps + 1, runs))
        path[0] = theta
        per_epoch = 1 if batch_size is None else self.n // batch_size
        tilts = np.zeros((runs, 1))
        for t in range(steps):
            if batch_size is not None and t % per_epoch == 0:
                perm = rng.permuted(np.tile(np.arange(self.n), (runs, 1)), axis=1)
                tilts = self.eps[perm].reshape(runs, per_epoch, batch_size).mean(axis=2)
            g = theta ** 3 - theta + self.tilt + tilts[:, t % per_epoch]
            theta = theta - eta(t) * g
            path[t + 1] = theta
        return path


def linear_decay(lr: float, steps: int) -> Schedule:
    """:math:`\\eta_t = \\eta_0 (1 - t/T)`: large steps first, none at the end, so runs settle."""
    return lambda t: lr * (1 - t / steps)


# ---------------------------------------------------------------- optimization ≠ learning


def overfit_run(train_set, test_set, *, epochs: int = 40, hidden: int = 512, lr: float = 0.1,
                batch_size: int = 50, seed: int = 0):
    """Train an MLP on a small training set until its training loss is nearly zero.

    Returns the :class:`gdsc_book.train.History`: the training loss keeps falling (the
    optimizer does its job) while the test loss turns back up (learning is not optimization).
    """
    import torch

    from gdsc_book.models import MLP
    from gdsc_book.train import train_model

    torch.manual_seed(seed)
    in_features = int(np.prod(train_set.images.shape[1:]))
    return train_model(MLP(in_features, (hidden,)), train_set, test_set, epochs=epochs, lr=lr,
                       batch_size=batch_size, seed=seed)


def compare_schedules(train_set, test_set, names=None, *, epochs: int = 5,
                      lr: float = 0.5, hidden: int = 128, batch_size: int = 128,
                      seed: int = 0) -> dict:
    """Train the same MLP once per schedule (same seed, same peak rate); ``{name: History}``.

    The peak rate is deliberately large: it is where the schedule, warmup above all, matters.
    """
    import torch

    from gdsc_book.models import MLP
    from gdsc_book.schedules import SCHEDULES, scheduler_factory
    from gdsc_book.train import train_model

    in_features = int(torch.tensor(train_set.images.shape[1:]).prod())
    runs = {}
    for name in SCHEDULES if names is None else names:
        torch.manual_seed(seed)
        model = MLP(in_features, (hidden,))
        runs[name] = train_model(model, train_set, test_set, epochs=epochs, lr=lr,
                                 batch_size=batch_size, scheduler=scheduler_factory(name),
                                 seed=seed, on_nan="stop")
    return runs
