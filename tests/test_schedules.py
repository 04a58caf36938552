"""Step-size schedules: the Robbins–Monro conditions and the torch schedulers chapter 8 plots."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gdsc_book.errors import BookError
from gdsc_book.schedules import (
    SCHEDULES,
    InversePower,
    lr_curve,
    make_scheduler,
    scheduler_factory,
)
from tests.conftest import has_dataset


@pytest.mark.parametrize(("p", "sum_inf", "squares_finite"), [
    (0.0, True, False),   # constant step
    (0.4, True, False),
    (0.75, True, True),
    (1.0, True, True),
    (2.0, False, True),
])
def test_robbins_monro_classification(p, sum_inf, squares_finite):
    s = InversePower(0.5, p, 2.0)
    assert s.sum_diverges is sum_inf
    assert s.squares_converge is squares_finite
    assert s.robbins_monro is (sum_inf and squares_finite)


def test_partial_sums_behave_as_the_conditions_say():
    n = 1_000_000
    s1, q1 = InversePower(1.0, 1.0, 1.0).partial_sums(n)
    # 1/t: the sum grows like log t without bound, the squares settle (to pi^2/6)
    assert s1[-1] - s1[n // 1000 - 1] == pytest.approx(math.log(1000), rel=0.01)
    assert q1[-1].item() == pytest.approx(math.pi ** 2 / 6, rel=1e-5)
    s2, _ = InversePower(1.0, 2.0, 1.0).partial_sums(n)
    assert s2[-1].item() == pytest.approx(math.pi ** 2 / 6, rel=1e-5)  # finite: can stop short
    _, q0 = InversePower(0.1, 0.0).partial_sums(n)
    assert q0[-1].item() == pytest.approx(0.01 * n)  # constant: squares grow without bound


def test_inverse_power_values():
    s = InversePower(0.5, 1.0, 2.0)
    assert s(0) == 0.5 and s(2) == pytest.approx(0.25)


def test_schedule_shapes():
    n, lr = 200, 0.1
    c = {name: np.array(lr_curve(name, n, lr)) for name in SCHEDULES}
    assert np.allclose(c["constant"], lr)
    warm = 20  # 10 % of 200 steps
    w = c["warmup_cosine"]
    assert np.all(np.diff(w[:warm + 1]) > 0)  # linear warmup ...
    assert w[0] == pytest.approx(lr / warm) and np.allclose(np.diff(w[:warm + 1]), np.diff(w)[0])
    assert w.max() == pytest.approx(lr) and int(w.argmax()) == warm
    assert np.all(np.diff(w[warm:]) <= 1e-12) and w[-1] < 0.01 * lr  # ... then cosine decay
    assert c["step"][49] == lr and c["step"][50] == lr / 2 and c["step"][-1] == lr / 8
    assert c["exponential"][-1] == pytest.approx(0.01 * lr, rel=0.05)
    assert c["cosine"][n // 2] == pytest.approx(lr / 2, rel=0.02) and c["cosine"][-1] < 1e-3 * lr
    o = c["onecycle"]
    assert o.max() == pytest.approx(lr, rel=1e-3) and abs(int(o.argmax()) - 0.3 * n) <= 2
    assert o[0] < 0.1 * lr and o[-1] < 1e-3 * lr


def test_unknown_schedule_is_a_clear_error():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(BookError, match="unknown schedule"):
        make_scheduler("warmup", opt, 10)
    with pytest.raises(BookError, match="unknown schedule"):
        scheduler_factory("nope")
    with pytest.raises(BookError):
        make_scheduler("cosine", opt, 0)


def test_factory_plugs_into_train_model():
    from gdsc_book.train import train_model

    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] > 0).long()
    model = torch.nn.Linear(4, 2)
    h = train_model(model, (x, y), (x, y), epochs=3, batch_size=32, lr=0.1,
                    scheduler=scheduler_factory("warmup_cosine"), device="cpu")
    curve = lr_curve("warmup_cosine", 24, 0.1)  # 3 epochs x 8 batches, stepped per batch
    assert h.lr[:2] == pytest.approx([curve[8], curve[16]])
    assert h.train_acc[-1] > 0.9


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_decaying_schedules_beat_a_constant_large_rate():
    from gdsc_book.data import load

    tr = load("mnist", train=True).subset(3000, seed=0)
    te = load("mnist", train=False).subset(1000, seed=1)
    from gdsc_book.sgd import compare_schedules

    runs = compare_schedules(tr, te, ("constant", "exponential", "warmup_cosine"), epochs=3,
                             lr=0.5)
    for name in ("exponential", "warmup_cosine"):
        assert runs[name].test_acc[-1] > runs["constant"].test_acc[-1] + 0.05
