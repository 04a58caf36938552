"""Chapter 2 figures: the synthetic house prices, the MSE surface with GD paths, GD vs closed form."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from gdsc_book import regression as R
from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, legend_below, log_ticks, panels, tr

# The lesson's two step sizes: a careful one, and one close to the stability limit 2/λ_max.
LR_SMALL, LR_LARGE = 0.05, 0.5
START = (-1.2, -1.5)  # a start far from the optimum so the path crosses the contours


def _fit(n: int, seed: int, steps: int):
    houses = R.make_houses(n=n, seed=seed)
    scaler = R.Scaler.fit(houses.x)
    z = scaler.transform(houses.x)
    w_cf, b_cf = R.closed_form(z, houses.y)
    runs = {lr: R.gradient_descent(z, houses.y, lr=lr, steps=steps, w0=START)
            for lr in (LR_SMALL, LR_LARGE)}
    return houses, scaler, z, (w_cf, b_cf), runs


@figure("ch02_houses", chapter="ch02", full={"n": 200}, quick={"n": 50}, seed=0)
def houses(ctx):
    """The synthetic houses in 3-D with the least-squares plane through them."""
    h = R.make_houses(n=ctx["n"], seed=ctx.seed)
    w, b = R.closed_form(h.x, h.y)
    area = np.linspace(float(h.x[:, 0].min()), float(h.x[:, 0].max()), 12)
    age = np.linspace(0.0, 40.0, 12)
    aa, gg = np.meshgrid(area, age)
    plane = float(w[0]) * aa + float(w[1]) * gg + b
    x, y = h.x.numpy(), h.y.numpy()
    for lang in LANGS:
        fig = plt.figure(figsize=(6.4, 4.8))
        ax = fig.add_subplot(projection="3d")
        ax.plot_surface(aa, gg, plane, alpha=0.25, color=COLORS[0], linewidth=0)
        ax.scatter(x[:, 0], x[:, 1], y, s=10, color=COLORS[1], depthshade=False)
        ax.set_xlabel(tr(lang, "면적 ($\\mathrm{m}^2$)", "area ($\\mathrm{m}^2$)"))
        ax.set_ylabel(tr(lang, "연식 (년)", "age (years)"))
        ax.set_zlabel(tr(lang, "가격 (억 원)", "price (100M won)"))
        ax.view_init(elev=18, azim=-60)
        ax.set_title(tr(lang, "합성 데이터와 최소제곱 평면", "synthetic data and the least-squares plane"),
                     fontsize=11)
        ctx.save(fig, lang)
    resid = h.y - R.predict(h.x, w, b)
    return {"n": len(h), "noise": h.noise,
            "true": {"w_area": R.TRUE_W_AREA, "w_age": R.TRUE_W_AGE, "b": R.TRUE_B},
            "fit": {"w_area": float(w[0]), "w_age": float(w[1]), "b": b},
            "mse": float((resid ** 2).mean()),
            "corr_area_age": float(torch.corrcoef(h.x.T)[0, 1])}


@figure("ch02_loss_surface", chapter="ch02", full={"n": 200, "steps": 60},
        quick={"n": 50, "steps": 20}, seed=0)
def loss_surface(ctx):
    """MSE contours over the two (standardized) weights, with two GD paths on them.

    The features are centred, so the bias separates from the weights: the surface drawn with
    b at its optimum is exactly the surface the weights' path moves on.
    """
    h, _, z, (w_cf, b_cf), runs = _fit(ctx["n"], ctx.seed, ctx["steps"])
    w1 = torch.linspace(-1.8, 2.6, 121, dtype=R.DTYPE)
    w2 = torch.linspace(-1.8, 1.4, 121, dtype=R.DTYPE)
    surf = R.mse_surface(z, h.y, w1, w2, b_cf).numpy()
    levels = np.quantile(surf, np.linspace(0.0, 0.9, 14) ** 2)
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.2, 5.4), layout="constrained")
        cs = ax.contour(w1.numpy(), w2.numpy(), surf.T, levels=levels, cmap="viridis",
                        linewidths=1)
        ax.clabel(cs, fmt="%.2g", fontsize=8.5)
        for (lr, run), color in zip(runs.items(), (COLORS[0], COLORS[1])):
            p = run.path.numpy()
            ax.plot(p[:, 0], p[:, 1], "o-", ms=2.5, lw=1.2, color=color,
                    label=tr(lang, f"경사 하강법, $\\eta$ = {lr}", f"gradient descent, $\\eta$ = {lr}"))
        ax.plot(*w_cf.numpy(), "*", ms=14, color=COLORS[2],
                label=tr(lang, "닫힌 형태의 해", "closed-form solution"))
        ax.plot(*START, "s", ms=6, color="black", label=tr(lang, "시작점", "start"))
        ax.set_xlabel(tr(lang, "$w_{area}$ (표준화)", "$w_{area}$ (standardized)"))
        ax.set_ylabel(tr(lang, "$w_{age}$ (표준화)", "$w_{age}$ (standardized)"))
        ax.set_aspect("equal")
        legend_below(ax, ncol=2)  # the contours fill the axes: no corner is free
        ctx.save(fig, lang)
    return {"lr": {"small": LR_SMALL, "large": LR_LARGE}, "steps": ctx["steps"],
            "start": list(START), "max_stable_lr": R.max_stable_lr(z),
            "final_gap": {"small": float((runs[LR_SMALL].w - w_cf).abs().max()),
                          "large": float((runs[LR_LARGE].w - w_cf).abs().max())},
            "b_opt": b_cf, "mean_price": float(h.y.mean())}


@figure("ch02_gd_vs_closed_form", chapter="ch02", full={"n": 200, "steps": 500},
        quick={"n": 50, "steps": 60}, seed=0)
def gd_vs_closed_form(ctx):
    """GD's loss gap and its weights (mapped back to units) converging to the closed form."""
    h, scaler, z, (w_cf, b_cf), runs = _fit(ctx["n"], ctx.seed, ctx["steps"])
    loss_cf = float(R.mse(R.predict(z, w_cf, b_cf), h.y))
    run = runs[LR_SMALL]
    gap = (run.losses - loss_cf).numpy()
    # Where GD reaches the minimum exactly (in float64) the gap is 0, which a log axis cannot
    # show: those steps are left out and said so, never clamped to a tiny number.
    exact = int(np.argmax(gap <= 0)) if (gap <= 0).any() else None
    gap = np.where(gap > 0, gap, np.nan)
    raw = [scaler.to_original(p[:2], float(p[2])) for p in run.path]
    w_area = np.array([float(w[0]) for w, _ in raw])
    w_age = np.array([float(w[1]) for w, _ in raw])
    w_raw_cf, b_raw_cf = scaler.to_original(w_cf, b_cf)
    steps = np.arange(len(gap))
    for lang in LANGS:
        fig, (a1, a2) = panels(2, cols=1, height=2.8)
        a1.semilogy(steps, gap, color=COLORS[0])
        log_ticks(a1, "y")
        if exact is not None:
            a1.text(0.98, 0.95, tr(lang, f"{exact}번째 반복부터 정확히 0", f"exactly 0 from step {exact}"),
                    transform=a1.transAxes, ha="right", va="top", fontsize=10)
        a1.set_xlabel(tr(lang, "반복 횟수", "iteration"))
        a1.set_ylabel(tr(lang, "MSE − 최솟값", "MSE − minimum"))
        a1.set_title(tr(lang, f"손실의 차이 ($\\eta$ = {LR_SMALL})", f"loss gap ($\\eta$ = {LR_SMALL})"))
        for vals, target, name, color in ((w_area, w_raw_cf[0], "$w_{area}$", COLORS[0]),
                                          (w_age, w_raw_cf[1], "$w_{age}$", COLORS[1])):
            a2.plot(steps, vals, color=color, label=tr(lang, f"{name} (경사 하강법)",
                                                       f"{name} (gradient descent)"))
            a2.axhline(float(target), ls="--", lw=1, color=color,
                       label=tr(lang, f"{name} (닫힌 형태)", f"{name} (closed form)"))
        a2.set_xlabel(tr(lang, "반복 횟수", "iteration"))
        a2.set_ylabel(tr(lang, "가중치 (원래 단위)", "weight (original units)"))
        a2.set_title(tr(lang, "가중치가 닫힌 형태의 해로", "the weights reach the closed form"))
        legend_below(a2, ncol=2)
        ctx.save(fig, lang)
    w_gd, b_gd = scaler.to_original(run.w, run.b)
    return {"steps": ctx["steps"], "lr": LR_SMALL, "loss_closed_form": loss_cf,
            "loss_gd": float(run.losses[-1]),
            "closed_form": {"w_area": float(w_raw_cf[0]), "w_age": float(w_raw_cf[1]),
                            "b": b_raw_cf},
            "gd": {"w_area": float(w_gd[0]), "w_age": float(w_gd[1]), "b": b_gd},
            "max_abs_diff": float(max((w_gd - w_raw_cf).abs().max(), abs(b_gd - b_raw_cf)))}
