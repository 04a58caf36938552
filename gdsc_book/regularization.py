"""Regularization: weight decay, dropout, data augmentation, early stopping, ensembles, and the
implicit regularization of SGD.

The training runs themselves go through :func:`gdsc_book.train.train_model`; this module holds
the small pieces each regularizer needs and that the tests check.

Weight decay, and the factor 2
------------------------------
The slide writes the penalty ``λ‖w‖²`` and the update ``w ← (1 − ηλ)w − η∇L``. Taken
literally, the gradient of ``λ‖w‖²`` is ``2λw``, so the penalty gives ``(1 − 2ηλ)w − η∇L``
(:func:`penalty_step`). ``torch.optim.SGD(weight_decay=λ)`` adds ``λw`` to the gradient, i.e.
it minimizes ``L + (λ/2)‖w‖²`` and its step is exactly ``(1 − ηλ)w − η∇L``
(:func:`weight_decay_step`). The slide's update is torch's: the 2 is absorbed into λ.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from gdsc_book.augment import FlipCrop


@contextmanager
def torch_threads(n: int = 1):
    """Run a block with ``n`` torch threads, then restore the setting.

    The book's small MLPs do a few thousand tiny matrix products per second; splitting each
    across two threads costs more in synchronization than it saves, and on a busy machine the
    waiting threads spin. One thread made them 10–30× faster here.
    """
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


# ---------------------------------------------------------------- weight decay


def penalty_step(w: torch.Tensor, grad: torch.Tensor, lr: float, lam: float) -> torch.Tensor:
    """One gradient step on ``L + λ‖w‖²`` (the slide's loss): ``(1 − 2ηλ)w − η∇L``."""
    return (1 - 2 * lr * lam) * w - lr * grad


def weight_decay_step(w: torch.Tensor, grad: torch.Tensor, lr: float, wd: float) -> torch.Tensor:
    """One step of ``torch.optim.SGD(lr=η, weight_decay=λ)``: ``(1 − ηλ)w − η∇L``.

    This is plain gradient descent on ``L + (λ/2)‖w‖²``: the slide's update with its 2 absorbed.
    """
    return (1 - lr * wd) * w - lr * grad


def weight_norm(model: nn.Module) -> float:
    """‖Θ‖₂ over the weight matrices (biases excluded), the quantity weight decay shrinks."""
    sq = sum(float(p.detach().pow(2).sum()) for n, p in model.named_parameters()
             if n.endswith("weight"))
    return sq**0.5


# ---------------------------------------------------------------- dropout


def dropout_demo(p: float, x: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``nn.Dropout(p)`` applied to ``x`` in training mode and in evaluation mode.

    Training zeroes each unit with probability ``p`` and scales survivors by ``1/(1 − p)``, so
    the expected activation is unchanged; evaluation returns ``x`` untouched.
    """
    layer = nn.Dropout(p)
    torch.manual_seed(seed)
    train_out = layer.train()(x)
    eval_out = layer.eval()(x)
    return train_out, eval_out


# ---------------------------------------------------------------- data augmentation


def random_shift(max_shift: int = 2) -> FlipCrop:
    """An ``augment(x, generator)`` for ``train_model``: move each image by up to ``max_shift``
    pixels in x and y, filling with the background value (the batch's minimum).

    For digits a shift keeps the label; a horizontal flip would not (a flipped 3 is no 3), which
    is the slide's "augmentation needs domain knowledge".
    """
    return FlipCrop(max_shift, flip=False, fill=None)


# ---------------------------------------------------------------- early stopping


def early_stopping(val_acc, val_loss, patience: int) -> tuple[int, int]:
    """``(best_epoch, stop_epoch)`` (1-based) that ``train_model(patience=...)`` would pick.

    An epoch improves on the best when its validation accuracy is higher (or equal with a
    lower validation loss); training stops after ``patience`` epochs without improvement.
    Only the validation split is looked at: the test set never chooses anything.
    """
    best, best_acc, best_loss, bad = 0, -1.0, float("inf"), 0
    for e, (a, loss) in enumerate(zip(val_acc, val_loss), start=1):
        if a > best_acc or (a == best_acc and loss < best_loss):
            best, best_acc, best_loss, bad = e, a, loss, 0
        else:
            bad += 1
            if bad >= patience:
                return best, e
    return best, len(val_acc)


# ---------------------------------------------------------------- ensembles


@torch.no_grad()
def ensemble_probs(models, x: torch.Tensor) -> torch.Tensor:
    """Average of the members' softmax probabilities (each model in evaluation mode)."""
    probs = []
    for m in models:
        was = m.training
        m.eval()
        probs.append(m(x).softmax(dim=1))
        m.train(was)
    return torch.stack(probs).mean(dim=0)


def accuracy(probs_or_logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((probs_or_logits.argmax(1) == y).float().mean())


# ---------------------------------------------------------------- implicit regularization


def implicit_sgd_demo(n: int = 10, n_features: int = 200, steps: int = 3000, lr: float = 0.5,
                      batch_size: int = 2, sigma: float = 0.1, seed: int = 0) -> dict:
    """SGD on an over-parameterized least-squares problem (more features than points).

    Infinitely many weight vectors fit the data exactly. SGD started from w = 0 only ever moves
    inside the span of the training inputs, so it converges to the *minimum-norm* interpolant
    (the pseudo-inverse solution), a smooth fit, without any explicit penalty. Another exact
    fit (min-norm plus a null-space direction) interpolates just as well but wiggles.

    Features are random Fourier features of x ∈ [0, 1]; returns the fits on a grid.
    """
    rng = np.random.default_rng(seed)
    freqs = rng.normal(0.0, 15.0, n_features)
    phases = rng.uniform(0, 2 * np.pi, n_features)

    def phi(x):
        return np.cos(np.outer(x, freqs) + phases) * np.sqrt(2.0 / n_features)

    # Spread-out inputs keep the problem well conditioned, so SGD converges in a few seconds.
    x = (np.arange(n) + 0.5) / n + rng.uniform(-0.25, 0.25, n) / n
    y = np.sin(2 * np.pi * x) + sigma * rng.standard_normal(n)
    grid = np.linspace(0, 1, 400)
    X = torch.tensor(phi(x))
    Y = torch.tensor(y)
    w = torch.zeros(n_features, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, n, (batch_size,), generator=g)
        loss = ((X[idx] @ w - Y[idx]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    w_sgd = w.detach().numpy()
    w_min = np.linalg.pinv(phi(x)) @ y
    # Add the null-space direction of the training inputs (it changes nothing on the data)
    # that changes the function between the points the most.
    G = phi(grid)
    _, _, vt = np.linalg.svd(phi(x))
    basis = vt[n:]  # orthonormal basis of the null space
    _, _, vt_g = np.linalg.svd(G @ basis.T, full_matrices=False)
    null = basis.T @ vt_g[0]
    w_other = w_min + 2.0 * np.linalg.norm(w_min) * null
    return {
        "x": x, "y": y, "grid": grid,
        "fit_sgd": G @ w_sgd, "fit_min_norm": G @ w_min, "fit_other": G @ w_other,
        "w_sgd": w_sgd, "w_min_norm": w_min, "w_other": w_other,
        "train_mse_sgd": float(np.mean((phi(x) @ w_sgd - y) ** 2)),
        "train_mse_other": float(np.mean((phi(x) @ w_other - y) ** 2)),
        "norm_sgd": float(np.linalg.norm(w_sgd)), "norm_min": float(np.linalg.norm(w_min)),
        "norm_other": float(np.linalg.norm(w_other)),
        "dist_sgd_min": float(np.linalg.norm(w_sgd - w_min)),
    }
