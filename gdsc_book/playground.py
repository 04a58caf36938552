"""The playground: a small MLP trained by gradient descent on XOR and two spirals, in float64.

This is the reference for the live demo of chapter 4 (``docs/javascripts/playground.js``),
which runs the very same steps in the reader's browser: the same data (exported from here
through the figure record ``ch04_playground``), the same initialisation (both sides draw it
from :func:`mulberry32`, a 32-bit generator that JavaScript computes exactly), the same
forward pass, backpropagation and update. ``tests/test_playground.py`` runs both and compares
their losses step by step.

The model is the chapter's MLP: ``depth`` hidden layers of ``width`` units with activation
``phi``, two output logits, softmax cross-entropy averaged over the training set (chapter 3),
and plain gradient descent on the whole set, ``theta <- theta - lr * grad`` (the SGD update with
the full batch, so every step is the same on both sides). Weights and biases start as
PyTorch's ``nn.Linear`` starts them, uniform in ``+-1/sqrt(fan_in)``.

NumPy only (no torch): the docs build imports nothing heavy, and float64 is what JavaScript
numbers are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")
DATASETS = ("xor", "spirals")
# What the reader can choose on the page (the first entry of nothing: defaults are below).
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16)
DEPTHS = (1, 2, 3, 4)
RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
SPEEDS = (1, 5, 20)  # steps per animation frame
MAX_STEPS = 10_000  # the demo stops there (a tab left playing does not spin for ever)


@dataclass(frozen=True)
class Setup:
    """One choice of the page's controls."""

    dataset: str = "xor"
    width: int = 4
    depth: int = 1
    activation: str = "tanh"
    lr: float = 0.3
    seed: int = 1  # of the initial weights (the reader's "new weights" button counts up)

    def __post_init__(self):
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, not {self.dataset!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {self.activation!r}")
        if self.width < 1 or self.depth < 1 or not self.lr > 0:
            raise ValueError("width and depth must be at least 1 and lr positive")

    @property
    def sizes(self) -> list[int]:
        return [2] + [self.width] * self.depth + [2]


# ---------------------------------------------------------------- the shared random numbers


# What the page suggests trying, each run here in full (figure ch04_playground) so that what
# the page says about it is measured: the default, then one change at a time. Each stays
# clear of the loss spikes that large steps cause in deeper tanh nets (16 x 3 on the spirals):
# there the last-bit differences between NumPy's and the browser's arithmetic grow until the
# two runs part, so a step count stated for such a run would not be what the reader sees.
TRIES = {
    "xor": Setup(),
    "xor_width1": Setup(width=1),
    "xor_deep": Setup(depth=2),
    "xor_relu": Setup(activation="relu"),
    "xor_sigmoid": Setup(activation="sigmoid"),
    "xor_sigmoid_deep": Setup(activation="sigmoid", depth=2),
    "spirals": Setup(dataset="spirals"),
    "spirals_deep": Setup(dataset="spirals", width=16, depth=2),
}


def mulberry32(seed: int):
    """Tommy Ettinger's mulberry32: uniform numbers in [0, 1) from 32-bit integer arithmetic.

    Every operation is on 32-bit integers and the result is an integer over 2^32, so
    JavaScript (``Math.imul``, ``>>>``) and Python give the same numbers bit for bit.
    """
    a = seed & 0xFFFFFFFF

    def imul(x: int, y: int) -> int:
        return (x * y) & 0xFFFFFFFF

    def draw() -> float:
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return draw


def init_params(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W, b)`` per layer, ``W`` of shape (fan_in, fan_out), drawn in the order W row by
    row, then b, layer after layer; each uniform in ``+-1/sqrt(fan_in)`` (``nn.Linear``'s)."""
    draw = mulberry32(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        w = np.array([(2.0 * draw() - 1.0) * bound for _ in range(fan_in * fan_out)])
        b = np.array([(2.0 * draw() - 1.0) * bound for _ in range(fan_out)])
        params.append((w.reshape(fan_in, fan_out), b))
    return params


# ---------------------------------------------------------------- the data


def xor_points(n_per_corner: int = 25, spread: float = 0.15, seed: int = 0):
    """Clouds around the four corners of chapter 4's truth table; label = XOR of the corner.
    The noise is clipped at 0.35, so the classes never overlap (100% is reachable)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    labels = np.array([0, 1, 1, 0])
    x = np.concatenate([c + np.clip(spread * rng.standard_normal((n_per_corner, 2)), -0.35, 0.35)
                        for c in corners])
    y = np.repeat(labels, n_per_corner)
    return _shuffled(x, y, rng)


def spiral_points(n_per_class: int = 100, turns: float = 1.25, noise: float = 0.03,
                  seed: int = 0):
    """Two interleaved spirals (Lang & Witbrock, 1988): class k at angle ``theta + k pi``."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.08, 1.0, n_per_class)
    xs, ys = [], []
    for k in (0, 1):
        theta = 2 * np.pi * turns * t + k * np.pi
        pts = np.c_[t * np.cos(theta), t * np.sin(theta)]
        xs.append(pts + noise * rng.standard_normal(pts.shape))
        ys.append(np.full(n_per_class, k))
    return _shuffled(np.concatenate(xs), np.concatenate(ys), rng)


def _shuffled(x, y, rng):
    order = rng.permutation(len(y))
    # Three decimals: the page carries the data as text, and both sides read the same numbers.
    return np.round(x[order], 3), y[order].astype(int)


# The square each data set is drawn in: (low, high) on both axes.
VIEWS = {"xor": (-0.5, 1.5), "spirals": (-1.25, 1.25)}


def dataset(name: str):
    if name == "xor":
        return xor_points()
    if name == "spirals":
        return spiral_points()
    raise ValueError(f"dataset must be one of {DATASETS}, not {name!r}")


# ---------------------------------------------------------------- forward, backprop, update


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    # sigmoid without exponentiating a positive number (gdsc_book.activations does the same)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activation_grad(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """phi'(z), from z and a = phi(z): ReLU' = [z > 0], tanh' = 1 - a^2, sigma' = a (1 - a)."""
    if name == "relu":
        return (z > 0).astype(float)
    if name == "tanh":
        return 1.0 - a * a
    return a * (1.0 - a)


def forward(params, x: np.ndarray, activation: str):
    """Logits, and each layer's (input, pre-activation, activation) for backpropagation."""
    cache = []
    a = x
    for i, (w, b) in enumerate(params):
        z = a @ w + b
        if i == len(params) - 1:
            cache.append((a, z, None))
            return z, cache
        h = activate(activation, z)
        cache.append((a, z, h))
        a = h
    raise ValueError("no layers")


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - logits[np.arange(n), y]))
    grad = e / s
    grad[np.arange(n), y] -= 1.0
    return loss, grad / n


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Share predicted right; class 1 where its logit is larger (a tie says class 0)."""
    return float(np.mean((logits[:, 1] > logits[:, 0]).astype(int) == y))


def step(params, x, y, activation: str, lr: float):
    """One gradient-descent step; returns the new parameters and the loss and accuracy of the
    parameters it started from."""
    logits, cache = forward(params, x, activation)
    loss, dz = cross_entropy(logits, y)
    acc = accuracy(logits, y)
    new = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        a_in, z, _ = cache[i]
        w, b = params[i]
        dw, db = a_in.T @ dz, dz.sum(axis=0)
        if i > 0:
            _, z_prev, h_prev = cache[i - 1]
            dz = (dz @ w.T) * activation_grad(activation, z_prev, h_prev)
        new[i] = (w - lr * dw, b - lr * db)
    return new, loss, acc


@dataclass
class Run:
    setup: Setup
    losses: np.ndarray  # losses[t]: the loss after t steps (t = 0 is the initialisation)
    accuracies: np.ndarray
    params: list

    def first_perfect(self) -> int | None:
        """The first step count at which every training point is classified right."""
        hits = np.flatnonzero(self.accuracies >= 1.0)
        return int(hits[0]) if len(hits) else None


def train(setup: Setup, steps: int, x=None, y=None) -> Run:
    if x is None:
        x, y = dataset(setup.dataset)
    params = init_params(setup.sizes, setup.seed)
    losses, accs = [], []
    for _ in range(steps):
        params, loss, acc = step(params, x, y, setup.activation, setup.lr)
        losses.append(loss)
        accs.append(acc)
    logits, _ = forward(params, x, setup.activation)
    losses.append(cross_entropy(logits, y)[0])
    accs.append(accuracy(logits, y))
    return Run(setup, np.array(losses), np.array(accs), params)


def probabilities(params, activation: str, points: np.ndarray) -> np.ndarray:
    """p(class 1 | x) at each point: the colour of the decision map."""
    logits, _ = forward(params, points, activation)
    d = logits[:, 1] - logits[:, 0]
    return activate("sigmoid", d)
