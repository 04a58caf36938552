"""Chapter 8's claims about GD, SGD and minibatch SGD, computed."""

from __future__ import annotations

import numpy as np
import pytest

from gdsc_book import sgd
from gdsc_book.schedules import InversePower
from tests.conftest import has_dataset

from .pages import record_numbers as _record

# ---------------------------------------------------------------- minibatches


def test_minibatches_cover_every_example_once_per_epoch():
    rng = np.random.default_rng(0)
    batches = sgd.minibatches(103, 10, rng)
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(np.concatenate(batches).tolist()) == list(range(103))
    with pytest.raises(ValueError):
        sgd.minibatches(10, 0, rng)


def test_full_loss_is_the_mean_of_equal_minibatch_losses_but_their_minima_differ():
    prob = sgd.LinearRegression2D.make(n=200, seed=0)
    batches = sgd.minibatches(prob.n, 20, np.random.default_rng(1))
    theta = np.array([0.3, 0.7])
    assert np.mean([prob.loss(theta, b) for b in batches]) == pytest.approx(prob.loss(theta))
    centres = np.array([prob.minimizer(b) for b in batches])
    full = prob.minimizer()
    # each minibatch bowl has its own centre, scattered around the full loss's minimum
    assert np.all(np.linalg.norm(centres - full, axis=1) > 1e-3)
    assert np.linalg.norm(centres.mean(axis=0) - full) < np.linalg.norm(centres - full, axis=1).mean()


def test_gradients_analytic_match_finite_differences():
    prob = sgd.LinearRegression2D.make(n=50, seed=3)
    theta, h = np.array([0.5, -0.2]), 1e-6
    num = [(prob.loss(theta + h * e) - prob.loss(theta - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(prob.grad(theta), num, atol=1e-5)


def test_gd_converges_and_noisier_updates_end_farther_from_the_minimum():
    prob = sgd.LinearRegression2D.make(n=200, seed=0)
    star = prob.minimizer()
    start, steps, lr = (-2.0, 3.0), 400, 0.05
    gd = sgd.descend(prob, start, lr, steps)
    assert np.linalg.norm(gd[-1] - star) < 1e-4
    # average distance over the last 100 steps: full batch < minibatch of 16 < single example
    tail = {b: np.linalg.norm(sgd.descend(prob, start, lr, steps, batch_size=b, seed=s)[-100:]
                              - star, axis=1).mean()
            for b in (1, 16) for s in [0]}
    assert np.linalg.norm(gd[-100:] - star, axis=1).mean() < tail[16] < tail[1]


def test_for_the_same_work_one_epoch_smaller_batches_get_further():
    prob = sgd.LinearRegression2D.make(n=200, seed=0)
    start, lr = (-2.0, 3.0), 0.05
    after_one_epoch = {b: prob.loss(sgd.descend(prob, start, lr, -(-prob.n // b), batch_size=b)[-1])
                       for b in (1, 16)}
    gd = prob.loss(sgd.descend(prob, start, lr, 1)[-1])  # one full-batch step per epoch
    assert after_one_epoch[1] < after_one_epoch[16] < gd


def test_minibatch_gradient_noise_shrinks_like_one_over_batch_size():
    prob = sgd.LinearRegression2D.make(n=200, seed=0)
    theta = np.array([-2.0, 3.0])
    s2 = prob.per_example_variance(theta)
    for b in (1, 4, 16, 64):
        predicted = s2 / b * (prob.n - b) / (prob.n - 1)
        assert prob.gradient_variance(theta, b, trials=3000) == pytest.approx(predicted, rel=0.15)
    assert prob.gradient_variance(theta, prob.n, trials=5) == pytest.approx(0.0, abs=1e-20)


# ---------------------------------------------------------------- Robbins–Monro


def test_robbins_monro_schedule_converges_constant_step_stalls_at_the_noise_floor():
    steps = 10_000
    rm = sgd.noisy_quadratic(InversePower(0.5, 1.0, 2.0), steps, runs=400)
    const = sgd.noisy_quadratic(0.1, steps, runs=400)
    short = sgd.noisy_quadratic(InversePower(0.5, 2.0, 2.0), steps, runs=400)
    assert rm[-1] < 1e-3 and rm[-1] < rm[1000] / 5  # still falling
    floor = sgd.noise_floor(0.1)
    assert np.mean(const[-2000:]) == pytest.approx(floor, rel=0.15)  # stalls where theory says
    assert np.mean(const[-2000:]) > 20 * rm[-1]
    assert short[-1] > 0.5  # sum of steps finite: stops before reaching the optimum
    assert short[-1] == pytest.approx(short[steps // 2], rel=0.1)


def test_noise_floor_formula_matches_a_long_constant_step_run():
    for eta in (0.05, 0.3):
        mse = sgd.noisy_quadratic(eta, 4000, runs=2000, theta0=0.0, seed=1)
        assert np.mean(mse[-1000:]) == pytest.approx(sgd.noise_floor(eta), rel=0.1)


@pytest.mark.parametrize("p", [0.6, 0.8, 1.0])
def test_sgd_rate_is_t_to_the_minus_p(p):
    steps = 10_000
    mse = sgd.noisy_quadratic(InversePower(1.0, p, 1.0), steps, runs=1000, seed=2)
    t = np.arange(1000, steps + 1)
    assert sgd.loglog_slope(t, mse[1000:]) == pytest.approx(-p, abs=0.1)


# ---------------------------------------------------------------- stationary points, saddles


def test_origin_is_a_saddle_and_the_minima_are_at_y_pm1():
    h = 1e-5
    hess = np.array([[(sgd.saddle_grad(*(np.array([0.0, 0.0]) + h * e))[i]
                       - sgd.saddle_grad(*(np.array([0.0, 0.0]) - h * e))[i]) / (2 * h)
                      for e in np.eye(2)] for i in range(2)])
    assert np.allclose(np.linalg.eigvalsh(hess), [-1.0, 1.0], atol=1e-6)
    for y in (-1.0, 1.0):
        assert np.allclose(sgd.saddle_grad(0.0, y), 0.0)
        assert sgd.saddle_f(0.0, y) == sgd.SADDLE_MIN


def test_gd_on_the_stable_manifold_stalls_at_the_saddle_sgd_escapes():
    gd = sgd.saddle_run((2.0, 0.0), lr=0.1, steps=400)
    assert np.all(gd[:, 1] == 0.0)  # never leaves y = 0
    assert np.linalg.norm(sgd.saddle_grad(*gd[-1])) < 1e-8  # a stationary point ...
    assert sgd.saddle_f(*gd[-1]) == pytest.approx(0.0, abs=1e-12)  # ... but the saddle
    for seed in range(10):
        path = sgd.saddle_run((2.0, 0.0), lr=0.1, steps=400, sigma=0.1, seed=seed)
        assert abs(abs(path[-1, 1]) - 1.0) < 0.15
        assert sgd.saddle_f(*path[-1]) < -0.24


def test_sgd_with_robbins_monro_steps_reaches_a_stationary_point():
    sched = InversePower(0.1, 1.0, 50.0)
    for seed in range(5):
        path = sgd.saddle_run((2.0, 0.0), lr=sched, steps=20_000, sigma=0.5, seed=seed)
        norms = np.linalg.norm([sgd.saddle_grad(*p) for p in path[-500:]], axis=1)
        assert norms.mean() < 0.05
        assert sgd.saddle_f(*path[-1]) < -0.245


# ---------------------------------------------------------------- PL and strong convexity


def test_pl_function_is_not_convex_but_satisfies_pl():
    x = np.linspace(-10, 10, 200_001)
    assert pl_min_curvature(x) < 0  # not convex
    assert np.abs(sgd.pl_curvature(x)).max() <= sgd.PL_SMOOTHNESS + 1e-9
    nz = x[x != 0]
    assert sgd.pl_ratio(nz).min() >= sgd.PL_MU  # 1/2 f'^2 >= mu (f - f*)
    assert sgd.pl_function(0.0) == 0.0


def pl_min_curvature(x):
    return sgd.pl_curvature(x).min()


def test_gd_converges_linearly_on_the_pl_function_from_anywhere():
    L = sgd.PL_SMOOTHNESS
    lr = 1 / (2 * L)
    rate = sgd.pl_rate(lr)  # 1 - 2 mu lr (1 - L lr / 2), from the descent lemma plus PL
    assert rate < 1
    t = np.arange(201)
    for x0 in np.linspace(-10, 10, 41):
        f = sgd.pl_function(sgd.gd_1d(sgd.pl_grad, x0, lr, 200))
        assert np.all(f <= rate ** t * f[0] * (1 + 1e-9))  # the guaranteed geometric decay
        assert f[-1] < 1e-12  # the global minimum, though f is not convex
        # the sharper constant measured on a grid gives a valid (tighter) guarantee as well
        mu_grid = sgd.pl_ratio(np.linspace(0.001, 10, 100_000)).min()
        assert np.all(f <= sgd.pl_rate(lr, mu=mu_grid) ** t * f[0] * (1 + 1e-9))


def test_without_pl_gd_is_only_sublinear():
    # x^4 is convex but 1/2 f'^2 = 8 x^6 is not >= mu x^4 near 0: the per-step ratio tends to 1
    xs = sgd.gd_1d(lambda x: 4 * x ** 3, 1.0, 0.1, 2000)
    f = xs ** 4
    assert f[-1] / f[-2] > 0.99
    t = np.arange(100, 2001)
    assert sgd.loglog_slope(t, f[100:]) == pytest.approx(-2.0, abs=0.1)  # O(t^-2), not geometric


def test_strongly_convex_quadratic_is_pl_with_its_curvature():
    mu = 0.5
    x = np.linspace(-5, 5, 1001)
    x = x[x != 0]
    assert np.allclose(0.5 * (mu * x) ** 2 / (0.5 * mu * x ** 2), mu)


# ---------------------------------------------------------------- flat and sharp minima


def test_sharp_minimum_is_lower_on_train_but_worse_after_a_shift():
    tm = sgd.TwoMinima()
    xs, xf = tm.minimum("sharp"), tm.minimum("flat")
    assert tm.curvature(xs) > 30 * tm.curvature(xf)
    assert tm.loss(xs) < tm.loss(xf)
    shift = 0.1  # a test loss shifted a little from the training loss
    assert tm.loss(xs - shift) - tm.loss(xs) > 10 * (tm.loss(xf - shift) - tm.loss(xf))
    assert tm.loss(xs - shift) > tm.loss(xf - shift)


def test_large_steps_with_noise_leave_the_sharp_minimum():
    tm = sgd.TwoMinima()
    starts = np.linspace(-2.5, 3.0, 400)
    h_sharp = tm.curvature(tm.minimum("sharp"))
    small, large = 0.5 * 2 / h_sharp, 2.5 * 2 / h_sharp  # below / above the stability limit 2/h
    share_gd = tm.basin(tm.settle(starts, small, 3000)).mean()
    share_sgd_small = tm.basin(tm.settle(starts, small, 3000, sigma=1.0)).mean()
    share_sgd_large = tm.basin(tm.settle(starts, large, 3000, sigma=1.0)).mean()
    share_gd_large = tm.basin(tm.settle(starts, large, 3000)).mean()
    assert share_gd < 0.7 and share_sgd_small < 0.7
    assert share_sgd_large > 0.95
    assert share_gd_large < 0.7  # without noise, GD can keep bouncing inside the sharp well


# ---------------------------------------------------------------- optimization ≠ learning




def test_committed_real_runs_say_what_chapter_8_says():
    """The sentences of chapter 8 about the real MNIST runs, checked against their records."""
    run = _record("ch08_schedule_run")
    acc = run["test_acc"]
    # a constant large rate does worst, far behind every decaying schedule
    assert all(acc["constant"] < a - 0.2 for k, a in acc.items() if k != "constant")
    assert run["best"] == "exponential"  # the least time near the large peak
    assert run["warmup_gain"] < 0  # warmup did not help in this short run
    tt = _record("ch08_train_test")
    assert tt["best_epoch"] < tt["epochs"]
    assert tt["final_test_loss"] > tt["min_test_loss"]
    assert tt["final_train_loss"] < 0.01 * tt["final_test_loss"]
    sad = _record("ch08_saddle")
    assert sad["sgd_escaped"] == sad["seeds"] and sad["gd_max_abs_y"] == 0.0


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_training_loss_falls_while_test_loss_turns_up():
    import dataclasses

    import torch

    from gdsc_book.data import load

    # Two disjoint parts of the 10,000 test images: quicker than decoding the training split.
    full = load("mnist", train=False)
    perm = torch.randperm(len(full), generator=torch.Generator().manual_seed(0))
    tr = dataclasses.replace(full, images=full.images[perm[:500]], labels=full.labels[perm[:500]])
    te = dataclasses.replace(full, images=full.images[perm[500:1500]],
                             labels=full.labels[perm[500:1500]])
    h = sgd.overfit_run(tr, te, epochs=25, hidden=256)
    assert h.train_loss[-1] < 0.02
    best = int(np.argmin(h.test_loss))
    assert best < len(h.test_loss) - 1
    assert h.test_loss[-1] > min(h.test_loss) * 1.05
    assert h.test_loss[-1] > 10 * h.train_loss[-1]


# ---------------------------------------------------------------- issue 17: means, noise, escapes

SGD_PAGE = "ch08-sgd"


def _every_minibatch_noise(prob, theta, b, mean=True):
    """Exact E||g_B - g||^2 over all C(n, b) minibatches (no sampling error)."""
    from itertools import combinations

    g = prob.per_example_gradients(theta)
    full = g.mean(axis=0) if mean else g.sum(axis=0)
    errs = []
    for idx in combinations(range(prob.n), b):
        gb = g[list(idx)].mean(axis=0) if mean else g[list(idx)].sum(axis=0)
        errs.append(np.sum((gb - (full if mean else full * b / prob.n)) ** 2))
    return float(np.mean(errs))


def test_variance_formula_holds_for_mean_losses_not_for_sums():
    from tests.pages import says

    says(SGD_PAGE, ko=r"\mathcal{L}(\theta \mid \mathcal{B}) := \frac{1}{|\mathcal{B}|} \sum",
         en=r"\mathcal{L}(\theta \mid \mathcal{B}) := \frac{1}{|\mathcal{B}|} \sum")
    prob = sgd.LinearRegression2D.make(n=10, seed=4)
    theta = np.array([0.4, -1.0])
    s2 = prob.per_example_variance(theta)
    # the mean loss's gradient is the mean of the example gradients, as the page defines it
    assert np.allclose(prob.per_example_gradients(theta).mean(axis=0), prob.grad(theta))
    for b in (1, 3, 5, 10):
        exact = _every_minibatch_noise(prob, theta, b)
        assert exact == pytest.approx(s2 / b * (prob.n - b) / (prob.n - 1), rel=1e-12, abs=1e-12)
        # with summed losses the same noise is b^2 times larger: the formula is for means
        if b < prob.n:
            assert _every_minibatch_noise(prob, theta, b, mean=False) == pytest.approx(b * b * exact)


def test_four_times_the_batch_quarters_the_variance_and_halves_the_std():
    from tests.pages import says

    says(SGD_PAGE, ko="분산은 4분의 1로, 표준편차는 절반으로",
         en="a quarter of the noise variance, half its standard deviation")
    prob = sgd.LinearRegression2D.make(n=100_000, seed=0)
    theta = np.array([-2.0, 3.0])
    v4, v16 = (prob.gradient_variance(theta, b, trials=4000, seed=1) for b in (4, 16))
    assert v4 / v16 == pytest.approx(4.0, rel=0.1)
    assert np.sqrt(v4 / v16) == pytest.approx(2.0, rel=0.05)


def test_tilted_double_well_is_non_convex_and_its_example_losses_average_to_it():
    prob = sgd.TiltedDoubleWell.make(n=200, seed=0)
    th = np.linspace(-2, 2, 401)
    assert np.allclose(prob.example_losses(th).mean(axis=0), prob.loss(th))
    left, right = prob.minima()
    assert left < 0 < right and prob.loss(left) < prob.loss(right)  # a global and a local minimum
    assert np.min(3 * th ** 2 - 1) < 0  # L'' < 0 somewhere: not convex
    # a minibatch tilted past the threshold has no minimum in the right well
    steep = np.argsort(prob.eps)[-4:]
    assert prob.tilt + prob.eps[steep].mean() > sgd.WELL_VANISHES
    assert not prob.has_local_minimum(steep) and prob.has_local_minimum()


def test_gd_stays_in_the_local_minimum_small_minibatches_leave_it():
    prob = sgd.TiltedDoubleWell.make(n=200, seed=0)
    right = prob.minima()[-1]
    eta = sgd.linear_decay(0.1, 1000)
    gd = prob.runs(right, eta, 1000, None, runs=1)
    assert np.allclose(gd, right)
    small = prob.runs(right, eta, 1000, 1, runs=40)
    large = prob.runs(right, eta, 1000, 50, runs=40)
    assert np.mean(small[-1] < 0) > 0.9
    assert np.all(large[-1] > 0)
    with pytest.raises(ValueError, match="divide"):
        prob.runs(right, eta, 10, 3)


def test_local_minimum_record_backs_the_page():
    r = _record("ch08_local_minimum")
    ended = [r["ended_global"][str(b)] for b in r["batches"]]
    assert r["gd_stays"]
    assert ended[0] == ended[1] == 1.0  # "every run" at the two smallest batches
    assert 0 < ended[2] < 1 and all(e == 0 for e in ended[3:])  # "from 8 on": none
    assert all(a >= b for a, b in zip(ended, ended[1:]))
    assert r["left_ever"][str(r["batches"][2])] > ended[2]  # some crossed and came back
    assert r["no_local_min"][str(r["batches"][4])] > 0.2  # yet no run escapes at that size
    assert r["loss_global"] < r["loss_local"]


def test_gd_avoids_the_strict_saddle_from_any_start_off_a_measure_zero_line():
    from tests.pages import says

    says(SGD_PAGE, ko=("strict saddle", 'ref("lee2016")', 'ref("du2017")', "측도 0"),
         en=("strict saddle", 'ref("lee2016")', 'ref("du2017")', "measure zero"))
    lr = 0.1
    for y0 in (1e-12, -1e-6, 1e-3):
        path = sgd.saddle_run((2.0, y0), lr, 400)
        step = int(np.argmax(np.abs(path[:, 1]) > 0.5))
        assert 0 < step < 400
        assert sgd.saddle_f(*path[-1]) == pytest.approx(sgd.SADDLE_MIN, abs=1e-6)
        # near the saddle y grows by (1 + lr) per step: the escape takes ~ log(1/y0) steps
        assert step == pytest.approx(np.log(0.5 / abs(y0)) / np.log(1 + lr), rel=0.15)
    r = _record("ch08_saddle")
    assert r["gd_tiny_escape_step"] < 400 and r["gd_tiny_y0"] == 1e-12
    assert r["gd_tiny_final_f"] == pytest.approx(sgd.SADDLE_MIN)


def _min_squared_gradient(grad, theta0, steps, runs=200, sigma=0.5, seed=0):
    """min_t E||grad L(theta_t)||^2 of SGD with eta = 0.5/sqrt(T) (expectation over runs)."""
    rng = np.random.default_rng(seed)
    theta = np.tile(np.asarray(theta0, dtype=float), (runs, 1))
    eta, best = 0.5 / np.sqrt(steps), np.inf
    for _ in range(steps):
        g = grad(theta)
        best = min(best, float(np.mean(np.sum(g ** 2, axis=1))))
        theta = theta - eta * (g + sigma * rng.standard_normal(theta.shape))
    return best


def test_stationary_points_need_a_loss_bounded_below():
    from tests.pages import says

    says(SGD_PAGE, ko=("아래로 유계", r"\mathcal{L}(\theta) = -\theta"),
         en=("bounded below", r"\mathcal{L}(\theta) = -\theta"))

    def saddle(th):  # bounded below (by -1/4), not convex
        return np.stack([th[:, 0], th[:, 1] ** 3 - th[:, 1]], axis=1)

    def falling(th):  # L = -theta_1: unbounded below, gradient 1 everywhere
        return np.tile([-1.0, 0.0], (len(th), 1))

    mins = [_min_squared_gradient(saddle, (2.0, 0.5), t) for t in (100, 1000, 10_000)]
    assert mins[0] > mins[1] > mins[2]  # min_t E||grad||^2 -> 0 as T grows ...
    assert mins[2] < mins[0] / 10  # ... at least like 1/sqrt(T)
    assert _min_squared_gradient(falling, (0.0, 0.0), 10_000) == pytest.approx(1.0)
