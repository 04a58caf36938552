"""Chapter 8 figures: GD vs SGD vs minibatch SGD, Robbins–Monro, schedules, saddles, PL."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np

from gdsc_book import sgd
from gdsc_book.figures.registry import figure
from gdsc_book.schedules import SCHEDULES, InversePower, lr_curve
from gdsc_book.style import COLORS, LANGS, log_spaced, log_ticks, tr
from gdsc_book.train import History

# One start, one step size for the 2-D pictures: far enough from the minimum to see the paths.
START = (-2.0, 3.0)
LR = 0.05


def _grid(centre, half=3.2, n=160):
    w = np.linspace(centre[0] - half, centre[0] + half, n)
    b = np.linspace(centre[1] - half, centre[1] + half, n)
    ww, bb = np.meshgrid(w, b)
    return ww, bb, np.stack([ww, bb], axis=-1)


def _contour(ax, ww, bb, zz, color="#999999"):
    levels = np.quantile(zz, np.linspace(0.02, 0.9, 12))
    ax.contour(ww, bb, zz, levels=levels, colors=color, linewidths=0.8)


def _trajectories(run, n, steps, epochs=3):
    """The computation: each method's path for ``steps`` steps and its loss for ``epochs``
    passes over the data."""
    prob = sgd.LinearRegression2D.make(n=n, seed=run.seed)
    star = prob.minimizer()
    runs = {"gd": None, "mb": 16, "sgd": 1}
    paths = {k: sgd.descend(prob, START, LR, steps, batch_size=b, seed=run.seed)
             for k, b in runs.items()}
    # the same methods for the same number of passes over the data (epochs)
    per_epoch = {"gd": 1, "mb": -(-prob.n // 16), "sgd": prob.n}
    curves = {k: prob.loss(sgd.descend(prob, START, LR, epochs * per_epoch[k],
                                       batch_size=runs[k], seed=run.seed))
              for k in runs}
    ww, bb, grid = _grid(star)
    return {"n": prob.n, "star": star, "paths": paths, "curves": curves,
            "per_epoch": per_epoch, "loss_min": float(prob.loss(star)),
            "ww": ww, "bb": bb, "zz": prob.loss(grid)}


@figure("ch08_trajectories", chapter="ch08", full={"n": 200, "steps": 80},
        quick={"n": 100, "steps": 30})
def trajectories(ctx):
    """GD, SGD (one example) and minibatch SGD (16) on the same 2-D least-squares loss."""
    r = ctx.compute(_trajectories, n=ctx["n"], steps=ctx["steps"])
    star, paths, curves, per_epoch = r["star"], r["paths"], r["curves"], r["per_epoch"]
    ww, bb, zz = r["ww"], r["bb"], r["zz"]
    runs = paths
    names = {"gd": ("GD (전체 배치)", "GD (full batch)"),
             "mb": ("미니배치 SGD (B=16)", "minibatch SGD (B=16)"),
             "sgd": ("SGD (B=1)", "SGD (B=1)")}
    colors = {"gd": COLORS[0], "mb": COLORS[2], "sgd": COLORS[1]}
    for lang in LANGS:
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.4, 8.4), layout="constrained",
                                      gridspec_kw={"height_ratios": [1.45, 1]})
        _contour(ax, ww, bb, zz)
        for k, p in paths.items():
            ax.plot(p[:, 0], p[:, 1], "-o", ms=2.2, lw=1.1, color=colors[k],
                    label=tr(lang, *names[k]))
        ax.plot(*star, "*", color="black", ms=12, label=tr(lang, "최솟값", "minimum"))
        ax.plot(*START, "s", color="black", ms=6)
        ax.set_xlabel(tr(lang, "가중치 $w$", "weight $w$"))
        ax.set_ylabel(tr(lang, "절편 $b$", "intercept $b$"))
        ax.set_title(tr(lang, f"같은 스텝 수({ctx['steps']}번)의 궤적",
                        f"paths after the same {ctx['steps']} steps"))
        # One legend for both panels, in the room beside the square one (off the contours).
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        ax.set_aspect("equal")
        for k, c in curves.items():
            x = np.arange(len(c)) / per_epoch[k]
            ax2.plot(x, c, color=colors[k], lw=1.4, label=tr(lang, *names[k]))
        ax2.axhline(r["loss_min"], color="black", ls=":", lw=1)
        ax2.set_yscale("log")
        log_ticks(ax2, "y")
        ax2.set_xlabel(tr(lang, "데이터를 본 횟수 (에폭)", "passes over the data (epochs)"))
        ax2.set_ylabel(tr(lang, "전체 손실 $\\mathcal{L}(\\theta)$", "full loss $\\mathcal{L}(\\theta)$"))
        ax2.set_title(tr(lang, "같은 계산량(에폭)에서의 손실 (색은 위와 같음)",
                         "loss for the same work (epochs; colours as above)"))
        ctx.save(fig, lang)
    dist = {k: float(np.linalg.norm(p[-1] - star)) for k, p in paths.items()}
    after1 = {k: float(curves[k][per_epoch[k]]) for k in runs}
    return {"n": r["n"], "steps": ctx["steps"], "lr": LR, "final_distance": dist,
            "loss_after_one_epoch": after1, "loss_min": r["loss_min"],
            "steps_per_epoch": per_epoch}


def _minibatch_surfaces(run, n, batch, trials):
    """The computation: the full and four minibatch losses on a grid, their minimizers, and
    the gradient noise measured per batch size."""
    prob = sgd.LinearRegression2D.make(n=n, seed=run.seed)
    star = prob.minimizer()
    batches = sgd.minibatches(prob.n, batch, np.random.default_rng(run.seed))[:4]
    ww, bb, grid = _grid(star, half=2.5)
    theta = np.array(START)
    sizes = np.array([1, 2, 4, 8, 16, 32, 64, 128])
    sizes = sizes[sizes < prob.n]
    measured = np.array([prob.gradient_variance(theta, int(b), trials, run.seed)
                         for b in sizes])
    s2 = prob.per_example_variance(theta)
    return {"n": prob.n, "star": star, "ww": ww, "bb": bb, "full": prob.loss(grid),
            "batch_losses": [prob.loss(grid, b) for b in batches],
            "centres": [prob.minimizer(b) for b in batches], "sizes": sizes,
            "measured": measured, "theory": s2 / sizes * (prob.n - sizes) / (prob.n - 1)}


@figure("ch08_minibatch_surfaces", chapter="ch08",
        full={"n": 200, "batch": 10, "trials": 3000}, quick={"n": 100, "batch": 10, "trials": 200})
def minibatch_surfaces(ctx):
    """The full loss L(θ) and four minibatch losses L(θ|B): same shape, different centres."""
    r = ctx.compute(_minibatch_surfaces, n=ctx["n"], batch=ctx["batch"], trials=ctx["trials"])
    star, ww, bb, centres = r["star"], r["ww"], r["bb"], r["centres"]
    sizes, measured, theory = r["sizes"], r["measured"], r["theory"]
    for lang in LANGS:
        # The full loss large on the left, the four minibatches two by two beside it.
        fig = plt.figure(figsize=(6.8, 3.9), layout="constrained")
        gs = fig.add_gridspec(2, 4)
        axes = [fig.add_subplot(gs[:, :2])]
        axes += [fig.add_subplot(gs[i // 2, 2 + i % 2], sharex=axes[0], sharey=axes[0])
                 for i in range(4)]
        _contour(axes[0], ww, bb, r["full"], color=COLORS[0])
        axes[0].plot(*star, "*", color="black", ms=11)
        axes[0].set_title(tr(lang, "전체 손실 $\\mathcal{L}(\\theta)$", "full loss $\\mathcal{L}(\\theta)$"))
        axes[0].set_xlabel("$w$")
        axes[0].set_ylabel("$b$")
        for i, (ax, z, c) in enumerate(zip(axes[1:], r["batch_losses"], centres)):
            _contour(ax, ww, bb, z, color=COLORS[1])
            ax.plot(*star, "*", color="black", ms=9)
            ax.plot(*c, "o", color=COLORS[1], ms=6)
            ax.set_title(tr(lang, f"미니배치 {i + 1}", f"minibatch {i + 1}"), fontsize=10)
            ax.tick_params(labelbottom=False, labelleft=False)
        for ax in axes:
            ax.set_aspect("equal")
        fig.suptitle(tr(lang, "오른쪽: 미니배치 손실 $\\mathcal{L}(\\theta|\\mathcal{B})$와 그 최솟값 (●)",
                        "right: minibatch losses $\\mathcal{L}(\\theta|\\mathcal{B})$ and their minima (●)"),
                     fontsize=10)
        ctx.save(fig, lang)

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        ax.loglog(sizes, measured, "o", color=COLORS[0],
                  label=tr(lang, "측정 (무작위 미니배치)", "measured (random minibatches)"))
        ax.loglog(sizes, theory, "-", color=COLORS[1],
                  label=tr(lang, "이론 $\\frac{s^2}{B}\\frac{n-B}{n-1}$",
                           "theory $\\frac{s^2}{B}\\frac{n-B}{n-1}$"))
        log_ticks(ax, "xy")
        ax.set_xlabel(tr(lang, "배치 크기 $B$", "batch size $B$"))
        ax.set_ylabel(tr(lang, "기울기 잡음 $\\mathbb{E}\\|g_\\mathcal{B} - \\nabla L\\|^2$",
                         "gradient noise $\\mathbb{E}\\|g_\\mathcal{B} - \\nabla L\\|^2$"))
        ax.legend()
        fig.tight_layout()
        ctx.save(fig, lang, part="noise")
    spread = [float(np.linalg.norm(c - star)) for c in centres]
    return {"batch": ctx["batch"], "n": r["n"], "centre_distance": spread,
            "centre_distance_min": min(spread), "centre_distance_max": max(spread),
            "noise_ratio_1_to_16": float(measured[0] / measured[list(sizes).index(16)]),
            "ratio_batches": [int(sizes[0]), 16], "shown_batches": len(centres),
            "noise_rel_error_max": float(np.max(np.abs(measured / theory - 1)))}


RM_SCHEDULES = {
    "constant": (0.1, ("상수 $\\eta=0.1$", "constant $\\eta=0.1$")),
    "p1": (InversePower(0.5, 1.0, 2.0), ("$\\eta_t \\propto 1/t$", "$\\eta_t \\propto 1/t$")),
    "p075": (InversePower(0.5, 0.75, 2.0),
             ("$\\eta_t \\propto t^{-3/4}$", "$\\eta_t \\propto t^{-3/4}$")),
    "p2": (InversePower(0.5, 2.0, 2.0), ("$\\eta_t \\propto 1/t^2$", "$\\eta_t \\propto 1/t^2$")),
}


def _robbins_monro(run, steps, runs):
    """The computation: the mean squared error per step under each schedule."""
    return {k: sgd.noisy_quadratic(s, steps, runs=runs, seed=run.seed)
            for k, (s, _) in RM_SCHEDULES.items()}


@figure("ch08_robbins_monro", chapter="ch08", full={"steps": 10000, "runs": 1000},
        quick={"steps": 1000, "runs": 100})
def robbins_monro(ctx):
    """Schedules that satisfy Robbins–Monro converge; a constant step stalls; 1/t² stops short."""
    steps = ctx["steps"]
    mse = ctx.compute(_robbins_monro, steps=steps, runs=ctx["runs"])
    floor = sgd.noise_floor(0.1)
    t = log_spaced(steps + 1)
    colors = dict(zip(RM_SCHEDULES, [COLORS[1], COLORS[0], COLORS[2], COLORS[3]]))
    ok = {k: (isinstance(s, InversePower) and s.robbins_monro) for k, (s, _) in RM_SCHEDULES.items()}
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.6), layout="constrained")
        for k, (s, label) in RM_SCHEDULES.items():
            eta = sgd.as_schedule(s)
            mark = tr(lang, " (RM 만족)", " (RM holds)") if ok[k] else ""
            ax1.loglog(t, [eta(i) for i in t], color=colors[k], lw=1.6,
                       label=tr(lang, *label) + mark)
            ax2.loglog(t, mse[k][t], color=colors[k], lw=1.4, label=tr(lang, *label) + mark)
        ax2.axhline(floor, color=COLORS[1], ls="--", lw=1)
        log_ticks(ax1, "xy")
        log_ticks(ax2, "xy")
        ax2.text(1.5, floor * 1.25, tr(lang, "잡음 바닥 $\\eta\\sigma^2/(2-\\eta)$",
                                       "noise floor $\\eta\\sigma^2/(2-\\eta)$"),
                 color=COLORS[1], fontsize=9)
        ax1.set_xlabel(tr(lang, "스텝 $t$", "step $t$"))
        ax1.set_ylabel(tr(lang, "스텝 크기 $\\eta_t$", "step size $\\eta_t$"))
        ax1.set_title(tr(lang, "스텝 크기 스케줄", "step-size schedules"))
        ax1.legend(fontsize=9, loc="lower left")  # every schedule starts high: that corner is empty
        ax2.set_xlabel(tr(lang, "스텝 $t$", "step $t$"))
        ax2.set_ylabel(tr(lang, "평균 제곱 오차 $\\mathbb{E}[(\\theta_t-\\theta^*)^2]$",
                          "mean squared error $\\mathbb{E}[(\\theta_t-\\theta^*)^2]$"))
        ax2.set_title(tr(lang, f"잡음 섞인 기울기로 SGD ({ctx['runs']}번 평균)",
                         f"SGD with noisy gradients (mean of {ctx['runs']} runs; colours as above)"))
        ctx.save(fig, lang)
    tail = max(1, steps // 5)
    return {"steps": steps, "runs": ctx["runs"], "noise_floor": floor,
            "constant_lr": RM_SCHEDULES["constant"][0], "tail_steps": tail,
            "sigma": inspect.signature(sgd.noise_floor).parameters["sigma"].default,
            "final_mse": {k: float(v[-1]) for k, v in mse.items()},
            "constant_tail_mse": float(np.mean(mse["constant"][-tail:])),
            "p2_total_step": float(InversePower(0.5, 2.0, 2.0).partial_sums(steps)[0][-1])}


def _rates(run, steps, runs, ps=(0.6, 0.8, 1.0)):
    """The computation: the mean squared error per step for η_t = (1 + t)^(-p)."""
    return [sgd.noisy_quadratic(InversePower(1.0, p, 1.0), steps, runs=runs, seed=run.seed)
            for p in ps]


@figure("ch08_rates", chapter="ch08", full={"steps": 10000, "runs": 2000},
        quick={"steps": 1000, "runs": 200})
def rates(ctx):
    """SGD with η_t ∝ t^(-p) on the noisy quadratic: the error falls like O(t^(-p))."""
    steps = ctx["steps"]
    t = np.arange(steps + 1)
    fit_from = steps // 10
    curves = dict(zip((0.6, 0.8, 1.0), ctx.compute(_rates, steps=steps, runs=ctx["runs"])))
    slopes = {p: sgd.loglog_slope(t[fit_from:], c[fit_from:]) for p, c in curves.items()}
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        shown = log_spaced(steps + 1)
        for i, (p, c) in enumerate(curves.items()):
            ax.loglog(shown, c[shown], color=COLORS[i], lw=1.4,
                      label=tr(lang, f"$p={p}$: 기울기 {slopes[p]:.2f}",
                               f"$p={p}$: slope {slopes[p]:.2f}"))
            ref_t = shown[shown >= fit_from]
            ax.loglog(ref_t, c[fit_from] * (ref_t / fit_from) ** (-p), color=COLORS[i], ls=":",
                      lw=1.2)
        ax.set_xlabel(tr(lang, "스텝 $t$", "step $t$"))
        log_ticks(ax, "xy")
        ax.set_ylabel("$\\mathbb{E}[(\\theta_t-\\theta^*)^2]$")
        ax.set_title(tr(lang, "$\\eta_t = (1+t)^{-p}$일 때 오차 (점선: $t^{-p}$)",
                        "error with $\\eta_t = (1+t)^{-p}$ (dotted: $t^{-p}$)"))
        ax.legend()
        fig.tight_layout()
        ctx.save(fig, lang)
    return {"p": list(slopes), "slopes": list(slopes.values()), "fit_from": fit_from, "runs": ctx["runs"],
            "steps": steps}


def _saddle(run, steps, seeds, lr, sigma, start=(2.0, 0.0)):
    """The computation: GD from the saddle's stable manifold, and SGD from there per seed."""
    return {"gd": sgd.saddle_run(start, lr, steps),
            "runs": [sgd.saddle_run(start, lr, steps, sigma=sigma, seed=s) for s in range(seeds)],
            # GD stalls only from the measure-zero line y = 0: a start 1e-12 off it escapes too
            "tiny": sgd.saddle_run((start[0], 1e-12), lr, steps)}


@figure("ch08_saddle", chapter="ch08", full={"steps": 400, "seeds": 20},
        quick={"steps": 200, "seeds": 5})
def saddle(ctx):
    """GD started on the saddle's stable manifold y = 0 stalls; SGD's noise escapes."""
    steps, lr, sigma = ctx["steps"], 0.1, 0.1
    r = ctx.compute(_saddle, steps=steps, seeds=ctx["seeds"], lr=lr, sigma=sigma)
    gd, runs = r["gd"], r["runs"]
    escape = [int(np.argmax(np.abs(p[:, 1]) > 0.5)) for p in runs]
    xx, yy = np.meshgrid(np.linspace(-2.2, 2.2, 200), np.linspace(-1.6, 1.6, 200))
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 8.0), layout="constrained",
                                       gridspec_kw={"height_ratios": [1.15, 1]})
        cs = ax1.contour(xx, yy, sgd.saddle_f(xx, yy), levels=np.linspace(-0.24, 2.4, 14),
                         colors="#999999", linewidths=0.8)
        del cs
        for i, p in enumerate(runs[:3]):
            ax1.plot(p[:, 0], p[:, 1], "-", lw=1.0, color=COLORS[1], alpha=0.9,
                     label=tr(lang, "SGD (잡음 $\\sigma=0.1$)", "SGD (noise $\\sigma=0.1$)")
                     if i == 0 else None)
        ax1.plot(gd[:, 0], gd[:, 1], "-o", ms=2, lw=1.4, markevery=5, color=COLORS[0],
                 label="GD")
        ax1.plot(0, 0, "X", color="black", ms=10, label=tr(lang, "안장점", "saddle"))
        ax1.plot([0, 0], [-1, 1], "*", color="black", ms=11, label=tr(lang, "최솟값", "minima"))
        ax1.set_xlabel("$x$")
        ax1.set_ylabel("$y$")
        ax1.set_title("$f(x,y) = x^2/2 + y^4/4 - y^2/2$")
        ax1.set_aspect("equal")
        ax1.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        t = np.arange(steps + 1)
        ax2.plot(t, sgd.saddle_f(gd[:, 0], gd[:, 1]), color=COLORS[0], lw=1.8, label="GD")
        for i, p in enumerate(runs):
            ax2.plot(t, sgd.saddle_f(p[:, 0], p[:, 1]), color=COLORS[1], lw=0.8, alpha=0.5,
                     label="SGD" if i == 0 else None)
        ax2.axhline(0, color="black", ls=":", lw=1)
        ax2.axhline(sgd.SADDLE_MIN, color="black", ls="--", lw=1)
        ax2.text(steps, 0.03, tr(lang, "안장점 값 0", "saddle value 0"), ha="right", fontsize=9)
        ax2.text(steps, sgd.SADDLE_MIN + 0.03, tr(lang, "최솟값 −1/4", "minimum −1/4"),
                 ha="right", fontsize=9)
        ax2.set_ylim(-0.35, 1.0)
        ax2.set_xlabel(tr(lang, "스텝 $t$", "step $t$"))
        ax2.set_ylabel("$f(x_t, y_t)$")
        ax2.set_title(tr(lang, "GD (파랑)과 SGD 시드별 (주황)의 손실",
                         "loss of GD (blue) and of SGD per seed (orange)"), fontsize=10)
        ctx.save(fig, lang)
    finals = np.array([sgd.saddle_f(*p[-1]) for p in runs])
    tiny = r["tiny"]
    return {"start": list(inspect.signature(_saddle).parameters["start"].default), "gd_tiny_y0": 1e-12, "gd_tiny_escape_step": int(np.argmax(np.abs(tiny[:, 1]) > 0.5)),
            "gd_tiny_final_f": float(sgd.saddle_f(*tiny[-1])),
            "gd_final_f": float(sgd.saddle_f(*gd[-1])),
            "gd_final_grad": float(np.linalg.norm(sgd.saddle_grad(*gd[-1]))),
            "gd_max_abs_y": float(np.abs(gd[:, 1]).max()),
            "sgd_escaped": int(np.sum(finals < -0.24)), "seeds": ctx["seeds"],
            "sgd_escape_step_median": float(np.median(escape)), "sigma": sigma, "lr": lr}


def _pl_runs(run, steps, lr, x0=4.0):
    """The computation: the PL constant measured on a fine grid, and GD on the three functions."""
    nz = np.linspace(-10, 10, 200_001)
    nz = nz[nz != 0]
    return {"mu_measured": float(sgd.pl_ratio(nz).min()), "runs": {
        "pl": sgd.pl_function(sgd.gd_1d(sgd.pl_grad, x0, lr, steps)),
        "quad": sgd.gd_1d(lambda v: 2 * v, x0, lr, steps) ** 2,
        "quartic": sgd.gd_1d(lambda v: 4 * v ** 3, 1.0, lr, steps) ** 4,
    }}


@figure("ch08_pl", chapter="ch08", full={"steps": 120}, quick={"steps": 60})
def polyak_lojasiewicz(ctx):
    """x² + 3 sin² x is not convex, yet GD converges linearly; x⁴ (not PL) only sublinearly."""
    steps = ctx["steps"]
    L = sgd.PL_SMOOTHNESS
    lr = 1 / (2 * L)
    x = np.linspace(-6, 6, 2001)
    r = ctx.compute(_pl_runs, steps=steps, lr=lr)
    mu_measured, runs = r["mu_measured"], r["runs"]
    bound = runs["pl"][0] * sgd.pl_rate(lr, mu=mu_measured) ** np.arange(steps + 1)
    labels = {"pl": ("$x^2 + 3\\sin^2 x$ (PL, 비볼록)", "$x^2 + 3\\sin^2 x$ (PL, non-convex)"),
              "quad": ("$x^2$ (강볼록)", "$x^2$ (strongly convex)"),
              "quartic": ("$x^4$ (볼록, PL 아님)", "$x^4$ (convex, not PL)")}
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.8), layout="constrained")
        ax1.plot(x, sgd.pl_function(x), color=COLORS[0], lw=1.8, label="$f(x)$")
        ax1.plot(x, x ** 2, color="#999999", ls=":", lw=1.2, label="$x^2$")
        concave = sgd.pl_curvature(x) < 0
        ax1.fill_between(x, 0, 40, where=concave, color=COLORS[1], alpha=0.12,
                         label=tr(lang, "$f''<0$ (오목한 구간)", "$f''<0$ (concave parts)"))
        ax1.set_ylim(0, 40)
        ax1.set_xlabel("$x$")
        ax1.set_title(tr(lang, "볼록하지 않지만 PL 조건을 만족하는 함수",
                         "not convex, but Polyak–Łojasiewicz"))
        ax1.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        t = np.arange(steps + 1)
        for i, (k, f) in enumerate(runs.items()):
            keep = f > 1e-300
            ax2.semilogy(t[keep], f[keep], color=COLORS[i], lw=1.6, label=tr(lang, *labels[k]))
        ax2.semilogy(t, bound, color=COLORS[0], ls="--", lw=1,
                     label=tr(lang, f"PL 보장 ($\\mu={mu_measured:.3f}$)",
                              f"PL guarantee ($\\mu={mu_measured:.3f}$)"))
        ax2.set_ylim(1e-16, 1e3)
        log_ticks(ax2, "y")
        ax2.set_xlabel(tr(lang, "GD 스텝 $t$", "GD step $t$"))
        ax2.set_ylabel("$f(x_t) - f^*$")
        ax2.set_title(tr(lang, f"경사 하강법, $\\eta = 1/(2\\beta) = {lr:g}$",
                         f"gradient descent, $\\eta = 1/(2\\beta) = {lr:g}$"))
        ax2.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        ctx.save(fig, lang)
    below = {k: int(np.argmax(f < 1e-10)) if np.any(f < 1e-10) else None for k, f in runs.items()}
    return {"min_curvature": float(sgd.pl_curvature(x).min()), "mu_stated": sgd.PL_MU,
            "mu_measured": mu_measured, "smoothness": L, "lr": lr,
            "steps_to_1e-10": below, "threshold": 1e-10, "quartic_final": float(runs["quartic"][-1]),
            "steps": steps}


def _flat_shares(run, starts, steps, lrs):
    """The computation: the share of starts that settle in the flat minimum, per step size."""
    tm = sgd.TwoMinima()
    x0 = np.linspace(-2.5, 3.0, starts)
    return {"gd": [float(tm.basin(tm.settle(x0, lr, steps)).mean()) for lr in lrs],
            "sgd": [float(tm.basin(tm.settle(x0, lr, steps, sigma=1.0, seed=run.seed)).mean())
                    for lr in lrs]}


@figure("ch08_flat_sharp", chapter="ch08", full={"starts": 400, "steps": 3000},
        quick={"starts": 100, "steps": 1000})
def flat_sharp(ctx):
    """A sharp and a flat minimum; step sizes above 2/h_sharp with noise end in the flat one."""
    tm = sgd.TwoMinima()
    xs, xf = tm.minimum("sharp"), tm.minimum("flat")
    hs, hf = tm.curvature(xs), tm.curvature(xf)
    shift = 0.1
    starts = np.linspace(-2.5, 3.0, ctx["starts"])
    limit = 2 / hs
    lrs = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.5]) * limit
    r = ctx.compute(_flat_shares, starts=ctx["starts"], steps=ctx["steps"], lrs=lrs.tolist())
    share_gd, share_sgd = r["gd"], r["sgd"]
    x = np.linspace(-1.5, 2.5, 1200)
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.6), layout="constrained")
        ax1.plot(x, tm.loss(x), color=COLORS[0], lw=1.8,
                 label=tr(lang, "훈련 손실", "training loss"))
        ax1.plot(x, tm.loss(x - shift), color=COLORS[1], lw=1.4, ls="--",
                 label=tr(lang, f"테스트 손실 (훈련 손실을 {shift}만큼 이동)",
                          f"test loss (training loss shifted by {shift})"))
        for m, name in ((xs, ("날카로운 최솟값", "sharp minimum")),
                        (xf, ("평평한 최솟값", "flat minimum"))):
            ax1.plot(m, tm.loss(m), "o", color=COLORS[0], ms=6)
            ax1.plot([m, m], [tm.loss(m), tm.loss(m - shift)], color=COLORS[1], lw=2)
            ax1.annotate(tr(lang, *name), (m, tm.loss(m)), xytext=(0, -16),
                         textcoords="offset points", ha="center", fontsize=9)
        ax1.set_ylim(-1.25, 0.4)
        ax1.set_xlabel(r"$\theta$")
        ax1.set_ylabel(tr(lang, "손실", "loss"))
        ax1.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=2, fontsize=9)
        ax2.plot(lrs, share_gd, "o-", color=COLORS[0], label=tr(lang, "GD (잡음 없음)", "GD (no noise)"))
        ax2.plot(lrs, share_sgd, "s-", color=COLORS[1],
                 label=tr(lang, "SGD (기울기 잡음 $\\sigma=1$)", "SGD (gradient noise $\\sigma=1$)"))
        ax2.axvline(limit, color="black", ls=":", lw=1)
        ax2.text(limit * 1.05, 0.05, tr(lang, "$2/h_{\\mathrm{sharp}}$", "$2/h_{\\mathrm{sharp}}$"),
                 fontsize=10)
        ax2.set_ylim(0, 1.05)
        ax2.set_xlabel(tr(lang, "학습률 $\\eta$", "learning rate $\\eta$"))
        ax2.set_ylabel(tr(lang, "평평한 최솟값에 도착한 비율", "share ending in the flat minimum"))
        ax2.set_title(tr(lang, f"시작점 {len(starts)}개, {ctx['steps']} 스텝",
                         f"{len(starts)} starts, {ctx['steps']} steps"))
        ax2.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=2, fontsize=9)
        ctx.save(fig, lang)
    return {"curvature_sharp": hs, "curvature_flat": hf, "stability_limit": limit,
            "train_sharp": float(tm.loss(xs)), "train_flat": float(tm.loss(xf)),
            "test_sharp": float(tm.loss(xs - shift)), "test_flat": float(tm.loss(xf - shift)),
            "lrs": lrs, "share_gd": share_gd, "share_sgd": share_sgd, "shift": shift,
            "lr_over_limit": (lrs / limit).round(6).tolist()}


SCHEDULE_NAMES = {
    "constant": ("상수", "constant"), "step": ("계단 (StepLR)", "step (StepLR)"),
    "exponential": ("지수 (ExponentialLR)", "exponential (ExponentialLR)"),
    "cosine": ("코사인 (CosineAnnealingLR)", "cosine (CosineAnnealingLR)"),
    "warmup_cosine": ("워밍업 + 코사인", "warmup + cosine"),
    "onecycle": ("원사이클 (OneCycleLR)", "one-cycle (OneCycleLR)"),
}


@figure("ch08_schedules", chapter="ch08", full={"steps": 1000}, quick={"steps": 200})
def schedules(ctx):
    """The learning rate per step of six torch.optim.lr_scheduler schedules."""
    curves = {k: lr_curve(k, ctx["steps"], 0.1) for k in SCHEDULES}
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(7.5, 4))
        for i, (k, c) in enumerate(curves.items()):
            ax.plot(c, color=COLORS[i], lw=1.7, label=tr(lang, *SCHEDULE_NAMES[k]))
        ax.set_xlabel(tr(lang, "스텝 (미니배치)", "step (minibatch)"))
        ax.set_ylabel(tr(lang, "학습률", "learning rate"))
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        ctx.save(fig, lang)
    return {"steps": ctx["steps"], "peak": 0.1,
            "warmup_steps": int(np.argmax(curves["warmup_cosine"])),
            # read off the curves drawn: where each schedule peaks, as a fraction of the run
            "warmup_fraction": int(np.argmax(curves["warmup_cosine"])) / ctx["steps"],
            "onecycle_fraction": int(np.argmax(curves["onecycle"])) / ctx["steps"]}


def _subsets(run, dataset, n_train, n_test):
    return (run.load(dataset, train=True).subset(n_train, seed=run.seed),
            run.load(dataset, train=False).subset(n_test, seed=run.seed + 1))


def _schedule_runs(run, dataset, n_train, n_test, epochs, lr, names):
    """The computation: one training run per schedule."""
    tr_set, te_set = _subsets(run, dataset, n_train, n_test)
    runs = sgd.compare_schedules(tr_set, te_set, names, epochs=epochs, lr=lr, seed=run.seed)
    return {"runs": {k: h.to_dict() for k, h in runs.items()}, "n_train": len(tr_set),
            "n_test": len(te_set)}


def _overfit(run, dataset, n_train, n_test, epochs):
    """The computation: an MLP trained long on a small set."""
    tr_set, te_set = _subsets(run, dataset, n_train, n_test)
    h = sgd.overfit_run(tr_set, te_set, epochs=epochs)
    return {"history": h.to_dict(), "n_train": len(tr_set), "n_test": len(te_set)}


# Quick budgets train on scikit-learn's 8x8 digits: the same code path without decoding the
# 60,000 MNIST training images, which alone takes seconds.
@figure("ch08_schedule_run", chapter="ch08", data=("mnist", "digits"),
        full={"dataset": "mnist", "n_train": 5000, "n_test": 2000, "epochs": 5, "lr": 0.5,
              "names": list(SCHEDULES)},
        quick={"dataset": "digits", "n_train": 1000, "n_test": 500, "epochs": 2, "lr": 0.5,
               "names": ["constant", "warmup_cosine"]})
def schedule_run(ctx):
    """The same MLP on MNIST with a large peak rate under each schedule."""
    r = ctx.compute(_schedule_runs, **ctx.params)
    runs = {k: History.from_dict(h) for k, h in r["runs"].items()}
    tr_set = SimpleNamespace(name=ctx["dataset"], n=r["n_train"])
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.4), layout="constrained",
                                       sharex=True)
        for k, h in runs.items():
            ep = np.arange(1, len(h.train_loss) + 1)
            ax1.plot(ep, h.train_loss, "o-", color=COLORS[SCHEDULES.index(k)], lw=1.5, ms=4,
                     label=tr(lang, *SCHEDULE_NAMES[k]))
            ax2.plot(ep, h.test_acc, "o-", color=COLORS[SCHEDULES.index(k)], lw=1.5, ms=4,
                     label=tr(lang, *SCHEDULE_NAMES[k]))
        ax1.set_ylabel(tr(lang, "훈련 손실", "training loss"))
        ax1.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
        ax2.set_xlabel(tr(lang, "에폭", "epoch"))
        ax2.set_ylabel(tr(lang, "테스트 정확도", "test accuracy"))
        ax2.set_xticks(np.arange(1, ctx["epochs"] + 1))
        fig.suptitle(tr(lang, f"{tr_set.name.upper()} {tr_set.n}장, MLP, SGD(모멘텀 0.9), 최대 학습률 {ctx['lr']}",
                        f"{tr_set.name.upper()} ({tr_set.n} images), MLP, SGD (momentum 0.9), peak rate {ctx['lr']}"),
                     fontsize=10)
        ctx.save(fig, lang)
    acc = {k: h.test_acc[-1] if h.test_acc else None for k, h in runs.items()}
    best = max((k for k in acc if acc[k] is not None), key=lambda k: acc[k])
    return {"test_acc": acc, "train_loss": {k: h.train_loss[-1] for k, h in runs.items()},
            "diverged": {k: h.diverged is not None for k, h in runs.items()},
            "warmup_gain": (acc["warmup_cosine"] - acc["cosine"]
                            if {"warmup_cosine", "cosine"} <= acc.keys() else None),
            "best": best, "best_name_ko": SCHEDULE_NAMES[best][0],
            "best_name_en": SCHEDULE_NAMES[best][1],
            "n_train": r["n_train"], "n_test": r["n_test"], "epochs": ctx["epochs"],
            "lr": ctx["lr"]}


@figure("ch08_train_test", chapter="ch08", data=("mnist", "digits"),
        full={"dataset": "mnist", "n_train": 1000, "n_test": 1000, "epochs": 30},
        quick={"dataset": "digits", "n_train": 300, "n_test": 300, "epochs": 10})
def train_test(ctx):
    """L_train ≠ L_test: the training loss keeps falling while the test loss turns up."""
    r = ctx.compute(_overfit, **ctx.params)
    h = History.from_dict(r["history"])
    tr_set = SimpleNamespace(name=ctx["dataset"], n=r["n_train"])
    ep = np.arange(1, len(h.train_loss) + 1)
    best = int(np.argmin(h.test_loss))
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        ax.plot(ep, h.train_loss, color=COLORS[0], lw=1.8,
                label=tr(lang, "훈련 손실 $L_{\\mathrm{train}}$", "training loss $L_{\\mathrm{train}}$"))
        ax.plot(ep, h.test_loss, color=COLORS[1], lw=1.8,
                label=tr(lang, "테스트 손실 $L_{\\mathrm{test}}$", "test loss $L_{\\mathrm{test}}$"))
        ax.axvline(ep[best], color="black", ls=":", lw=1)
        ax.set_yscale("log")
        log_ticks(ax, "y")
        ax.set_xlabel(tr(lang, "에폭", "epoch"))
        ax.set_ylabel(tr(lang, "교차 엔트로피", "cross-entropy"))
        ax.set_title(tr(lang, f"{tr_set.name.upper()} {tr_set.n}장으로 학습한 MLP",
                        f"an MLP trained on {tr_set.n} {tr_set.name.upper()} images"))
        ax.legend()
        fig.tight_layout()
        ctx.save(fig, lang)
    return {"n_train": r["n_train"], "n_test": r["n_test"], "epochs": ctx["epochs"],
            "best_epoch": best + 1, "min_test_loss": float(h.test_loss[best]),
            "final_test_loss": h.test_loss[-1], "final_train_loss": h.train_loss[-1],
            "final_test_acc": h.test_acc[-1], "train_acc": h.train_acc[-1],
            "gap": h.test_loss[-1] - h.train_loss[-1]}


def _escape(run, n, spread, tilt, lr, steps, runs, batches, shown_batch, traces):
    """The computation: GD and minibatch SGD from the local minimum of a non-convex loss."""
    prob = sgd.TiltedDoubleWell.make(n=n, spread=spread, tilt=tilt, seed=run.seed)
    left, right = prob.minima()
    eta = sgd.linear_decay(lr, steps)
    ended, left_ever, no_local = {}, {}, {}
    for b in batches:
        path = prob.runs(right, eta, steps, b, runs=runs, seed=run.seed)
        ended[b] = float(np.mean(path[-1] < 0))
        left_ever[b] = float(np.mean((path < 0).any(axis=0)))
        # the share of this batch size's minibatch losses that have no local minimum at all
        rng = np.random.default_rng(run.seed)
        draws = [d for _ in range(50) for d in sgd.minibatches(prob.n, b, rng)]
        no_local[b] = float(np.mean([not prob.has_local_minimum(d) for d in draws]))
    gd = prob.runs(right, eta, steps, None, runs=1)[:, 0]
    shown = prob.runs(right, eta, steps, shown_batch, runs=traces, seed=run.seed)
    return {"eps": prob.eps, "ended": ended, "left_ever": left_ever, "no_local": no_local,
            "gd": gd, "shown": shown}


@figure("ch08_local_minimum", chapter="ch08",
        full={"n": 200, "spread": 2.0, "tilt": 0.25, "lr": 0.1, "steps": 2000, "runs": 200,
              "batches": [1, 2, 4, 8, 20, 50], "shown_batch": 4, "traces": 6},
        quick={"n": 200, "spread": 2.0, "tilt": 0.25, "lr": 0.1, "steps": 400, "runs": 40,
               "batches": [1, 4, 20], "shown_batch": 4, "traces": 4})
def local_minimum(ctx):
    """A non-convex loss: GD started in its local minimum stays; small minibatches leave it."""
    r = ctx.compute(_escape, **ctx.params)
    prob = sgd.TiltedDoubleWell(r["eps"], ctx["tilt"])
    left, right = prob.minima()
    b_shown, steps = ctx["shown_batch"], ctx["steps"]
    batches = sgd.minibatches(prob.n, b_shown, np.random.default_rng(ctx.seed))[:4]
    th = np.linspace(-1.8, 1.8, 400)
    t = np.arange(steps + 1)
    batch_sizes = ctx["batches"]
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 7.2))
        for i, b in enumerate(batches):
            gone = not prob.has_local_minimum(b)
            ax1.plot(th, prob.loss(th, b), color=COLORS[1], lw=1.0, ls="--" if gone else "-",
                     alpha=0.8, label=(tr(lang, f"크기 {b_shown}인 미니배치의 $\\mathcal{{L}}(\\theta|\\mathcal{{B}})$",
                                          f"$\\mathcal{{L}}(\\theta|\\mathcal{{B}})$, minibatches of {b_shown}")
                                       if i == 0 else None))
        ax1.plot(th, prob.loss(th), color="black", lw=2.2,
                 label=tr(lang, "전체 손실 $\\mathcal{L}(\\theta)$", "full loss $\\mathcal{L}(\\theta)$"))
        ax1.plot(left, prob.loss(left), "*", color="black", ms=13,
                 label=tr(lang, "전역 최솟값", "global minimum"))
        ax1.plot(right, prob.loss(right), "o", color="black", ms=8, mfc="white", mew=1.6,
                 label=tr(lang, "국소 최솟값 (출발점)", "local minimum (start)"))
        ax1.set_ylim(-1.0, 1.6)
        ax1.set_xlabel("$\\theta$")
        ax1.set_ylabel(tr(lang, "손실", "loss"))
        ax1.set_title(tr(lang, "볼록하지 않은 손실과 미니배치 손실 (점선: 국소 최솟값이 없음)",
                         "a non-convex loss and minibatch losses (dashed: no local minimum)"),
                      fontsize=10)
        ax1.legend(loc="upper center", fontsize=9, ncol=2, bbox_to_anchor=(0.5, -0.16))
        for i in range(r["shown"].shape[1]):
            ax2.plot(t, r["shown"][:, i], color=COLORS[1], lw=0.8, alpha=0.75,
                     label=(tr(lang, f"SGD ($B={b_shown}$)", f"SGD ($B={b_shown}$)")
                            if i == 0 else None))
        ax2.plot(t, r["gd"], color=COLORS[0], lw=2.0, label="GD")
        ax2.axhline(left, color="black", ls=":", lw=1)
        ax2.axhline(right, color="black", ls=":", lw=1)
        ax2.text(steps, left + 0.25, tr(lang, "전역 최솟값", "global minimum"), ha="right",
                 fontsize=9, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax2.text(steps, right + 0.25, tr(lang, "국소 최솟값", "local minimum"), ha="right",
                 fontsize=9, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax2.set_ylim(-2.4, 2.4)
        ax2.set_xlabel(tr(lang, "스텝 $t$", "step $t$"))
        ax2.set_ylabel("$\\theta_t$")
        ax2.set_title(tr(lang, "국소 최솟값에서 출발한 GD와 SGD", "GD and SGD from the local minimum"),
                      fontsize=10)
        ax2.legend(loc="lower left", fontsize=9, ncol=2)
        fig.tight_layout()
        ctx.save(fig, lang)

        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        ax.semilogx(batch_sizes, [r["ended"][b] for b in batch_sizes], "o-", color=COLORS[1],
                    label=tr(lang, "전역 최솟값에서 끝난 SGD 비율", "SGD runs that end in the global minimum"))
        ax.semilogx(batch_sizes, [r["no_local"][b] for b in batch_sizes], "s--", color=COLORS[2],
                    label=tr(lang, "국소 최솟값이 없는 미니배치 손실 비율",
                             "minibatch losses with no local minimum"))
        ax.set_xticks(batch_sizes)
        ax.set_xticklabels([str(b) for b in batch_sizes])
        ax.minorticks_off()
        ax.set_ylim(-0.03, 1.03)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_xlabel(tr(lang, "배치 크기 $B$", "batch size $B$"))
        ax.set_ylabel(tr(lang, "비율", "share"))
        ax.set_title(tr(lang, f"{ctx['runs']}번씩 실행 (GD는 늘 국소 최솟값에 남음)",
                        f"{ctx['runs']} runs each (GD always stays in the local minimum)"),
                     fontsize=10)
        ax.legend(loc="upper right", fontsize=9)
        fig.tight_layout()
        ctx.save(fig, lang, part="share")
    gd_final = float(r["gd"][-1])
    return {"n": prob.n, "tilt": ctx["tilt"], "spread": ctx["spread"], "lr": ctx["lr"],
            "steps": steps, "runs": ctx["runs"], "batches": batch_sizes,
            "local_min": float(right), "global_min": float(left),
            "loss_local": float(prob.loss(right)), "loss_global": float(prob.loss(left)),
            "gd_final": gd_final, "gd_stays": bool(abs(gd_final - right) < 1e-9),
            "ended_global": {str(b): r["ended"][b] for b in batch_sizes},
            "left_ever": {str(b): r["left_ever"][b] for b in batch_sizes},
            "no_local_min": {str(b): r["no_local"][b] for b in batch_sizes},
            "shown_batch": b_shown}
