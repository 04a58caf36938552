"""Explorable figures: the reader moves a slider and the figure answers, offline.

Each one is a registered figure with ``fmt="data"``: it draws no image; its record's numbers
hold every state the reader can choose, with the labels in both languages, and the page's
``explorable(...)`` macro puts a ``<div class="book-interactive">`` beside the static figure it
extends. ``docs/javascripts/explore.js`` fetches the record when the figure scrolls near and
draws the chosen state as SVG, so every number on screen is the record's.

The states come from the same concept-module functions as the static figures, with the same
seeds, so where they overlap they show the same numbers (``tests/test_explore.py`` checks it);
the double-descent sweep is not rerun at all: it is read from the static figure's stored
computation (``ctx.reuse``).
"""

from __future__ import annotations

import numpy as np
import torch

from gdsc_book import approximation as AP
from gdsc_book import bias_variance as bv
from gdsc_book import double_descent as dd
from gdsc_book import sgd
from gdsc_book.figures import ch07_double_descent as ch07
from gdsc_book.figures.registry import figure
from gdsc_book.style import LANGS, tr


def _round(a, digits: int = 4):
    """Numbers the browser draws: lists of floats, rounded (the record is what the page shows)."""
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def _sig(v, digits: int = 4) -> float:
    """A readout value to ``digits`` significant digits."""
    return float(f"{float(v):.{digits}g}")


def _labels(**pairs) -> dict:
    """``key=(ko, en)`` pairs as ``{"ko": {key: ko}, "en": {key: en}}``."""
    return {lang: {k: tr(lang, ko, en) for k, (ko, en) in pairs.items()} for lang in LANGS}


# ---------------------------------------------------------------- ch05: width


def _width_states(run, widths, steps, n_grid, stacked):
    """One-hidden-layer ReLU nets of each width, trained as ch05_width trains them: the widths
    it shows in one stack of the same widths (so they are its very nets, rounding included:
    at width 256 a stack of other widths ends 1% away), the others one by one."""
    x = AP.grid(n_grid)
    nets = dict(zip(stacked, AP.fit_relu_nets(stacked, steps=steps, seed=run.seed)))
    fits, err, pieces = [], [], []
    for k in widths:
        net = nets[k] if k in nets else AP.fit_relu_net(k, steps=steps, seed=run.seed)
        with torch.no_grad():
            fits.append(net(x)[:, 0].numpy())
        err.append(AP.max_error(net))
        pieces.append(AP.count_pieces_1d(net))
    return {"x": x[:, 0].numpy(), "fits": fits, "max_error": err, "pieces": pieces}


@figure("ch05_width_explore", chapter="ch05", fmt="data",
        full={"widths": [1, 2, 4, 8, 16, 32, 64, 128, 256], "steps": 2000, "n_grid": 401,
              "stacked": [2, 4, 8, 16, 32, 64, 128, 256]},
        quick={"widths": [1, 4, 16], "steps": 300, "n_grid": 101, "stacked": [4, 16]})
def width_explore(ctx):
    """The fit of a one-hidden-layer ReLU net and its max error as the width goes 1…256."""
    r = ctx.compute(_width_states, **ctx.params)
    x = r["x"]
    return {
        "kind": "width", "widths": ctx["widths"], "x": _round(x), "target": _round(AP.target(x)),
        "fits": [_round(f) for f in r["fits"]],
        "max_error": [_sig(e) for e in r["max_error"]], "pieces": r["pieces"],
        "labels": _labels(
            control=("은닉 유닛 수 (폭)", "hidden units (width)"),
            target=("목표 함수 f", "target f"), fit=("학습한 신경망", "trained network"),
            error=("최대 오차 sup|f − g|", "max error sup|f − g|"),
            pieces=("선형 조각", "linear pieces"),
            title_fit=("폭 {w}인 신경망의 근사", "the width-{w} network's fit"),
            title_error=("폭에 따른 최대 오차 (로그 축)", "max error vs width (log axes)")),
    }


# ---------------------------------------------------------------- ch06: bias–variance


def _bias_variance_states(run, degrees, n_train, n_sets, ridge, n_shown, n_grid):
    """ch06_bias_variance's decomposition (the same ``bv.simulate`` call) and, per degree, the
    average model f̄ and the first ``n_shown`` fitted polynomials of the same training sets."""
    dec = bv.simulate(degrees, n_train=n_train, n_sets=n_sets, ridge=ridge, seed=run.seed)
    # simulate draws its training sets first from this generator: the same sets, redrawn.
    x, y = bv.sample(n_train, 0.3, np.random.default_rng(run.seed), size=(n_sets,))
    xs = (np.arange(n_grid) + 0.5) / n_grid
    mean_fit, shown = [], []
    for d in degrees:
        preds = bv.predict(bv.fit(x, y, d, ridge), xs)
        mean_fit.append(preds.mean(axis=0))
        shown.append(preds[:n_shown])
    return {"x": xs, "mean_fit": mean_fit, "shown": shown, "bias2": dec.bias2,
            "variance": dec.variance, "noise": dec.noise, "total": dec.total,
            "expected_error": dec.expected_error}


@figure("ch06_bias_variance_explore", chapter="ch06", fmt="data",
        full={"degrees": list(range(13)), "sizes": [25, 200], "n_sets": 4000, "ridge": 1e-3,
              "n_shown": 8, "n_grid": 100},
        quick={"degrees": list(range(13)), "sizes": [25, 200], "n_sets": 300, "ridge": 1e-3,
               "n_shown": 8, "n_grid": 100})
def bias_variance_explore(ctx):
    """Polynomial degree and training-set size: the fits, bias², variance and their sum."""
    states = []
    for n in ctx["sizes"]:
        r = ctx.compute(_bias_variance_states, degrees=ctx["degrees"], n_train=n,
                        n_sets=ctx["n_sets"], ridge=ctx["ridge"], n_shown=ctx["n_shown"],
                        n_grid=ctx["n_grid"])
        states.append({
            "n": n, "mean_fit": [_round(f, 3) for f in r["mean_fit"]],
            "shown": [[_round(f, 3) for f in s] for s in r["shown"]],
            **{k: [_sig(v) for v in r[k]] for k in ("bias2", "variance", "noise", "total",
                                                    "expected_error")}})
    x = r["x"]
    return {
        "kind": "bias_variance", "degrees": ctx["degrees"], "x": _round(x),
        "truth": _round(bv.target(x)), "sizes": ctx["sizes"], "states": states,
        "labels": _labels(
            control=("다항식 차수", "polynomial degree"), size=("훈련 샘플 수", "training samples"),
            truth=("참 함수", "true function"),
            fits=("훈련 집합마다 맞춘 다항식", "a fit per training set"),
            mean=("평균 모델 f̄", "average model f̄"),
            bias2=("편향²", "bias²"), variance=("분산", "variance"), noise=("잡음 σ²", "noise σ²"),
            total=("편향² + 분산 + 잡음", "bias² + variance + noise"),
            measured=("측정한 기대 테스트 오차", "measured expected test error"),
            title_fit=("차수 {d}, 훈련 샘플 {n}개", "degree {d}, {n} training samples"),
            title_error=("차수에 따른 오차 (로그 축)", "error vs degree (log axis)")),
    }


# ---------------------------------------------------------------- ch06: ridge λ


def _ridge_states(run, degree, n_train, lambdas, n_grid):
    """ch06_fit's ten points (the same ``bv.fit_curve`` draw), fitted by ridge for each λ."""
    _, (x, y), (x_test, y_test) = bv.fit_curve([degree], n_train=n_train, seed=run.seed)
    grid = np.linspace(0, 1, n_grid)
    out = {"x_train": x, "y_train": y, "grid": grid, "fits": [], "train_mse": [],
           "test_mse": [], "norm": []}
    for lam in lambdas:
        w = bv.fit(x, y, degree, ridge=lam)
        out["fits"].append(bv.predict(w, grid))
        out["train_mse"].append(bv.mse(w, x, y))
        out["test_mse"].append(bv.mse(w, x_test, y_test))
        out["norm"].append(float(np.linalg.norm(w)))
    return out


@figure("ch06_ridge_explore", chapter="ch06", fmt="data",
        full={"degree": 9, "n_train": 10,
              "lambdas": [0.0] + [float(f"{v:.3g}") for v in np.logspace(-8, 1, 19)],
              "n_grid": 200})
def ridge_explore(ctx):
    """The degree-9 polynomial through ten noisy points, with the penalty λ‖w‖² turned up."""
    r = ctx.compute(_ridge_states, **ctx.params)
    grid = r["grid"]
    return {
        "kind": "ridge", "degree": ctx["degree"], "n_train": ctx["n_train"], "lambdas": ctx["lambdas"],
        "x_train": _round(r["x_train"]), "y_train": _round(r["y_train"]),
        "x": _round(grid), "truth": _round(bv.target(grid)),
        "fits": [_round(f, 3) for f in r["fits"]],
        **{k: [_sig(v) for v in r[k]] for k in ("train_mse", "test_mse", "norm")},
        "labels": _labels(
            control=("정칙화 강도 λ", "penalty λ"), truth=("참 함수", "true function"),
            fit=("학습한 다항식", "fitted polynomial"), data=("훈련 데이터", "training data"),
            train=("훈련 오차", "training error"), test=("테스트 오차", "test error"),
            norm=("계수 노름 ‖w‖", "coefficient norm ‖w‖"),
            title_fit=("차수 {d}, λ = {l}", "degree {d}, λ = {l}"),
            title_error=("λ에 따른 평균 제곱 오차 (로그 축)", "mean squared error vs λ (log axes)")),
    }


# ---------------------------------------------------------------- ch07: width and epoch

DD_KEYS = ("n_train", "n_test", "size", "noise", "epochs", "lr", "widths")
DD_FULL = {"n_train": 1000, "n_test": 2000, "size": 10, "noise": 0.2, "epochs": 500, "lr": 3e-3,
           "widths": [2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024]}
DD_QUICK = {"n_train": 200, "n_test": 300, "size": 10, "noise": 0.2, "epochs": 15, "lr": 3e-3,
            "widths": [2, 16, 64]}


@figure("ch07_double_descent_explore", chapter="ch07", fmt="data", data=("mnist",),
        full=DD_FULL, quick=DD_QUICK)
def double_descent_explore(ctx):
    """Training and test error of every width at every epoch of the double-descent sweep."""
    # The static figure's own computation, read from its folder: the 16-minute sweep never
    # runs twice (same function, arguments, seed and dataset, so the same key).
    s = dd.Sweep(**ctx.reuse("ch07_double_descent", ch07._sweep,
                             **{k: ctx[k] for k in DD_KEYS}))
    n = len(s.sizes)
    return {
        "kind": "double_descent", "widths": s.sizes, "params": s.params,
        "epochs": ctx["epochs"], "n_train": ctx["n_train"], "noise": ctx["noise"],
        "threshold_nk_width": dd.width_for_parameters(ctx["n_train"] * 10, ctx["size"] ** 2),
        "train": [_round(s.curve(i, "train")) for i in range(n)],
        "test": [_round(s.curve(i, "test")) for i in range(n)],
        "labels": _labels(
            width=("은닉층 너비", "hidden width"), epoch=("에폭", "epoch"),
            train=("훈련 오차 (오염된 레이블)", "train error (noisy labels)"),
            test=("테스트 오차", "test error"), params=("파라미터", "parameters"),
            threshold=("#파라미터 = #샘플 × #클래스", "#params = #samples × #classes"),
            title_width=("에폭 {e}에서 너비에 따른 오차", "error vs width at epoch {e}"),
            title_epoch=("너비 {w}의 에폭별 오차 (로그 축)", "width {w}: error per epoch (log axis)")),
    }


# ---------------------------------------------------------------- ch08: learning rate and batch

SGD_START = (-2.0, 3.0)  # ch08_trajectories' start: the same paths where the settings agree
DIVERGED = 1e3  # |θ| beyond this: the run has left the picture for good


def _sgd_states(run, n, steps, lrs, batches):
    """GD and (minibatch) SGD paths on ch08's 2-D least-squares loss, per rate and batch size."""
    prob = sgd.LinearRegression2D.make(n=n, seed=run.seed)
    star = prob.minimizer()
    paths, losses, diverged = [], [], []
    for lr in lrs:
        for b in batches:
            p = sgd.descend(prob, SGD_START, lr, steps, batch_size=b, seed=run.seed)
            far = np.flatnonzero(~(np.abs(p).max(axis=1) < DIVERGED))
            stop = int(far[0]) if far.size else None
            p = p if stop is None else p[:stop]
            paths.append(p)
            losses.append(prob.loss(p))
            diverged.append(stop)
    a = np.stack([prob.x, np.ones(prob.n)], axis=1)
    return {"star": star, "loss_min": float(prob.loss(star)), "paths": paths, "losses": losses,
            "diverged": diverged, "hessian": 2 * a.T @ a / prob.n, "x": prob.x, "y": prob.y}


def _contours(prob_x, prob_y, centre, half, levels, n=121):
    """The loss's level sets as polylines (contourpy, matplotlib's own contour engine)."""
    import contourpy

    w = np.linspace(centre[0] - half, centre[0] + half, n)
    b = np.linspace(centre[1] - half, centre[1] + half, n)
    ww, bb = np.meshgrid(w, b)
    zz = np.mean((ww[..., None] * prob_x + bb[..., None] - prob_y) ** 2, axis=-1)
    gen = contourpy.contour_generator(ww, bb, zz)
    return [[_round(line, 3) for line in gen.lines(lv)] for lv in levels]


@figure("ch08_sgd_explore", chapter="ch08", fmt="data",
        full={"n": 200, "steps": 80, "lrs": [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9, 1.05],
              "batches": [1, 4, 16, 64, None]})
def sgd_explore(ctx):
    """The learning rate and the batch size of SGD on ch08's 2-D loss: path and loss curve."""
    r = ctx.compute(_sgd_states, **ctx.params)
    star, lmin = r["star"], r["loss_min"]
    half = 4.5
    d = np.linspace(0.4, 4.2, 9)
    levels = [float(lmin + v * v) for v in d]  # about evenly spaced rings (the bowl is round)
    states, i = [], 0
    for lr in ctx["lrs"]:
        for b in ctx["batches"]:
            p, loss, stop = r["paths"][i], r["losses"][i], r["diverged"][i]
            states.append({"lr": lr, "batch": b, "path": [_round(q, 3) for q in p],
                           "excess": [_sig(max(v - lmin, 0.0)) for v in loss], "diverged": stop,
                           "final_loss": None if stop is not None else _sig(loss[-1]),
                           "distance": None if stop is not None
                           else _sig(np.linalg.norm(p[-1] - star))})
            i += 1
    return {
        "kind": "sgd", "lrs": ctx["lrs"], "batches": ctx["batches"], "n": ctx["n"],
        "steps": ctx["steps"], "start": list(SGD_START), "star": _round(star),
        "loss_min": _sig(lmin), "half": half,
        "contours": _contours(r["x"], r["y"], star, half, levels), "states": states,
        "stability_limit": _sig(2 / np.linalg.eigvalsh(r["hessian"]).max(), 3),
        "labels": _labels(
            lr=("학습률 η", "learning rate η"), batch=("배치 크기 B", "batch size B"),
            full=("전체 (GD)", "full (GD)"), path=("지나간 길", "path"),
            start=("출발점", "start"), minimum=("최솟값", "minimum"),
            w=("가중치 w", "weight w"), b=("절편 b", "intercept b"),
            excess=("ℒ(θₜ) − ℒ(θ*)", "ℒ(θₜ) − ℒ(θ*)"), step=("스텝 t", "step t"),
            final_loss=("{t} 스텝 뒤 손실", "loss after {t} steps"),
            distance=("최솟값까지 거리", "distance to the minimum"),
            diverged=("발산: 스텝 {t}에서 |θ| > 1000", "diverged: |θ| > 1000 at step {t}"),
            title_path=("η = {lr}, B = {b}", "η = {lr}, B = {b}"),
            title_loss=("스텝마다 남은 손실 (로그 축)", "loss left per step (log axis)")),
    }
