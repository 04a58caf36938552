"""Loss landscapes: filter-normalised 2-D slices around a trained minimiser (Li et al., 2018).

A slice plots ``L(θ* + α·δ + β·η)`` over a grid of ``(α, β)``, with ``θ*`` the trained weights
and ``δ, η`` two random directions. A raw Gaussian direction would mean different things for
different nets: a ReLU net with batch norm computes the same function when a layer's weights
are scaled, so a step of a fixed size is large for a net with small weights and tiny for one
with large weights. Li et al. therefore *filter-normalise* each direction: every filter (one
output unit's incoming weights: a row of a linear layer, an output channel of a convolution)
of the direction is rescaled to the norm of the same filter of ``θ*``. Biases and batch-norm
parameters (the one-dimensional tensors) get zero, as in their ``--xignore biasbn`` runs, so
the slice moves only the weights whose scale the normalisation fixes.

The nets compared are :class:`DeepMLP` with and without skip connections: the same layers,
the only difference ``h + f(h)`` against ``f(h)`` in every block.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call


class Block(nn.Module):
    """``relu(BN(W h) + h)`` with ``skip`` (a one-layer residual block, He et al., 2016), else
    ``relu(BN(W h))``: the shortcut is the only difference."""

    def __init__(self, width: int, skip: bool):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(width, width, bias=False), nn.BatchNorm1d(width))
        self.skip = bool(skip)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.f(h) + h if self.skip else self.f(h))


class DeepMLP(nn.Module):
    """``layers`` hidden layers of ``width`` units (the first from the input, then ``layers - 1``
    blocks) and a linear head; ``skip`` adds a shortcut around every block."""

    def __init__(self, in_features: int, width: int, layers: int, skip: bool, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Flatten(), nn.Linear(in_features, width, bias=False),
                                  nn.BatchNorm1d(width), nn.ReLU())
        self.blocks = nn.Sequential(*(Block(width, skip) for _ in range(layers - 1)))
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))


def filter_normalized_direction(model: nn.Module, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """A random direction whose every filter has the norm of the model's matching filter.

    Filters are the slices along the first axis (output units / channels); one-dimensional
    parameters (biases, batch-norm scales and shifts) get zero.
    """
    direction = {}
    for name, w in model.named_parameters():
        w = w.detach()
        if w.dim() <= 1:
            direction[name] = torch.zeros_like(w)
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype)
        dims = tuple(range(1, w.dim()))
        norm = torch.linalg.vector_norm
        scale = norm(w, dim=dims, keepdim=True) / (norm(d, dim=dims, keepdim=True) + 1e-10)
        direction[name] = d * scale
    return direction


def filter_norms(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The norm of every filter of every multi-dimensional tensor (for checking a direction)."""
    return {k: torch.linalg.vector_norm(v, dim=tuple(range(1, v.dim())))
            for k, v in tensors.items() if v.dim() > 1}


@torch.no_grad()
def loss_slice(model: nn.Module, x: torch.Tensor, y: torch.Tensor, directions, coords,
               batch_size: int = 2048) -> np.ndarray:
    """Mean cross-entropy on ``(x, y)`` at ``θ* + a·d1 + b·d2`` for every ``a, b`` in ``coords``.

    Returns ``grid[i, j]`` for ``b = coords[i]`` (rows) and ``a = coords[j]`` (columns), so
    ``grid`` draws as an image with ``a`` along x. The model is evaluated in eval mode (batch
    norm uses its running statistics, the trained model's) and is not modified.
    """
    d1, d2 = directions
    model.eval()
    theta = {k: v.detach() for k, v in model.named_parameters()}
    buffers = dict(model.named_buffers())
    grid = np.empty((len(coords), len(coords)))
    for i, b in enumerate(coords):
        for j, a in enumerate(coords):
            params = {k: theta[k] + a * d1[k] + b * d2[k] for k in theta}
            total = 0.0
            for s in range(0, len(y), batch_size):
                out = functional_call(model, (params, buffers), (x[s:s + batch_size],))
                total += float(nn.functional.cross_entropy(out, y[s:s + batch_size], reduction="sum"))
            grid[i, j] = total / len(y)
    return grid


# ---------------------------------------------------------------- how rough is a slice


def local_minima(grid: np.ndarray) -> int:
    """Grid points strictly below all their (up to 8) neighbours, the border included."""
    g = np.pad(grid, 1, constant_values=np.inf)
    centre = g[1:-1, 1:-1]
    lower = np.ones_like(centre, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= centre < g[1 + di:g.shape[0] - 1 + di, 1 + dj:g.shape[1] - 1 + dj]
    return int(lower.sum())


def second_differences(grid: np.ndarray) -> np.ndarray:
    """Central second differences along both axes at every interior point, stacked."""
    along_a = grid[1:-1, 2:] - 2 * grid[1:-1, 1:-1] + grid[1:-1, :-2]
    along_b = grid[2:, 1:-1] - 2 * grid[1:-1, 1:-1] + grid[:-2, 1:-1]
    return np.stack([along_a, along_b])


def nonconvex_points(grid: np.ndarray) -> np.ndarray:
    """Interior points (a boolean array two smaller than ``grid`` each way) where the slice's
    finite-difference Hessian has a negative eigenvalue: where it bends down in some direction.

    Li et al. map the ratio of the Hessian's extreme eigenvalues in all of weight space; this
    is the 2-D slice's own curvature, which the plotted contours show.
    """
    h_aa, h_bb = second_differences(grid)
    h_ab = (grid[2:, 2:] - grid[2:, :-2] - grid[:-2, 2:] + grid[:-2, :-2]) / 4
    # The smaller eigenvalue of [[h_aa, h_ab], [h_ab, h_bb]] is negative iff det < 0 or trace < 0.
    return (h_aa * h_bb - h_ab ** 2 < 0) | (h_aa + h_bb < 0)


def nonconvex_fraction(grid: np.ndarray) -> float:
    """Share of interior points where the slice is not locally convex."""
    return float(np.mean(nonconvex_points(grid)))
