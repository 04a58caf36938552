"""Separating hyperplanes, Rosenblatt's perceptron (1957) and the XOR problem.

A linear classifier splits the input space with hyperplanes ``w . x + b = 0``: one for two
classes, one per pair of classes for a multinomial (softmax) classifier. The perceptron is the
same linear score passed through the Heaviside step; its learning rule converges whenever the
data are linearly separable (OR) and cycles forever when they are not (XOR). Stacking layers
with a nonlinear activation is what fixes XOR: without the activation the stack collapses to a
single affine map and so is still one hyperplane.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from gdsc_book.models import MLP

# The four corners of the unit square and the truth tables of the slides.
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
TRUTH_TABLES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}


def heaviside(z):
    """The unit step: 1 where ``z > 0``, else 0 (works on numbers, arrays and tensors)."""
    if isinstance(z, torch.Tensor):
        return (z > 0).to(z.dtype)
    return (np.asarray(z) > 0).astype(float)


# ---------------------------------------------------------------- the perceptron


@dataclass
class PerceptronRun:
    """What the perceptron rule did: final weights, mistakes per epoch, and its history."""

    w: np.ndarray
    b: float
    mistakes: list[int] = field(default_factory=list)   # mistakes made during each epoch
    history: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (w, b) per epoch
    converged: bool = False
    cycle: int | None = None  # period of the repeating (w, b) states, if the rule cycles

    @property
    def epochs(self) -> int:
        return len(self.mistakes)

    def predict(self, x) -> np.ndarray:
        return heaviside(np.asarray(x, dtype=float) @ self.w + self.b)


def train_perceptron(x, y, epochs: int = 100, lr: float = 1.0,
                     stop_on_cycle: bool = True) -> PerceptronRun:
    """Rosenblatt's rule, one example at a time in a fixed order: ``w += lr (y - y_hat) x``.

    Stops after the first epoch with no mistake (converged) or when the state ``(w, b)`` at the
    start of an epoch repeats one seen before: from then on the rule replays the same epochs
    forever, so it can never converge (this is how it fails on XOR). ``stop_on_cycle=False``
    keeps going to ``epochs`` (to plot the repetition); ``cycle`` is still recorded.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = np.zeros(x.shape[1]), 0.0
    run = PerceptronRun(w.copy(), b)
    seen: dict[tuple, int] = {}
    for epoch in range(epochs):
        state = (*w.tolist(), b)
        if state in seen and run.cycle is None:
            run.cycle = epoch - seen[state]
            if stop_on_cycle:
                break
        seen.setdefault(state, epoch)
        mistakes = 0
        for xi, yi in zip(x, y):
            err = yi - heaviside(xi @ w + b)
            if err != 0:
                w = w + lr * err * xi
                b = b + lr * err
                mistakes += 1
        run.mistakes.append(mistakes)
        run.history.append((w.copy(), float(b)))
        if mistakes == 0:
            run.converged = True
            break
    run.w, run.b = w, float(b)
    return run


def is_linearly_separable(x, y) -> bool:
    """Is there a hyperplane with every class-1 point strictly on one side? (a linear program)

    Looks for ``(w, b)`` with ``s_i (w . x_i + b) >= 1`` for labels ``s_i = +-1``; the margin 1
    is no loss of generality (scale ``w``). Infeasible means no perceptron, no logistic
    regression, no linear layer of any kind can classify all points.
    """
    from scipy.optimize import linprog

    x = np.asarray(x, dtype=float)
    s = np.where(np.asarray(y) > 0, 1.0, -1.0)
    a_ub = -s[:, None] * np.hstack([x, np.ones((len(x), 1))])
    res = linprog(np.zeros(x.shape[1] + 1), A_ub=a_ub, b_ub=-np.ones(len(x)),
                  bounds=[(None, None)] * (x.shape[1] + 1), method="highs")
    return res.status == 0


# ---------------------------------------------------------------- separating hyperplanes


def blobs(centers, n_per_class: int = 60, spread: float = 0.7, seed: int = 0):
    """Gaussian clouds around ``centers``: a toy data set for linear classifiers."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.as_tensor(centers, dtype=torch.float32)
    x = torch.cat([c + spread * torch.randn(n_per_class, centers.shape[1], generator=g)
                   for c in centers])
    y = torch.arange(len(centers)).repeat_interleave(n_per_class)
    return x, y


def fit_full_batch(model: nn.Module, x, y, steps: int = 500, lr: float = 0.05,
                   loss: str = "ce", cosine: bool = False) -> list[float]:
    """Full-batch Adam steps on a toy problem; returns the loss curve.

    Toy problems (four XOR points, a 1-D curve) fit in one batch, so the lesson's loop is just
    forward, loss, backward, step. Real data sets go through ``gdsc_book.train.train_model``.
    ``cosine`` decays the step size to zero, which lets a regression fit settle precisely.
    """
    loss_fn = nn.CrossEntropyLoss() if loss == "ce" else nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    curve = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        value = loss_fn(model(x), y)
        value.backward()
        opt.step()
        if sched is not None:
            sched.step()
        curve.append(value.item())
    return curve


def linear_classifier(x, y, num_classes: int, steps: int = 300, seed: int = 0) -> nn.Linear:
    """Softmax regression (the slides' linear neural network) fitted to 2-D points."""
    torch.manual_seed(seed)
    model = nn.Linear(x.shape[1], num_classes)
    fit_full_batch(model, x, y, steps=steps, lr=0.1)
    return model


def pairwise_hyperplanes(model: nn.Linear) -> dict[tuple[int, int], tuple[np.ndarray, float]]:
    """The hyperplane between classes ``j < k``: where their logits tie, ``(w_j - w_k) . x + b_j - b_k = 0``."""
    w = model.weight.detach().double().numpy()
    b = model.bias.detach().double().numpy()
    k = len(b)
    return {(i, j): (w[i] - w[j], float(b[i] - b[j])) for i in range(k) for j in range(i + 1, k)}


# ---------------------------------------------------------------- XOR with an MLP


def xor_data() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(INPUTS, dtype=torch.float32), torch.tensor(TRUTH_TABLES["XOR"])


def fit_xor_mlp(activation: str = "relu", hidden: int = 8, steps: int = 500,
                seed: int = 0) -> tuple[MLP, float]:
    """An MLP with one hidden layer trained on the four XOR points; returns it and its accuracy."""
    x, y = xor_data()
    torch.manual_seed(seed)
    model = MLP(2, widths=(hidden,), num_classes=2, activation=activation)
    fit_full_batch(model, x, y, steps=steps, lr=0.05)
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    return model, acc


def collapse_linear_mlp(model: MLP) -> tuple[torch.Tensor, torch.Tensor]:
    """Multiply out an MLP whose activation is the identity into one affine map ``x -> A x + c``.

    This is why a stack of linear layers cannot solve XOR: it *is* one linear layer.
    """
    a, c = None, None
    for layer in [m for m in model.body if isinstance(m, nn.Linear)] + [model.head]:
        w, b = layer.weight.detach(), layer.bias.detach()
        a, c = (w, b) if a is None else (w @ a, w @ c + b)
    return a, c


def handmade_xor_net() -> MLP:
    """The textbook two-unit solution: ``h = ReLU(x1 + x2 - (0, 1))``, score ``h1 - 2 h2``.

    The hidden layer maps (0,1) and (1,0) to the same point, and in that hidden space one line
    separates the classes: the nonlinearity transformed the features.
    """
    model = MLP(2, widths=(2,), num_classes=1, activation="relu")
    lin = model.body[1]
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 1.0]]))
        lin.bias.copy_(torch.tensor([0.0, -1.0]))
        model.head.weight.copy_(torch.tensor([[1.0, -2.0]]))
        model.head.bias.zero_()
    return model


def hidden_features(model: MLP, x: torch.Tensor) -> torch.Tensor:
    """The hidden layer's output: the transformed features the last layer separates."""
    with torch.no_grad():
        return model.body(x)
