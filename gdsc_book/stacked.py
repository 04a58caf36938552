"""Many small one-hidden-layer MLPs trained at once, as one model.

A figure that compares a dozen small MLPs (a width sweep, a few weight decays, the members of
an ensemble) spends most of its time in per-step overhead, not arithmetic: each model is a
handful of tiny matrix products. Stacking the members into one module does every step of all
of them in a few larger products. The members stay independent: the loss is the *sum* of
their losses, so each member's gradient is exactly its own; Adam and SGD act elementwise, so
one optimizer over the stack takes the same steps as one optimizer per member.

Two layouts, chosen from the widths:

- equal widths: weights stacked as ``M x w x d`` and applied with ``torch.bmm``; the members
  may see different batches (an ensemble whose members shuffle with their own seeds);
- different widths: the hidden layers concatenated into one of ``sum(widths)`` units, each
  unit feeding only its own member's logits; all members see the same batch.

:func:`train_stack` is ``train_model``'s loop (same shuffles, same running training metrics,
the test set evaluated after every epoch) for a stack; :func:`fit_stack_full_batch` is
``fit_full_batch`` (full-batch Adam, optional cosine decay) for one. ``tests/test_stacked.py``
checks both against training each member alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gdsc_book.models import MLP
from gdsc_book.train import EVAL_BATCH, History, as_tensors, batches


def _hidden(model: MLP) -> tuple[nn.Linear, float]:
    lins = [m for m in model.body if isinstance(m, nn.Linear)]
    if len(lins) != 1 or not isinstance(model.body[2], nn.ReLU):
        raise ValueError("a stack holds one-hidden-layer ReLU MLPs")
    drop = [m.p for m in model.body if isinstance(m, nn.Dropout)]
    return lins[0], (drop[0] if drop else 0.0)


class MLPStack(nn.Module):
    """``M`` one-hidden-layer ReLU MLPs, initialized as copies of ``models``.

    ``forward(x)`` takes one batch ``B x ...`` for all members, ``forward(x, per_member=True)``
    (equal widths only) one batch per member ``M x B x ...``; both return logits ``M x B x K``.
    """

    def __init__(self, models: list[MLP]):
        super().__init__()
        hidden = [_hidden(m) for m in models]
        self.widths = [lin.out_features for lin, _ in hidden]
        self.in_features = hidden[0][0].in_features
        self.num_classes = models[0].head.out_features
        self.equal = len(set(self.widths)) == 1
        w1 = [lin.weight.detach() for lin, _ in hidden]
        b1 = [lin.bias.detach() for lin, _ in hidden]
        w2 = [m.head.weight.detach().t() for m in models]  # w x K each
        self.b2 = nn.Parameter(torch.stack([m.head.bias.detach() for m in models]).clone())
        p = torch.cat([torch.full((w,), q) for w, (_, q) in zip(self.widths, hidden)])
        if self.equal:
            self.w1 = nn.Parameter(torch.stack(w1).clone())  # M x w x d
            self.b1 = nn.Parameter(torch.stack(b1).clone())  # M x w
            self.w2 = nn.Parameter(torch.stack(w2).clone())  # M x w x K
            self.register_buffer("p", p.view(len(models), -1))
        else:
            self.w1 = nn.Parameter(torch.cat(w1).clone())  # H x d
            self.b1 = nn.Parameter(torch.cat(b1).clone())  # H
            self.w2 = nn.Parameter(torch.cat(w2).clone())  # H x K
            owner = torch.cat([torch.full((w,), i) for i, w in enumerate(self.widths)])
            self.register_buffer("owner", owner)
            self.register_buffer("p", p)
        self.dropout = bool((p > 0).any())

    def __len__(self) -> int:
        return len(self.widths)

    def _drop(self, h: torch.Tensor) -> torch.Tensor:
        if not (self.training and self.dropout):
            return h
        keep = 1 - self.p.unsqueeze(-2)  # broadcast over the batch dimension
        return h * (torch.rand_like(h) < keep) / keep

    def forward(self, x: torch.Tensor, per_member: bool = False) -> torch.Tensor:
        m = len(self)
        if per_member and not self.equal:
            raise ValueError("one batch per member needs members of equal width")
        if self.equal:
            x = x.reshape(m, -1, self.in_features) if per_member else \
                x.reshape(1, -1, self.in_features).expand(m, -1, -1)
            h = self._drop(torch.relu(torch.baddbmm(self.b1.unsqueeze(1), x,
                                                    self.w1.transpose(1, 2))))
            return torch.baddbmm(self.b2.unsqueeze(1), h, self.w2)
        x = x.reshape(len(x), -1)
        h = self._drop(torch.relu(torch.addmm(self.b1, x, self.w1.t())))  # B x H
        # Each member's head reads only its own units (a block-diagonal head, without the zeros).
        return torch.stack([torch.addmm(b, hi, wi) for b, hi, wi in
                            zip(self.b2, h.split(self.widths, 1), self.w2.split(self.widths))])

    def members(self) -> list[MLP]:
        """The trained members as ordinary ``MLP`` models (in evaluation use, no dropout)."""
        out = []
        start = 0
        for i, w in enumerate(self.widths):
            model = MLP(self.in_features, widths=(w,), num_classes=self.num_classes)
            lin = model.body[1]
            with torch.no_grad():
                if self.equal:
                    lin.weight.copy_(self.w1[i])
                    lin.bias.copy_(self.b1[i])
                    model.head.weight.copy_(self.w2[i].t())
                else:
                    lin.weight.copy_(self.w1[start:start + w])
                    lin.bias.copy_(self.b1[start:start + w])
                    model.head.weight.copy_(self.w2[start:start + w].t())
                model.head.bias.copy_(self.b2[i])
            start += w
            out.append(model.eval())
        return out

    def decay(self, wd: torch.Tensor) -> list[tuple[nn.Parameter, torch.Tensor]]:
        """Each parameter with the per-member weight decay broadcast to its shape."""
        if self.equal:
            shapes = {"w1": (-1, 1, 1), "b1": (-1, 1), "w2": (-1, 1, 1), "b2": (-1, 1)}
            return [(getattr(self, k), wd.view(s)) for k, s in shapes.items()]
        unit = wd[self.owner]
        return [(self.w1, unit.view(-1, 1)), (self.b1, unit), (self.w2, unit.view(-1, 1)),
                (self.b2, wd.view(-1, 1))]


def _per_member(value, m: int, name: str) -> list:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * m
    if len(values) != m:
        raise ValueError(f"{name}: {len(values)} values for {m} members")
    return values


@torch.no_grad()
def evaluate_stack(stack: MLPStack, x: torch.Tensor, y: torch.Tensor,
                   batch_size: int = EVAL_BATCH) -> tuple[list[float], list[float]]:
    """Mean cross-entropy and accuracy of every member on ``(x, y)``."""
    was = stack.training
    stack.eval()
    m = len(stack)
    loss = torch.zeros(m, dtype=torch.float64)
    correct = torch.zeros(m, dtype=torch.long)
    for i in range(0, len(y), batch_size):
        logits = stack(x[i:i + batch_size])  # M x B x K
        yb = y[i:i + batch_size]
        ce = F.cross_entropy(logits.transpose(1, 2), yb.expand(m, -1), reduction="none")
        loss += ce.double().sum(1)
        correct += (logits.argmax(2) == yb).sum(1)
    stack.train(was)
    n = max(len(y), 1)
    return (loss / n).tolist(), (correct.double() / n).tolist()


def train_stack(stack: MLPStack, train_set, test_set=None, *, epochs: int,
                batch_size: int = 128, optimizer: str = "sgd", lr: float = 0.1,
                momentum: float = 0.9, weight_decay=0.0, seeds=0) -> list[History]:
    """Train every member as ``train_model`` trains one (cross-entropy, no schedule): one
    :class:`History` per member.

    ``weight_decay`` and ``seeds`` take one value or one per member. A member's seed picks
    its shuffles exactly as ``train_model(seed=...)`` does; members with different seeds see
    different batches (equal widths only). Weight decay is added to the gradient, as
    ``torch.optim.SGD(weight_decay=...)`` does.
    """
    m = len(stack)
    seeds = [int(s) for s in _per_member(seeds, m, "seeds")]
    shared = len(set(seeds)) == 1
    if not shared and not stack.equal:
        raise ValueError("members with their own seeds (own batches) need equal widths")
    wd = torch.tensor(_per_member(weight_decay, m, "weight_decay"), dtype=torch.float32)
    torch.manual_seed(seeds[0])  # dropout draws from the global generator, as in train_model
    x_tr, y_tr = as_tensors(train_set)
    x_tr = x_tr.reshape(len(x_tr), -1)
    x_te = y_te = None
    if test_set is not None:
        x_te, y_te = as_tensors(test_set)
        x_te = x_te.reshape(len(x_te), -1)
    n = len(y_tr)
    steps = n // batch_size + (1 if n % batch_size > 1 else 0)  # as train_model
    if optimizer == "sgd":
        opt = torch.optim.SGD(stack.parameters(), lr=lr, momentum=momentum)
    elif optimizer == "adam":
        opt = torch.optim.Adam(stack.parameters(), lr=lr)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}; use sgd or adam")
    decay = stack.decay(wd) if bool((wd > 0).any()) else []
    hist = [History() for _ in range(m)]
    stack.train()
    for epoch in range(epochs):
        perms = [torch.randperm(n, generator=torch.Generator().manual_seed(s * 1_000_003 + epoch))
                 for s in (seeds[:1] if shared else seeds)]
        sum_loss = torch.zeros(m, dtype=torch.float64)
        correct = torch.zeros(m, dtype=torch.long)
        seen = 0
        streams = [batches(x_tr, y_tr, p, batch_size, steps) for p in perms]
        for parts in zip(*streams):
            if shared:
                xb, yb = parts[0]
                yb_m = yb.expand(m, -1)
            else:
                xb = torch.stack([p[0] for p in parts])
                yb_m = torch.stack([p[1] for p in parts])
            logits = stack(xb, per_member=not shared)  # M x B x K
            losses = F.cross_entropy(logits.transpose(1, 2), yb_m, reduction="none").mean(1)
            opt.zero_grad(set_to_none=True)
            losses.sum().backward()  # each member's gradient is its own loss's
            with torch.no_grad():
                for param, lam in decay:
                    param.grad.add_(param * lam)
            opt.step()
            sum_loss += losses.detach().double() * yb_m.shape[1]
            correct += (logits.detach().argmax(2) == yb_m).sum(1)
            seen += yb_m.shape[1]
        test = evaluate_stack(stack, x_te, y_te) if y_te is not None else None
        for i, h in enumerate(hist):
            h.train_loss.append(sum_loss[i].item() / seen)
            h.train_acc.append(correct[i].item() / seen)
            h.lr.append(lr)
            if test is not None:
                h.test_loss.append(test[0][i])
                h.test_acc.append(test[1][i])
    return hist


def fit_stack_full_batch(stack: MLPStack, x: torch.Tensor, y: torch.Tensor, steps: int,
                         lr: float = 0.01, cosine: bool = False) -> None:
    """``fit_full_batch(loss="mse")`` for every member at once: full-batch Adam on the mean
    squared error, the step size decayed to zero by a cosine when ``cosine``."""
    opt = torch.optim.Adam(stack.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if cosine else None
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        out = stack(x)  # M x N x K
        ((out - y) ** 2).mean(dim=(1, 2)).sum().backward()
        opt.step()
        if sched is not None:
            sched.step()
