"""The batched chapter-1 runs are the runs train_model would make, one at a time."""

from __future__ import annotations

import torch

from gdsc_book import experience
from gdsc_book.models import SoftmaxRegression
from gdsc_book.train import train_model


def _toy(n=400, d=12, classes=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 3, 4, generator=g)
    y = (x.view(n, -1)[:, :classes].argmax(1) + (torch.rand(n, generator=g) < 0.2)) % classes
    return x, y.long()


def test_batched_runs_match_train_model():
    torch.set_num_threads(1)  # tiny matrices: a second thread only waits
    x, y = _toy()
    # sizes whose epochs differ in length and in their last batch (of 1: dropped; of 17: kept)
    plans = [experience.RunPlan(torch.arange(n) * 3 % len(y), epochs, seed)
             for n, epochs, seed in ((129, 3, 0), (145, 2, 1), (64, 5, 2), (100, 1, 0))]
    w, b = experience.train_softmax_runs(x, y, plans, lr=0.05, batch_size=32, classes=4)
    acc = experience.accuracy(x, y, w, b)
    for r, p in enumerate(plans):
        torch.manual_seed(p.seed)
        model = SoftmaxRegression(in_shape=(1, 3, 4), num_classes=4)
        hist = train_model(model, (x[p.rows], y[p.rows]), (x, y), epochs=p.epochs,
                           batch_size=32, optimizer="sgd", lr=0.05, seed=p.seed)
        assert torch.allclose(model.linear.weight.detach().T, w[r], atol=1e-5), r
        assert torch.allclose(model.linear.bias.detach(), b[r], atol=1e-5), r
        assert abs(hist.test_acc[-1] - float(acc[r])) < 1e-9, r


def test_plan_fills_an_epoch_and_keeps_updates_close():
    plans = experience.plan_sizes(60000, [100, 3000, 60000], seeds=2, updates=2400, batch_size=128)
    assert [(n, s) for n, s, _ in plans] == [(100, 0), (100, 1), (3000, 0), (3000, 1),
                                             (60000, 0), (60000, 1)]
    for n, _, p in plans:
        assert len(p.rows) >= 6000 and len(set(p.rows.tolist())) == n
        steps = p.epochs * -(-len(p.rows) // 128)
        assert abs(steps - 2400) / 2400 < 0.05, (n, steps)
    # the subsets are Dataset.subset's: the same examples for the same seed
    same = torch.randperm(60000, generator=torch.Generator().manual_seed(1))[:100]
    assert torch.equal(plans[1][2].rows[:100], same)
