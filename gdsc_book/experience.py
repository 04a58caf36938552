"""Mitchell's experience E (chapter 1): the same learner, trained on more and more examples.

Chapter 1 trains softmax regression on MNIST subsets of many sizes, several seeds each: 18
small runs. One at a time, each step is a tiny matrix product drowned in Python overhead, so
here all runs train at once as one batched model: run ``r`` has its own weights ``W[r]``, its
own data, its own shuffles, and the step of every run is one ``bmm``.

Each run follows :func:`gdsc_book.train.train_model` exactly (``tests/test_experience.py``
checks it against ``train_model``): SGD with momentum 0.9, mean cross-entropy over a batch,
shuffles seeded by ``(seed, epoch)``, the last batch kept unless it holds one example, and a
run's weights initialised like ``SoftmaxRegression`` after ``torch.manual_seed(seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

MOMENTUM = 0.9  # train_model's default for SGD


@dataclass
class RunPlan:
    """One run: which training examples (``rows`` into the data), for how many epochs."""

    rows: torch.Tensor  # indices into the data tensor, one per example of this run's set
    epochs: int
    seed: int


def _epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """The batches of positions ``train_model`` draws in one epoch (``train.batches``)."""
    steps = n // batch_size + (1 if n % batch_size > 1 else 0)
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    perm = torch.randperm(n, generator=g)[: min(n, steps * batch_size)]
    return list(perm.split(batch_size))


def _init(seed: int, features: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    layer = torch.nn.Linear(features, classes)  # the init SoftmaxRegression's layer gets
    return layer.weight.detach().T.contiguous(), layer.bias.detach().clone()


def train_softmax_runs(x: torch.Tensor, y: torch.Tensor, plans: list[RunPlan], *,
                       lr: float, batch_size: int = 128, classes: int = 10
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Train one softmax regression per plan on ``x[plan.rows]``, all at once.

    ``x``: (N, ...) standardized images, ``y``: (N,) labels. Returns the weights (R, D, C)
    and biases (R, C) of the R runs after their last epoch.
    """
    flat = x.reshape(len(x), -1)
    d = flat.shape[1]
    runs = len(plans)
    # Every run's batches in order, as rows of the data; a run that is done sits out.
    schedule = []
    for p in plans:
        steps = [p.rows[b] for e in range(p.epochs)
                 for b in _epoch_batches(len(p.rows), batch_size, p.seed, e)]
        schedule.append(steps)
    total = max(len(s) for s in schedule)
    idx = torch.zeros(total, runs, batch_size, dtype=torch.long)
    mask = torch.zeros(total, runs, batch_size)
    for r, steps in enumerate(schedule):
        for t, rows in enumerate(steps):
            idx[t, r, :len(rows)] = rows
            mask[t, r, :len(rows)] = 1.0
    count = mask.sum(2)  # examples per run and step (0: the run is done)
    active = (count > 0).to(flat.dtype)
    inv = torch.where(count > 0, 1.0 / count.clamp(min=1), torch.zeros(()))

    inits = [_init(p.seed, d, classes) for p in plans]
    w = torch.stack([i[0] for i in inits])  # (R, D, C)
    b = torch.stack([i[1] for i in inits])  # (R, C)
    vw, vb = torch.zeros_like(w), torch.zeros_like(b)
    eye = torch.eye(classes)
    for t in range(total):  # every run starts at step 0 and is active until its last step
        rows = idx[t].view(-1)
        xb = flat.index_select(0, rows).view(runs, batch_size, d)  # twice as fast as flat[...]
        logits = torch.baddbmm(b[:, None, :], xb, w)
        # d(mean cross-entropy)/d(logits) = (softmax - one_hot) / batch; 0 on padding and
        # for runs that are done
        err = (logits.softmax(2) - eye[y.index_select(0, rows)].view(runs, batch_size, classes)) * (mask[t] * inv[t][:, None])[:, :, None]
        gw, gb = torch.bmm(xb.transpose(1, 2), err), err.sum(1)
        on = active[t]
        # torch.optim.SGD: the first buffer is the gradient, then v = m v + g; a run that is
        # done keeps its buffer and its weights
        m = torch.zeros(runs) if t == 0 else MOMENTUM * on + (1.0 - on)
        vw = vw * m[:, None, None] + gw
        vb = vb * m[:, None] + gb
        w = w - lr * vw * on[:, None, None]
        b = b - lr * vb * on[:, None]
    return w, b


@torch.no_grad()
def accuracy(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
             batch: int = 2000) -> torch.Tensor:
    """Accuracy of each of the R runs on ``(x, y)``: a tensor of R values."""
    flat = x.reshape(len(x), -1)
    correct = torch.zeros(len(w), dtype=torch.long)
    for i in range(0, len(flat), batch):
        pred = (torch.einsum("nd,rdc->rnc", flat[i:i + batch], w) + b[:, None, :]).argmax(2)
        correct += (pred == y[i:i + batch]).sum(1)
    return correct.double() / max(len(y), 1)


def plan_sizes(train_len: int, sizes: list[int], seeds: int, updates: int, batch_size: int,
               min_epoch: int = 6000) -> list[tuple[int, int, RunPlan]]:
    """(size, seed, plan) per run: a subset of ``size`` examples drawn with the seed (as
    ``Dataset.subset``), repeated to fill an epoch of at least ``min_epoch`` examples, and
    about ``updates`` SGD steps for every size, so only the experience differs."""
    out = []
    for n in sizes:
        for s in range(seeds):
            if n >= train_len:
                sub = torch.arange(train_len)
            else:
                sub = torch.randperm(train_len, generator=torch.Generator().manual_seed(s))[:n]
            reps = math.ceil(min_epoch / len(sub))
            rows = sub.repeat(reps)
            epochs = max(1, round(updates / (len(rows) / batch_size)))
            out.append((n, s, RunPlan(rows, epochs, s)))
    return out
