"""Chapter 6 figures: under/overfitting, bias–variance, and each regularizer on a real run.

The real runs share one small, deliberately overfitting setup: a 1,000-image MNIST subset
(downsampled to 14×14) with 20% of its labels replaced by wrong ones, a one-hidden-layer MLP
and plain SGD. Noisy labels make memorization, and what each regularizer does against it,
visible within seconds of CPU time. Every run goes through ``train_model``.
"""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import PercentFormatter

from gdsc_book import bias_variance as bv
from gdsc_book import regularization as reg
from gdsc_book.double_descent import noisy_labels, small_split
from gdsc_book.figures.registry import figure
from gdsc_book.models import MLP
from gdsc_book.stacked import MLPStack, train_stack
from gdsc_book.style import COLORS, LANGS, log_ticks, tr
from gdsc_book.train import train_model

# ---------------------------------------------------------------- polynomial fits


@figure("ch06_fit", chapter="ch06", full={"n_train": 10, "degrees": list(range(10))})
def fit_figure(ctx):
    """Degree 1 underfits, 3 fits, 9 overfits 10 noisy points; errors and the gap vs degree."""
    curve, (x, y), _ = bv.fit_curve(ctx["degrees"], n_train=ctx["n_train"], seed=ctx.seed)
    grid = np.linspace(0, 1, 400)
    shown = (1, 3, 9)
    titles = {1: ("과소적합", "underfitting"), 3: ("적당함", "good fit"), 9: ("과적합", "overfitting")}
    for lang in LANGS:
        fig, axes = plt.subplots(1, 3, figsize=(6.6, 3.0), sharey=True, layout="constrained")
        for ax, d in zip(axes, shown):
            w = bv.fit(x, y, d)
            ax.plot(grid, bv.target(grid), color="#999999", lw=1.5, ls="--",
                    label=tr(lang, "참 함수", "true function"))
            ax.plot(grid, bv.predict(w, grid), color=COLORS[0], lw=2,
                    label=tr(lang, "학습한 다항식", "fitted polynomial"))
            ax.scatter(x, y, color=COLORS[1], zorder=3, s=25, label=tr(lang, "훈련 데이터", "training data"))
            ko, en = titles[d]
            ax.set_title(tr(lang, f"차수 {d}: {ko}", f"degree {d}: {en}"), fontsize=10)
            ax.set_ylim(-1.8, 1.8)
            ax.set_xlabel("$x$")
        axes[0].set_ylabel("$y$")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
                   fontsize=9)
        ctx.save(fig, lang, part="curves")

        fig, ax = plt.subplots(figsize=(6, 3.8))
        ax.plot(curve.degrees, curve.train_mse, "o-", color=COLORS[0],
                label=tr(lang, "훈련 오차", "training error"))
        ax.plot(curve.degrees, curve.test_mse, "s-", color=COLORS[1],
                label=tr(lang, "테스트 오차", "test error"))
        ax.fill_between(curve.degrees, curve.train_mse, curve.test_mse, color=COLORS[1], alpha=0.12,
                        label=tr(lang, "일반화 격차", "generalization gap"))
        ax.set_yscale("log")
        log_ticks(ax, "y")
        ax.set_xlabel(tr(lang, "다항식 차수 (모델 용량)", "polynomial degree (capacity)"))
        ax.set_ylabel(tr(lang, "평균 제곱 오차", "mean squared error"))
        ax.legend()
        ctx.save(fig, lang, part="errors")
    return {"degrees": curve.degrees, "train_mse": curve.train_mse, "test_mse": curve.test_mse,
            "gap": curve.gap, "n_train": ctx["n_train"],
            # the noise fit_curve adds (its default), read rather than copied
            "sigma": inspect.signature(bv.fit_curve).parameters["sigma"].default,
            "shown": list(shown), "best_degree": curve.degrees[int(np.argmin(curve.test_mse))]}


# ---------------------------------------------------------------- bias–variance


def _decompositions(run, degrees, n_train, n_sets, ridge, n_large):
    """The computation: the Monte-Carlo decomposition for a small and a large training set."""
    kw = dict(n_train=n_train, n_sets=n_sets, ridge=ridge, seed=run.seed)
    return [vars(bv.simulate(degrees, **kw)), vars(bv.simulate(degrees, **dict(kw, n_train=n_large)))]


@figure("ch06_bias_variance", chapter="ch06",
        full={"degrees": list(range(13)), "n_train": 25, "n_sets": 4000, "ridge": 1e-3,
              "n_large": 200},
        quick={"degrees": list(range(13)), "n_train": 25, "n_sets": 300, "ridge": 1e-3,
               "n_large": 200})
def bias_variance_figure(ctx):
    """Bias², variance and noise against degree, with the directly measured expected error."""
    d, big = (bv.Decomposition(**x) for x in ctx.compute(_decompositions, **ctx.params))
    for lang in LANGS:
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 7.4), sharex=True, sharey=True,
                                 layout="constrained")
        for ax, r, title in ((axes[0], d, (f"n = {d.n_train}", f"n = {d.n_train}")),
                             (axes[1], big, (f"n = {big.n_train}", f"n = {big.n_train}"))):
            ax.plot(r.degrees, r.bias2, "o-", color=COLORS[0], label=tr(lang, "편향²", "bias²"))
            ax.plot(r.degrees, r.variance, "s-", color=COLORS[1], label=tr(lang, "분산", "variance"))
            ax.plot(r.degrees, r.noise, ":", color="#777777", label=tr(lang, "잡음 σ²", "noise σ²"))
            ax.plot(r.degrees, r.total, "-", color=COLORS[2], lw=2.5, alpha=0.6,
                    label=tr(lang, "편향² + 분산 + 잡음", "bias² + variance + noise"))
            ax.errorbar(r.degrees, r.expected_error, yerr=2 * np.array(r.expected_error_se),
                        fmt="k.", capsize=2, label=tr(lang, "측정한 기대 테스트 오차",
                                                      "measured expected test error"))
            ax.set_yscale("log")
            log_ticks(ax, "y")
            ax.set_title(tr(lang, f"훈련 샘플 {title[0]}", f"training set {title[1]}"))
            ax.set_ylabel(tr(lang, "오차", "error"))
        axes[1].set_xlabel(tr(lang, "다항식 차수 (모델 용량)", "polynomial degree (capacity)"))
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2,
                   fontsize=9)
        ctx.save(fig, lang)
    z = [abs(t - e) / s for t, e, s in zip(d.total, d.expected_error, d.expected_error_se)]
    best = int(np.argmin(d.expected_error))
    return {
        "degrees": d.degrees, "bias2": d.bias2, "variance": d.variance, "noise": d.noise[0],
        "total": d.total, "expected_error": d.expected_error, "se": d.expected_error_se,
        "max_z": max(z), "best_degree": d.degrees[best], "n_train": d.n_train, "ridge": ctx["ridge"],
        "n_sets": d.n_sets, "n_large": big.n_train, "large_bias2": big.bias2,
        "large_variance": big.variance, "large_best_degree": big.degrees[int(np.argmin(big.expected_error))],
        "deg1": {"degree": d.degrees[1], "bias2": d.bias2[1], "var": d.variance[1],
                 "large_bias2": big.bias2[1], "large_var": big.variance[1]},
        "deg12": {"degree": d.degrees[12], "bias2": d.bias2[12], "var": d.variance[12],
                  "large_var": big.variance[12]},
    }


# ---------------------------------------------------------------- the real-run setup

SETUP = {"n_train": 1000, "n_test": 5000, "size": 14, "noise": 0.2, "width": 256,
         "lr": 0.05, "epochs": 100}
QUICK = {"n_train": 300, "n_test": 500, "size": 14, "noise": 0.2, "width": 64,
         "lr": 0.05, "epochs": 5}


def _data(run, n_train, n_test, size, noise):
    """The shared overfitting setup: a noisy-label MNIST subset and a clean test subset."""
    train = small_split(run.load("mnist", train=True), n_train, size, seed=0)
    test = small_split(run.load("mnist", train=False), n_test, size, seed=1)
    y_noisy, _ = noisy_labels(train[1], noise, seed=0)
    return (train[0], y_noisy), test


def _mlp_runs(run, variants, n_train, n_test, size, noise, width, lr, epochs,
              ensemble=False, shift_examples=0):
    """The computation: the setup's MLP once per variant (seed, dropout, weight decay, shift,
    validation split), with the weight norms, and, if asked, the ensembles of the first k."""
    train, test = _data(run, n_train, n_test, size, noise)
    if len(variants) > 1 and all(set(v) <= STACKABLE for v in variants):
        runs, models = _stacked_runs(train, test, variants, size, width, lr, epochs)
    else:
        runs, models = _separate_runs(train, test, variants, size, width, lr, epochs)
    out = {"runs": runs}
    if ensemble:
        x_te, y_te = test
        with reg.torch_threads(1):
            out["ensemble"] = [reg.accuracy(reg.ensemble_probs(models[: k + 1], x_te), y_te)
                               for k in range(len(models))]
    if shift_examples:
        g = torch.Generator().manual_seed(0)
        out["examples"] = reg.random_shift(shift_examples)(
            train[0][:1].repeat(4, 1, 1, 1), g).numpy()
    return out


# Variants that differ only in these train together as one stack (gdsc_book.stacked): the
# same steps as one train_model run each, several times faster.
STACKABLE = {"seed", "dropout", "weight_decay"}


def _stacked_runs(train, test, variants, size, width, lr, epochs):
    models = []
    for v in variants:
        torch.manual_seed(v.get("seed", 0))
        models.append(MLP(size ** 2, widths=(width,), dropout=v.get("dropout", 0.0)))
    stack = MLPStack(models)
    with reg.torch_threads(1):
        hist = train_stack(stack, train, test, epochs=epochs, optimizer="sgd", lr=lr,
                           momentum=0.9, weight_decay=[v.get("weight_decay", 0.0) for v in variants],
                           seeds=[v.get("seed", 0) for v in variants])
    models = stack.members()
    return ([{"history": h.to_dict(), "weight_norm": reg.weight_norm(m)}
             for h, m in zip(hist, models)], models)


def _separate_runs(train, test, variants, size, width, lr, epochs):
    runs, models = [], []
    for v in variants:
        v = dict(v)
        seed, dropout, shift = v.pop("seed", 0), v.pop("dropout", 0.0), v.pop("shift", 0)
        if shift:
            v["augment"] = reg.random_shift(shift)
        torch.manual_seed(seed)
        model = MLP(size ** 2, widths=(width,), dropout=dropout)
        with reg.torch_threads(1):
            h = train_model(model, train, test, epochs=epochs, optimizer="sgd", lr=lr,
                            momentum=0.9, seed=seed, **v)
        runs.append({"history": h.to_dict(), "weight_norm": reg.weight_norm(model)})
        models.append(model)
    return runs, models


def _runs(ctx, variants, **kw):
    """Histories (and the rest) of ``_mlp_runs`` on this figure's setup."""
    from gdsc_book.train import History

    r = ctx.compute(_mlp_runs, variants=variants, **{k: ctx[k] for k in SETUP}, **kw)
    for x in r["runs"]:
        x["history"] = History.from_dict(x["history"])
    return r


def _acc_axes(ax, lang, epochs=True):
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if epochs:
        ax.set_xlabel(tr(lang, "에폭", "epoch"))
    ax.set_ylabel(tr(lang, "정확도", "accuracy"))


def _summary(h):
    return {"train_acc": h.train_acc[-1], "test_acc": h.test_acc[-1],
            "best_test_acc": max(h.test_acc)}


@figure("ch06_weight_decay", chapter="ch06", data=("mnist",),
        full=dict(SETUP, wds=[0.0, 1e-3, 1e-2]), quick=dict(QUICK, wds=[0.0, 1e-2]))
def weight_decay_figure(ctx):
    """Training with torch.optim.SGD(weight_decay=λ) for a few λ on the noisy-label setup."""
    r = _runs(ctx, [{"weight_decay": wd} for wd in ctx["wds"]])
    runs = [(wd, x["history"], x["weight_norm"]) for wd, x in zip(ctx["wds"], r["runs"])]
    for lang in LANGS:
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 6.6), layout="constrained",
                                 gridspec_kw={"height_ratios": [1.5, 1]})
        ep = np.arange(1, ctx["epochs"] + 1)
        for i, (wd, h, _) in enumerate(runs):
            axes[0].plot(ep, h.train_acc, ls="--", color=COLORS[i], lw=1.2)
            axes[0].plot(ep, h.test_acc, color=COLORS[i], lw=2, label=f"λ = {wd:g}")
        _acc_axes(axes[0], lang)
        axes[0].set_title(tr(lang, "실선: 테스트, 점선: 훈련 (레이블 20% 오염)",
                             "solid: test, dashed: train (20% noisy labels)"), fontsize=11)
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes[1].bar([f"{wd:g}" for wd, _, _ in runs], [n for _, _, n in runs],
                    color=COLORS[: len(runs)])
        axes[1].set_xlabel("λ (weight_decay)")
        axes[1].set_ylabel(tr(lang, "가중치 노름 ‖W‖₂", "weight norm ‖W‖₂"))
        ctx.save(fig, lang)
    return {"wds": ctx["wds"], "runs": [dict(_summary(h), wd=wd, weight_norm=n) for wd, h, n in runs],
            "n_train": ctx["n_train"], "noise": ctx["noise"], "epochs": ctx["epochs"],
            "setup": {k: ctx[k] for k in SETUP}}  # what the section's setup paragraph quotes


@figure("ch06_dropout", chapter="ch06", data=("mnist",),
        full=dict(SETUP, ps=[0.0, 0.5]), quick=dict(QUICK, ps=[0.0, 0.5]))
def dropout_figure(ctx):
    """The same MLP with and without dropout after its hidden layer."""
    r = _runs(ctx, [{"dropout": p} for p in ctx["ps"]])
    runs = [(p, x["history"]) for p, x in zip(ctx["ps"], r["runs"])]
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(7, 3.8))
        ep = np.arange(1, ctx["epochs"] + 1)
        for i, (p, h) in enumerate(runs):
            ax.plot(ep, h.train_acc, ls="--", color=COLORS[i], lw=1.2)
            ax.plot(ep, h.test_acc, color=COLORS[i], lw=2,
                    label=tr(lang, f"드롭아웃 p = {p:g}", f"dropout p = {p:g}"))
        _acc_axes(ax, lang)
        ax.set_title(tr(lang, "실선: 테스트, 점선: 훈련", "solid: test, dashed: train"))
        ax.legend()
        ctx.save(fig, lang)
    return {"ps": ctx["ps"], "runs": [dict(_summary(h), p=p) for p, h in runs]}


@figure("ch06_augmentation", chapter="ch06", data=("mnist",),
        full=dict(SETUP, shift=1), quick=dict(QUICK, shift=1))
def augmentation_figure(ctx):
    """Random shifts of the training images (a new shift every epoch) against none."""
    r = _runs(ctx, [{}, {"shift": ctx["shift"]}], shift_examples=ctx["shift"])
    runs = [("none", r["runs"][0]["history"]), ("shift", r["runs"][1]["history"])]
    examples = r["examples"]
    for lang in LANGS:
        fig = plt.figure(figsize=(10, 3.8))
        gs = fig.add_gridspec(2, 4, width_ratios=[1, 1, 2.2, 2.2])
        for k in range(4):
            a = fig.add_subplot(gs[k // 2, k % 2])
            a.imshow(examples[k, 0], cmap="gray_r")
            a.set_xticks([])
            a.set_yticks([])
            a.grid(False)
        ax = fig.add_subplot(gs[:, 2:])
        labels = {"none": tr(lang, "증강 없음", "no augmentation"),
                  "shift": tr(lang, f"무작위 이동 ±{ctx['shift']}px", f"random shift ±{ctx['shift']}px")}
        ep = np.arange(1, ctx["epochs"] + 1)
        for i, (k, h) in enumerate(runs):
            ax.plot(ep, h.train_acc, ls="--", color=COLORS[i], lw=1.2)
            ax.plot(ep, h.test_acc, color=COLORS[i], lw=2, label=labels[k])
        _acc_axes(ax, lang)
        ax.set_title(tr(lang, "왼쪽: 같은 이미지의 증강 4개", "left: four augmentations of one image"))
        ax.legend()
        ctx.save(fig, lang)
    return {"runs": {k: _summary(h) for k, h in runs}, "shift": ctx["shift"]}


@figure("ch06_early_stopping", chapter="ch06", data=("mnist",),
        full=dict(SETUP, val_fraction=0.2, patience=10),
        quick=dict(QUICK, val_fraction=0.2, patience=2))
def early_stopping_figure(ctx):
    """Validation accuracy picks the epoch; the test set is only reported."""
    # Run every epoch (no patience) to draw the whole curve, then ask where patience would
    # have stopped: tests/test_regularization.py checks train_model(patience=...) agrees.
    h = _runs(ctx, [{"val_fraction": ctx["val_fraction"]}])["runs"][0]["history"]
    best, stop = reg.early_stopping(h.val_acc, h.val_loss, ctx["patience"])
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
        ep = np.arange(1, len(h.train_acc) + 1)
        ax.plot(ep, h.train_acc, ls="--", color=COLORS[0], lw=1.2, label=tr(lang, "훈련", "train"))
        ax.plot(ep, h.val_acc, color=COLORS[2], lw=2, label=tr(lang, "검증", "validation"))
        ax.plot(ep, h.test_acc, color=COLORS[1], lw=1.5, alpha=0.8, label=tr(lang, "테스트 (보고만)", "test (reported only)"))
        ax.axvline(best, color="#444444", lw=1)
        ax.axvline(stop, color="#444444", lw=1, ls=":")
        ax.text(best, 0.12, tr(lang, f" 최선 에폭 {best}", f" best epoch {best}"), fontsize=9)
        ax.text(stop, 0.04, tr(lang, f" 중단 {stop}", f" stop {stop}"), fontsize=9)
        _acc_axes(ax, lang)
        ax.set_ylim(0, 1.02)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
        ctx.save(fig, lang)
    return {"best_epoch": best, "stop_epoch": stop, "patience": ctx["patience"],
            "epochs": len(h.train_acc), "val_fraction": ctx["val_fraction"],
            "test_acc_best": h.test_acc[best - 1], "test_acc_last": h.test_acc[-1],
            "val_acc_best": h.val_acc[best - 1], "train_acc_last": h.train_acc[-1],
            "n_val": round(ctx["n_train"] * ctx["val_fraction"])}


@figure("ch06_ensemble", chapter="ch06", data=("mnist",),
        full=dict(SETUP, members=5), quick=dict(QUICK, members=2))
def ensemble_figure(ctx):
    """Members that differ only in their seed, averaged (softmax probabilities)."""
    r = _runs(ctx, [{"seed": s} for s in range(ctx["members"])], ensemble=True)
    accs = [x["history"].test_acc[-1] for x in r["runs"]]
    ens = r["ensemble"]
    ks = np.arange(1, len(accs) + 1)
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        ax.scatter(ks, accs, color=COLORS[0], zorder=3, label=tr(lang, "개별 모델 (시드 k)", "single model (seed k)"))
        ax.plot(ks, ens, "o-", color=COLORS[1], lw=2, label=tr(lang, "처음 k개 모델의 앙상블", "ensemble of the first k"))
        ax.set_xticks(ks)
        ax.set_xlabel("k")
        _acc_axes(ax, lang, epochs=False)
        # accuracies within a few points: one decimal keeps the tick labels distinct
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.legend()
        ctx.save(fig, lang)
    return {"member_acc": accs, "ensemble_acc": ens, "mean_member_acc": float(np.mean(accs)),
            "members": ctx["members"]}


def _implicit_sgd(run, steps):
    """The computation: SGD from zero, the min-norm and another exact fit (the demo's dict)."""
    return reg.implicit_sgd_demo(steps=steps, seed=run.seed)


@figure("ch06_implicit_sgd", chapter="ch06", full={"steps": 3000}, quick={"steps": 300})
def implicit_sgd_figure(ctx):
    """SGD from zero on an under-determined least-squares fit lands on the min-norm solution."""
    d = ctx.compute(_implicit_sgd, steps=ctx["steps"])
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(7, 3.8))
        ax.plot(d["grid"], d["fit_other"], color=COLORS[3], lw=1.5,
                label=tr(lang, f"다른 보간 해 (‖w‖ = {d['norm_other']:.1f})",
                         f"another exact fit (‖w‖ = {d['norm_other']:.1f})"))
        ax.plot(d["grid"], d["fit_sgd"], color=COLORS[0], lw=2.5,
                label=tr(lang, f"0에서 시작한 SGD (‖w‖ = {d['norm_sgd']:.1f})",
                         f"SGD from zero (‖w‖ = {d['norm_sgd']:.1f})"))
        ax.plot(d["grid"], d["fit_min_norm"], "--", color="#222222", lw=1,
                label=tr(lang, "최소 노름 해 (유사역행렬)", "minimum-norm solution (pseudo-inverse)"))
        ax.scatter(d["x"], d["y"], color=COLORS[1], zorder=4, s=30, label=tr(lang, "훈련 데이터", "training data"))
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        ax.legend(fontsize=8.5, loc="lower left")
        ctx.save(fig, lang)
    return {k: v for k, v in d.items() if np.isscalar(v)} | {"n": len(d["x"]), "features": len(d["w_sgd"])}
