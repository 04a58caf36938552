"""Linear regression, the lecture's first example (chapter 2).

The model is ``price = w_area * area + w_age * age + b``, the objective the mean squared
error (MSE), and the data a *synthetic* set of houses: we draw them from known weights so the
page can compare what gradient descent (GD) finds with the truth and with the closed form.

Everything is float64 torch tensors: the lesson compares GD with the exact solution to many
digits, and float32 round-off would blur that comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

DTYPE = torch.float64

# The weights the synthetic houses are drawn from (price in 100 million won, "억 원").
TRUE_W_AREA = 0.05  # per square metre
TRUE_W_AGE = -0.03  # per year of age
TRUE_B = 1.0
FEATURES = ("area", "age")


@dataclass
class Houses:
    """A synthetic housing data set: ``x`` is N×2 (area in m², age in years), ``y`` the price."""

    x: torch.Tensor
    y: torch.Tensor
    true_w: torch.Tensor
    true_b: float
    noise: float

    def __len__(self) -> int:
        return len(self.y)


def make_houses(n: int = 200, seed: int = 0, noise: float = 0.3) -> Houses:
    """Draw ``n`` houses from ``price = 0.05·area − 0.03·age + 1 + ε``, ε ~ N(0, noise²).

    Newer flats tend to be larger here (area and age are negatively correlated), which makes
    the loss surface an elongated bowl rather than a round one: the case where GD zig-zags.
    """
    if n < 3:
        raise ValueError("need at least 3 houses to fit 3 parameters")
    g = torch.Generator().manual_seed(seed)
    age = torch.rand(n, generator=g, dtype=DTYPE) * 40.0
    area = 120.0 - 1.5 * age + 20.0 * torch.randn(n, generator=g, dtype=DTYPE)
    area = area.clamp(min=20.0)
    x = torch.stack([area, age], dim=1)
    true_w = torch.tensor([TRUE_W_AREA, TRUE_W_AGE], dtype=DTYPE)
    y = x @ true_w + TRUE_B + noise * torch.randn(n, generator=g, dtype=DTYPE)
    return Houses(x, y, true_w, TRUE_B, noise)


def predict(x: torch.Tensor, w: torch.Tensor, b) -> torch.Tensor:
    """The linear model ``ŷ = x w + b``."""
    return x @ w + b


def mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error ``(1/N) Σ (ŷ_i − y_i)²``."""
    return ((pred - y) ** 2).mean()


def mse_gradient(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b):
    """Gradient of the MSE with respect to ``w`` and ``b``, written out by hand.

    ``∂L/∂w = (2/N) xᵀ(ŷ − y)`` and ``∂L/∂b = (2/N) Σ (ŷ − y)``.
    """
    r = predict(x, w, b) - y
    n = len(y)
    return 2.0 / n * (x.T @ r), 2.0 / n * r.sum()


@dataclass
class Scaler:
    """Standardization ``z = (x − mean) / std``, remembered so weights map back to units."""

    mean: torch.Tensor
    std: torch.Tensor

    @classmethod
    def fit(cls, x: torch.Tensor) -> Scaler:
        return cls(x.mean(dim=0), x.std(dim=0))

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def to_original(self, w: torch.Tensor, b) -> tuple[torch.Tensor, float]:
        """Weights learned on ``z`` expressed for the raw features: same predictions."""
        w_raw = w / self.std
        return w_raw, float(b - (w_raw * self.mean).sum())


def closed_form(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The least-squares solution: solve the normal equations ``AᵀA θ = Aᵀy`` with ``A = [x, 1]``."""
    a = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)
    theta = torch.linalg.solve(a.T @ a, a.T @ y)
    return theta[:-1], float(theta[-1])


def least_squares_classifier(x: torch.Tensor, y: torch.Tensor, num_classes: int
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """A linear classifier fitted by least squares: ``[x, 1] θ`` onto the one-hot labels.

    The classic way to fit one weighted sum per class (predict the class of the largest sum).
    The normal equations are solved by pseudo-inverse, so inputs that never vary (MNIST's blank
    border pixels) are allowed. Returns ``(W, b)``, with ``W`` of shape ``num_classes × d``.
    """
    a = torch.cat([x.flatten(1).double(), torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    t = torch.nn.functional.one_hot(y.long(), num_classes).double()
    theta = torch.linalg.pinv(a.T @ a, hermitian=True) @ (a.T @ t)
    return theta[:-1].T, theta[-1]


@dataclass
class GDResult:
    w: torch.Tensor
    b: float
    path: torch.Tensor  # (steps + 1) × (d + 1): the parameters (w, b) before each step
    losses: torch.Tensor  # steps + 1 values of the MSE along the path


def gradient_descent(x: torch.Tensor, y: torch.Tensor, lr: float = 0.1, steps: int = 100,
                     w0=None, b0: float = 0.0) -> GDResult:
    """Plain (full-batch) gradient descent on the MSE: ``θ ← θ − η ∇L(θ)``."""
    w = torch.zeros(x.shape[1], dtype=x.dtype) if w0 is None else torch.as_tensor(
        w0, dtype=x.dtype).clone()
    b = torch.tensor(float(b0), dtype=x.dtype)
    path, losses = [], []
    for _ in range(steps):
        path.append(torch.cat([w, b.view(1)]))
        losses.append(mse(predict(x, w, b), y))
        gw, gb = mse_gradient(x, y, w, b)
        w, b = w - lr * gw, b - lr * gb
    path.append(torch.cat([w, b.view(1)]))
    losses.append(mse(predict(x, w, b), y))
    return GDResult(w, float(b), torch.stack(path), torch.stack(losses))


def max_stable_lr(x: torch.Tensor) -> float:
    """GD on the MSE converges iff ``η < 2 / λ_max``, λ_max the top eigenvalue of the Hessian.

    The Hessian of the MSE in ``(w, b)`` is the constant matrix ``(2/N) AᵀA``, ``A = [x, 1]``.
    """
    a = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)
    return float(2.0 / torch.linalg.eigvalsh(2.0 / len(x) * a.T @ a).max())


def mse_surface(x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor,
                b: float) -> torch.Tensor:
    """MSE on a grid of two weights (``w1`` × ``w2``) with the bias held at ``b``."""
    ww1, ww2 = torch.meshgrid(w1, w2, indexing="ij")
    w = torch.stack([ww1.reshape(-1), ww2.reshape(-1)], dim=1)  # G × 2
    pred = x @ w.T + b  # N × G
    return ((pred - y[:, None]) ** 2).mean(dim=0).reshape(ww1.shape)
