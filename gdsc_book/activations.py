"""The activation functions of the slides (ReLU, sigmoid, tanh) and their derivatives.

Each function is written from its textbook formula so the page can show the formula and a test
can check it against ``torch``'s own implementation and against autograd. ``tanh_slide`` is the
slide's form ``(1 - e^{-2x}) / (1 + e^{-2x})`` exactly as written: it overflows for very
negative ``x`` (``e^{-2x}`` becomes ``inf`` and ``inf / inf`` is NaN), which is why libraries
evaluate tanh differently; ``tanh`` below uses the identity ``tanh(x) = 2 sigma(2x) - 1`` with
a sigmoid that never exponentiates a positive number.
"""

from __future__ import annotations

import torch


def relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU(x) = max(x, 0)."""
    return torch.clamp(x, min=0)


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """ReLU'(x) = step(x): 1 for x > 0, 0 for x < 0 (0 at x = 0, as torch does)."""
    return (x > 0).to(x.dtype)


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """sigma(x) = 1 / (1 + e^{-x}), computed with e^{-|x|} so nothing overflows."""
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """sigma'(x) = sigma(x) (1 - sigma(x))."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh_slide(x: torch.Tensor) -> torch.Tensor:
    """tanh exactly as the slide writes it: (1 - e^{-2x}) / (1 + e^{-2x})."""
    e = torch.exp(-2 * x)
    return (1 - e) / (1 + e)


def tanh(x: torch.Tensor) -> torch.Tensor:
    """tanh(x) = 2 sigma(2x) - 1: the same function, stable for every x."""
    return 2 * sigmoid(2 * x) - 1


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """tanh'(x) = 1 - tanh(x)^2."""
    return 1 - tanh(x) ** 2


# name -> (function, derivative); the names match gdsc_book.models.ACTIVATIONS
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}


def autograd_derivative(fn, x: torch.Tensor) -> torch.Tensor:
    """d fn / dx at every point of ``x``, by backpropagation (elementwise functions only)."""
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn(x).sum(), x)
    return grad
