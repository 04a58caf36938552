"""Deep double descent (Belkin et al. 2019; Nakkiran et al. 2019) on a CPU-sized MNIST.

The classical U-curve says test error first falls and then rises with capacity. Train long
enough for the model to fit its training set, add some label noise, and the curve goes on:
it peaks near the *interpolation threshold* (the smallest model that fits the training set,
roughly #parameters ≈ #samples × #classes) and then falls again as models get bigger.

Everything here is small on purpose: a few thousand MNIST digits, downsampled, and a
one-hidden-layer MLP whose width is swept on a log scale. Every run goes through
:func:`gdsc_book.train.train_model`'s loop (all widths at once: :mod:`gdsc_book.stacked`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from gdsc_book.models import MLP
from gdsc_book.stacked import MLPStack, train_stack
from gdsc_book.train import History


def noisy_labels(y: torch.Tensor, fraction: float, num_classes: int = 10, seed: int = 0):
    """Give exactly ``round(fraction·n)`` examples a wrong label drawn uniformly from the others.

    Returns ``(y_noisy, flipped)`` with ``flipped`` the boolean mask of corrupted examples.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    # A salted seed: with the plain seed this permutation would equal train_model's
    # validation split permutation (also torch.randperm from manual_seed(seed)), and the
    # validation split would be exactly the corrupted examples.
    g = torch.Generator().manual_seed(0x6E015E + seed)
    n = len(y)
    idx = torch.randperm(n, generator=g)[: round(fraction * n)]
    # A shift of 1..K-1 classes (mod K) always lands on a different class, uniformly.
    shift = torch.randint(1, num_classes, (len(idx),), generator=g)
    y_noisy = y.clone()
    y_noisy[idx] = (y[idx] + shift) % num_classes
    flipped = torch.zeros(n, dtype=torch.bool)
    flipped[idx] = True
    return y_noisy, flipped


def downsample(x: torch.Tensor, size: int) -> torch.Tensor:
    """Average-pool images to ``size × size`` (fewer inputs, fewer weights, faster runs)."""
    if x.shape[-1] == size:
        return x
    return F.adaptive_avg_pool2d(x, size)


def small_split(ds, n: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A random ``n``-example subset of a Dataset as standardized, downsampled ``(x, y)``."""
    sub = ds.subset(n, seed=seed)
    return downsample(sub.float_images(), size), sub.labels.clone()


def mlp_parameters(in_features: int, width: int, num_classes: int = 10) -> int:
    """Parameters of a one-hidden-layer MLP: width·(d + 1) + K·(width + 1)."""
    return width * (in_features + 1) + num_classes * (width + 1)


def width_for_parameters(params: int, in_features: int, num_classes: int = 10) -> float:
    """The (real-valued) hidden width at which the MLP has ``params`` parameters."""
    return (params - num_classes) / (in_features + 1 + num_classes)


@dataclass
class Sweep:
    """Final and per-epoch errors of one training run per model size."""

    sizes: list[int]
    params: list[int]
    train_err: list[float]
    test_err: list[float]
    histories: list[dict] = field(default_factory=list)

    def curve(self, i: int, split: str = "test") -> list[float]:
        """Error per epoch of run ``i`` (``split`` is ``train`` or ``test``)."""
        return [1.0 - a for a in self.histories[i][f"{split}_acc"]]

    def final(self, split: str = "test", last: int = 20) -> list[float]:
        """Error of every run averaged over its ``last`` epochs.

        Adam without weight decay keeps jumping a little between nearby solutions, so one
        epoch's test error is noisy; the mean over the last epochs is what the model "ends at".
        """
        return [float(sum(c[-last:]) / len(c[-last:]))
                for c in (self.curve(i, split) for i in range(len(self.sizes)))]

    def to_dict(self) -> dict:
        return {"sizes": self.sizes, "params": self.params, "train_err": self.train_err,
                "test_err": self.test_err, "histories": self.histories}


def width_sweep(train: tuple, test: tuple, widths, *, epochs: int, lr: float = 1e-3,
                batch_size: int = 128, optimizer: str = "adam", seed: int = 0,
                loss: str = "ce") -> Sweep:
    """Train a one-hidden-layer MLP of each width to (near) zero training error.

    Every width starts from ``MLP(d, (w,))`` under ``torch.manual_seed(seed)`` and sees the
    batches ``train_model(seed=seed)`` would; all widths train at once, as one stack
    (:mod:`gdsc_book.stacked`: the same steps as one run per width, a fraction of the time).
    """
    if loss != "ce":
        raise ValueError(f"width_sweep trains with cross-entropy (loss='ce'), not {loss!r}")
    d = math.prod(train[0].shape[1:])
    models = []
    for w in widths:
        torch.manual_seed(seed)
        models.append(MLP(d, widths=(int(w),)))
    hist: list[History] = train_stack(MLPStack(models), train, test, epochs=epochs,
                                      batch_size=batch_size, optimizer=optimizer, lr=lr,
                                      seeds=seed)
    out = Sweep([], [], [], [])
    for w, h in zip(widths, hist):
        out.sizes.append(int(w))
        out.params.append(mlp_parameters(d, int(w)))
        out.train_err.append(1.0 - h.train_acc[-1])
        out.test_err.append(1.0 - h.test_acc[-1])
        out.histories.append({"train_acc": h.train_acc, "test_acc": h.test_acc,
                              "train_loss": h.train_loss, "test_loss": h.test_loss})
    return out


def smooth(curve, window: int) -> list[float]:
    """Trailing moving average: entry i is the mean of entries max(0, i − window + 1)..i."""
    out, total = [], 0.0
    for i, v in enumerate(curve):
        total += v
        if i >= window:
            total -= curve[i - window]
        out.append(total / min(i + 1, window))
    return out


def interpolation_threshold(sizes, train_err, tol: float = 0.01):
    """The smallest size whose training error is at most ``tol`` (None if none reaches it)."""
    for s, e in zip(sizes, train_err):
        if e <= tol:
            return s
    return None


def peak(sizes, test_err):
    """The double-descent peak: the highest test error after the first local minimum.

    The smallest models also have a high test error (they underfit: the left arm of the
    classical U); the peak of interest comes after the curve has first gone down.
    Returns ``(size, error)``.
    """
    first_min = next((i for i in range(1, len(test_err)) if test_err[i] > test_err[i - 1]),
                     len(test_err)) - 1
    i = max(range(first_min, len(test_err)), key=lambda k: test_err[k])
    return sizes[i], test_err[i]
