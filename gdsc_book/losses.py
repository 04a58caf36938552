"""Softmax, cross-entropy and the sigmoid losses of chapter 3, written from their formulas.

These are the lecture's equations in code, so the tests can hold them against PyTorch's
built-ins (``torch.softmax``, ``torch.nn.functional.cross_entropy``) and against autograd.
Training itself uses the built-ins through :func:`gdsc_book.train.train_model`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------- outputs in range


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Integer labels → one-hot rows: ``y^(d) = 1`` for the true class, 0 elsewhere."""
    if labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise TypeError("labels must be integers")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    out = torch.zeros(*labels.shape, num_classes)
    return out.scatter_(-1, labels.long().unsqueeze(-1), 1.0)


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``ŷ^(d) = exp(z_d) / Σ_k exp(z_k)``.

    Subtracting ``max_k z_k`` first changes nothing mathematically (it cancels in the ratio)
    but keeps ``exp`` from overflowing for large logits.
    """
    e = torch.exp(z - z.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def log_softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``log ŷ^(d) = z_d − log Σ_k exp(z_k)``, computed without forming a tiny ``ŷ``."""
    m = z.amax(dim=dim, keepdim=True)
    return z - m - torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))


# ---------------------------------------------------------------- from the PMF to H(y, ŷ)


def categorical_pmf(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``P_M(Y = y | x) = Π_d (ŷ^(d))^(y^(d))``: with one-hot ``y``, the probability of the true class."""
    return torch.prod(y_hat ** y, dim=-1)


def log_likelihood(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``log P_M(Y = y | x) = Σ_d y^(d) log ŷ^(d)`` (one value per example)."""
    return (y * torch.log(y_hat)).sum(dim=-1)


def negative_log_likelihood(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The Monte-Carlo estimate ``−(1/N) Σ_i log P_M(Y = y_i | x_i)`` of ``E[−log P_M(Y | X)]``."""
    return -log_likelihood(y_hat, y).mean()


def per_example_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``H(y_i, ŷ_i) = −Σ_d y_i^(d) log ŷ_i^(d)``, one value per example, ``ŷ = softmax(logits)``.

    ``y`` is one-hot (or any probability vector); integer labels are turned into one-hot.
    ``log ŷ`` comes from :func:`log_softmax` so a confident wrong answer gives a large finite
    loss instead of ``log 0``.
    """
    if not y.is_floating_point():
        y = one_hot(y, logits.shape[-1]).to(logits.dtype)
    return -(y * log_softmax(logits)).sum(dim=-1)


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The training loss ``(1/N) Σ_i H(y_i, ŷ_i)``: the batch mean of the per-example ``H``."""
    return per_example_cross_entropy(logits, y).mean()


def entropy(p: torch.Tensor) -> torch.Tensor:
    """``H(p) = −Σ_d p^(d) log p^(d)`` per row (``0 log 0 = 0``: a one-hot row has entropy 0)."""
    return -torch.special.xlogy(p, p).sum(dim=-1)


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """``D_KL(p ‖ q) = Σ_d p^(d) log(p^(d) / q^(d))`` per row: ``H(p, q) − H(p)``."""
    return (torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum(dim=-1)


def mse_on_probabilities(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The slide's ``(1/N) Σ_i ‖y_i − ŷ_i‖²`` with ``ŷ = softmax(logits)``."""
    if not y.is_floating_point():
        y = one_hot(y, logits.shape[-1]).to(logits.dtype)
    return ((softmax(logits) - y) ** 2).sum(dim=-1).mean()


# ---------------------------------------------------------------- the slide's four curves

SLIDE_A, SLIDE_B = 3.0, 2.0  # f(x) = a·x − b with a = 3, b = 2


def sigmoid(t: torch.Tensor) -> torch.Tensor:
    """``σ(t) = 1 / (1 + exp(−t))``."""
    return 1.0 / (1.0 + torch.exp(-t))


def slide_linear(x: torch.Tensor, a: float = SLIDE_A, b: float = SLIDE_B) -> torch.Tensor:
    """The slide's linear function ``f(x) = a·x − b``."""
    return a * x - b


def squared_error_sigmoid(x: torch.Tensor, label: int, a: float = SLIDE_A,
                          b: float = SLIDE_B) -> torch.Tensor:
    """``(label − σ(f(x)))²``: MSE applied after a sigmoid (non-convex in ``x``)."""
    _check_label(label)
    return (label - sigmoid(slide_linear(x, a, b))) ** 2


def log_loss_sigmoid(x: torch.Tensor, label: int, a: float = SLIDE_A,
                     b: float = SLIDE_B) -> torch.Tensor:
    """Binary cross-entropy ``−[y log σ(f) + (1 − y) log(1 − σ(f))]`` (convex in ``x``).

    Label 1 gives ``−log σ(f(x))`` and label 0 gives ``−log(1 − σ(f(x)))``; we compute them
    as ``softplus(−f)`` and ``softplus(f)``, the same values without ``log 0``.
    """
    _check_label(label)
    f = slide_linear(x, a, b)
    return F.softplus(-f) if label == 1 else F.softplus(f)


def _check_label(label: int) -> None:
    if label not in (0, 1):
        raise ValueError(f"a binary label is 0 or 1, not {label!r}")


def second_derivative(fn, x: torch.Tensor) -> torch.Tensor:
    """``d²fn/dx²`` at each point of ``x`` by autograd (``fn`` acts elementwise)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    return h.detach()


# ---------------------------------------------------------------- MSE vs CE on a small model


def logistic_toy(n: int = 40, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A small 1-D binary data set: two overlapping Gaussian clusters at −1 and +1."""
    g = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).to(torch.float64)
    x = (2.0 * y - 1.0) + torch.randn(n, generator=g, dtype=torch.float64)
    return x, y


def logistic_losses(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor,
                    y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """MSE and log loss of ``p = σ(w x + b)`` on ``(x, y)`` for every ``(w, b)`` given.

    ``w`` and ``b`` may be grids of any (equal) shape; the losses come back in that shape.
    """
    t = w[..., None] * x + b[..., None]
    p = sigmoid(t)
    mse_ = ((p - y) ** 2).mean(dim=-1)
    ce = (y * F.softplus(-t) + (1 - y) * F.softplus(t)).mean(dim=-1)
    return mse_, ce


def hessian_min_eigenvalues(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor,
                            y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The smallest Hessian eigenvalue of the MSE and of the log loss at each ``(w_i, b_i)``.

    A negative value somewhere means the surface is not convex there.
    """
    out_mse, out_ce = [], []
    for wi, bi in zip(w.reshape(-1).tolist(), b.reshape(-1).tolist()):
        theta = torch.tensor([wi, bi], dtype=torch.float64)
        for k, out in ((0, out_mse), (1, out_ce)):
            h = torch.autograd.functional.hessian(
                lambda th, k=k: logistic_losses(th[0], th[1], x, y)[k], theta)
            out.append(torch.linalg.eigvalsh(h).min())
    return torch.stack(out_mse).reshape(w.shape), torch.stack(out_ce).reshape(w.shape)
