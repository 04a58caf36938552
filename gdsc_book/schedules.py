"""Chapter 8: step-size schedules, from Robbins–Monro to ``torch.optim.lr_scheduler``.

Two kinds live here:

- :class:`InversePower`, :math:`\\eta_t = \\eta_0 (1 + t/\\tau)^{-p}`, the family the
  Robbins–Monro conditions sort: :math:`\\sum_t \\eta_t = \\infty` needs ``p <= 1`` and
  :math:`\\sum_t \\eta_t^2 < \\infty` needs ``p > 1/2``. ``p = 0`` is a constant step.
- :func:`make_scheduler`, the schedules deep-learning code uses (step decay, exponential,
  cosine, linear warmup then cosine, one-cycle), built from PyTorch's own classes and stepped
  once per minibatch. Its signature ``(optimizer, total_steps)`` is what
  ``gdsc_book.train.train_model(scheduler=...)`` accepts.

``train`` imports this module, never the other way round: the training runs that compare
schedules are in :func:`gdsc_book.sgd.compare_schedules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import torch
from torch.optim import lr_scheduler

from gdsc_book.errors import BookError


@dataclass(frozen=True)
class InversePower:
    """:math:`\\eta_t = \\eta_0 (1 + t/\\tau)^{-p}`."""

    eta0: float
    p: float
    tau: float = 1.0

    def __call__(self, t: int) -> float:
        return self.eta0 * (1.0 + t / self.tau) ** (-self.p)

    @property
    def sum_diverges(self) -> bool:
        """:math:`\\sum_t \\eta_t = \\infty` (the steps can travel any distance)."""
        return self.p <= 1.0

    @property
    def squares_converge(self) -> bool:
        """:math:`\\sum_t \\eta_t^2 < \\infty` (the injected noise has finite total variance)."""
        return self.p > 0.5

    @property
    def robbins_monro(self) -> bool:
        return self.sum_diverges and self.squares_converge

    def partial_sums(self, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Running :math:`\\sum_{s<t} \\eta_s` and :math:`\\sum_{s<t} \\eta_s^2`, ``t = 1..steps``."""
        eta = self.eta0 * (1.0 + torch.arange(steps, dtype=torch.float64) / self.tau) ** (-self.p)
        return eta.cumsum(0), (eta ** 2).cumsum(0)


SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup_cosine", "onecycle")


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, total_steps: int,
                   warmup_fraction: float = 0.1) -> lr_scheduler.LRScheduler:
    """A per-batch learning-rate schedule over ``total_steps`` steps, peaking at the set lr."""
    if total_steps < 1:
        raise BookError("total_steps must be at least 1")
    if name == "constant":
        return lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)
    if name == "step":  # halve the rate at each quarter of training
        return lr_scheduler.StepLR(optimizer, step_size=max(1, total_steps // 4), gamma=0.5)
    if name == "exponential":  # down to 1 % of the peak at the end
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1.0 / total_steps))
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if name == "warmup_cosine":  # Goyal et al. 2017 warmup, then Loshchilov & Hutter cosine
        warm = max(1, int(round(warmup_fraction * total_steps)))
        return lr_scheduler.SequentialLR(
            optimizer,
            [lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warm, total_iters=warm),
             lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, total_steps - warm))],
            milestones=[warm])
    if name == "onecycle":  # Smith & Topin 2019
        peak = [g["lr"] for g in optimizer.param_groups]
        # Momentum cycles against the rate where the optimizer has one (SGD+momentum, Adam).
        d = optimizer.defaults
        cycle = d.get("momentum", 0) > 0 or "betas" in d
        return lr_scheduler.OneCycleLR(optimizer, max_lr=peak, total_steps=total_steps,
                                       pct_start=0.3, cycle_momentum=cycle)
    raise BookError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")


def scheduler_factory(name: str, warmup_fraction: float = 0.1):
    """``callable(optimizer, total_steps)`` for ``train_model(scheduler=...)``."""
    if name not in SCHEDULES:
        raise BookError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    return partial(make_scheduler, name, warmup_fraction=warmup_fraction)


def lr_curve(name: str, total_steps: int, lr: float = 0.1,
             warmup_fraction: float = 0.1) -> list[float]:
    """The learning rate each of ``total_steps`` steps uses, read off a real scheduler."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    sched = make_scheduler(name, opt, total_steps, warmup_fraction)
    lrs = []
    for _ in range(total_steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # the order PyTorch expects: optimizer.step() before scheduler.step()
        sched.step()
    return lrs
