"""Chapter 7 figures: model-wise and epoch-wise double descent, and depth with augmentation.

Setup (Nakkiran et al. 2019 on a CPU budget): 1,000 MNIST digits averaged down to 10×10,
20% of the training labels replaced by wrong ones, one-hidden-layer MLPs whose width is
swept on a log scale, all trained by Adam for the same, long, number of epochs with no
regularization, so that every model big enough can fit the training set, noise included.
"""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import PercentFormatter

from gdsc_book import double_descent as dd
from gdsc_book.figures.registry import figure
from gdsc_book.models import MLP
from gdsc_book.regularization import random_shift, torch_threads
from gdsc_book.style import COLORS, LANGS, MIN_FONT_PT, PAGE_WIDTH, log_ticks, tr
from gdsc_book.train import train_model


def _data(run, n_train, n_test, size, noise: float):
    train = dd.small_split(run.load("mnist", train=True), n_train, size, seed=0)
    test = dd.small_split(run.load("mnist", train=False), n_test, size, seed=1)
    y, _ = dd.noisy_labels(train[1], noise, seed=0)
    return (train[0], y), test


def _sweep(run, n_train, n_test, size, noise, epochs, lr, widths):
    """The computation: one MLP per width, trained to (near) zero training error."""
    train, test = _data(run, n_train, n_test, size, noise)
    with torch_threads(1):
        s = dd.width_sweep(train, test, widths, epochs=epochs, lr=lr, seed=run.seed)
    return s.to_dict()


# "Fits its training set": training error at most this (the page quotes it from the record).
FIT_TOL = 0.01


def _pct(ax, axis="y"):
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


@figure("ch07_double_descent", chapter="ch07", data=("mnist",),
        full={"n_train": 1000, "n_test": 2000, "size": 10, "noise": 0.2, "epochs": 500,
              "lr": 3e-3, "widths": [2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024],
              "epoch_widths": [8, 32, 1024], "last": 20, "window": 15},
        quick={"n_train": 200, "n_test": 300, "size": 10, "noise": 0.2, "epochs": 15,
               "lr": 3e-3, "widths": [2, 16, 64], "epoch_widths": [2, 64], "last": 3, "window": 3})
def double_descent_figure(ctx):
    """Test error against width (model-wise) and against epochs (epoch-wise), one sweep."""
    s = dd.Sweep(**ctx.compute(_sweep, **{k: ctx[k] for k in (
        "n_train", "n_test", "size", "noise", "epochs", "lr", "widths")}))
    d = ctx["size"] ** 2
    n, k = ctx["n_train"], 10
    thr_nk = dd.width_for_parameters(n * k, d)  # #params = #samples × #classes
    # "Final" errors are means over the last epochs: single epochs are noisy (see Sweep.final).
    train_err, test_err = s.final("train", ctx["last"]), s.final("test", ctx["last"])
    thr_fit = dd.interpolation_threshold(s.sizes, train_err, tol=FIT_TOL)
    peak_w, peak_err = dd.peak(s.sizes, test_err)
    # Early stopping on hindsight: the best test error seen during training, per width, and
    # what it gains over training to the end (the gap between the two curves of the figure).
    best_seen = [min(s.curve(i)) for i in range(len(s.sizes))]
    best_epoch = [int(np.argmin(s.curve(i))) + 1 for i in range(len(s.sizes))]
    gain = [t - b for t, b in zip(test_err, best_seen)]
    i_gain = int(np.argmax(gain))
    # The best-seen curve is an estimate on n_test examples: a rise smaller than its standard
    # error at the peak width (where the final curve has its bump) is no peak.
    p_peak = best_seen[s.sizes.index(peak_w)]
    se = float(np.sqrt(p_peak * (1 - p_peak) / ctx["n_test"]))
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.6, 4.8), layout="constrained")
        ax.plot(s.sizes, train_err, "o--", color=COLORS[0], label=tr(lang, "훈련 오차 (오염된 레이블)", "train error (noisy labels)"))
        ax.plot(s.sizes, test_err, "s-", color=COLORS[1], lw=2, label=tr(lang, f"테스트 오차 (마지막 {ctx['last']} 에폭 평균)", f"test error (mean of the last {ctx['last']} epochs)"))
        ax.plot(s.sizes, best_seen, ":", color=COLORS[2], label=tr(lang, "학습 중 최소 테스트 오차", "lowest test error during training"))
        ax.axvline(thr_nk, color="#444444", lw=1, ls="--")
        # Notes in the empty top band (every error there is below 60%), never on the curves.
        ax.text(thr_nk * 1.08, 0.66, tr(lang, "#파라미터 =\n#샘플 × #클래스", "#params =\n#samples × #classes"),
                fontsize=9, va="top")
        if thr_fit is not None:
            ax.axvspan(thr_fit / 1.25, thr_fit * 1.25, color="#999999", alpha=0.2, lw=0)
            ax.text(thr_fit / 1.3, 0.66, tr(lang, "보간 임계점\n(훈련 오차 ≈ 0)", "interpolation\nthreshold\n(train error ≈ 0)"),
                    fontsize=9, ha="right", va="top")
        ax.annotate(tr(lang, "봉우리", "peak"), xy=(peak_w, peak_err), xytext=(peak_w, peak_err + 0.08),
                    ha="center", fontsize=9, arrowprops=dict(arrowstyle="-|>", color="#444444"))
        ax.set_xscale("log", base=2)
        ax.set_xticks(s.sizes)
        ax.set_xticklabels([str(w) for w in s.sizes], fontsize=9)
        ax.set_xlabel(tr(lang, "은닉층 너비 (모델 크기)", "hidden width (model size)"))
        ax.set_ylabel(tr(lang, "오차", "error"))
        ax.set_ylim(0, 0.7)
        _pct(ax)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
        ctx.save(fig, lang, part="modelwise")

        fig, ax = plt.subplots(figsize=(7.5, 4.0))
        for j, w in enumerate(ctx["epoch_widths"]):
            i = s.sizes.index(w)
            ep = np.arange(1, len(s.curve(i)) + 1)
            ax.plot(ep, s.curve(i), color=COLORS[j], lw=0.6, alpha=0.35)
            ax.plot(ep, dd.smooth(s.curve(i), ctx["window"]), color=COLORS[j], lw=2,
                    label=tr(lang, f"너비 {w} 테스트", f"width {w} test"))
            ax.plot(ep, dd.smooth(s.curve(i, "train"), ctx["window"]), color=COLORS[j], lw=1, ls="--")
        ax.set_xscale("log")
        log_ticks(ax, "x")  # the book's log labels (matplotlib's lose the minus in Korean)
        ax.set_xlabel(tr(lang, "에폭 (로그 축)", "epoch (log scale)"))
        ax.set_ylabel(tr(lang, f"오차 ({ctx['window']} 에폭 이동 평균)", f"error ({ctx['window']}-epoch moving average)"))
        ax.set_title(tr(lang, "실선: 테스트, 점선: 훈련, 흐린 선: 에폭별 테스트", "solid: test, dashed: train, faint: test per epoch"), fontsize=9)
        _pct(ax)
        ax.legend(fontsize=8.5)
        ctx.save(fig, lang, part="epochwise")

        fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.0), layout="constrained")
        x = np.arange(len(s.sizes))  # evenly spaced, as on the log-width axis above
        ax.bar(x, gain, color=[COLORS[1] if thr_fit and thr_fit / 2 <= w <= thr_fit * 2 else COLORS[2]
                               for w in s.sizes])
        for xi, g in zip(x, gain):
            ax.text(xi, g + 0.004, f"{100 * g:.0f}", ha="center", va="bottom", fontsize=MIN_FONT_PT)
        ax.set_xticks(x)
        ax.set_xticklabels([str(w) for w in s.sizes], fontsize=MIN_FONT_PT)
        ax.set_xlabel(tr(lang, "은닉층 너비 (주황: 보간 임계점의 ½배~2배)",
                         "hidden width (orange: ½× to 2× the interpolation threshold)"))
        ax.set_ylabel(tr(lang, "조기 종료의 이득 (%p)", "gain of early stopping (points)"))
        ax.set_axisbelow(True)
        ax.grid(False, axis="x")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0, symbol=""))
        ax.set_ylim(0, max(gain) * 1.18)
        ax.set_title(tr(lang, f"테스트 오차: 마지막 {ctx['last']} 에폭 평균에서 학습 중 최솟값을 뺀 값",
                        f"test error: mean of the last {ctx['last']} epochs minus the lowest during training"),
                     fontsize=MIN_FONT_PT + 0.5)
        ctx.save(fig, lang, part="gain")

    epochwise = {}
    for w in ctx["epoch_widths"]:
        c = dd.smooth(s.curve(s.sizes.index(w)), ctx["window"])
        i_min = int(np.argmin(c))
        i_max = i_min + int(np.argmax(c[i_min:]))
        c_train = dd.smooth(s.curve(s.sizes.index(w), "train"), ctx["window"])
        epochwise[str(w)] = {"min_err": c[i_min], "min_epoch": i_min + 1, "peak_after_min": c[i_max],
                             "peak_epoch": i_max + 1, "final_err": c[-1],
                             "final_train_err": train_err[s.sizes.index(w)],
                             "train_err_at_min": c_train[i_min], "gain": gain[s.sizes.index(w)]}
    # What the run used that _sweep leaves to width_sweep's defaults (quoted by the page).
    defaults = {k: v.default for k, v in inspect.signature(dd.width_sweep).parameters.items()
                if v.default is not inspect.Parameter.empty}
    return {
        "widths": s.sizes, "params": s.params, "train_err": train_err, "test_err": test_err,
        "last_epoch_test_err": s.test_err, "last": ctx["last"], "window": ctx["window"],
        "best_seen_test_err": best_seen, "n_train": n, "n_test": ctx["n_test"], "noise": ctx["noise"],
        "in_features": d, "epochs": ctx["epochs"], "threshold_nk_width": thr_nk,
        "threshold_nk_params": n * k, "threshold_fit_width": thr_fit,
        "threshold_fit_params": None if thr_fit is None else dd.mlp_parameters(d, thr_fit),
        "peak_width": peak_w, "peak_test_err": peak_err,
        "peak_params": dd.mlp_parameters(d, peak_w),
        "largest": {"width": s.sizes[-1], "test_err": test_err[-1], "train_err": train_err[-1]},
        "smallest_test_err_width": s.sizes[int(np.argmin(test_err))],
        "epochwise": epochwise,
        "early_stopping": {
            "gain": gain, "best_epoch": best_epoch, "max_gain": gain[i_gain],
            "max_gain_width": s.sizes[i_gain], "best_seen_se": se,
            "best_seen_max_rise": max(0.0, *(b - a for a, b in zip(best_seen, best_seen[1:]))),
        },
        "setup": {"lr": ctx["lr"], "size": ctx["size"], "classes": k, "fit_tol": FIT_TOL, "batch_size": defaults["batch_size"],
                  "optimizer": defaults["optimizer"], "epoch_widths": ctx["epoch_widths"],
                  "noisy_labels": round(ctx["noise"] * n)},
    }


def _depths(run, n_train, n_test, size, width, depths, short, long, shift, lr):
    """The computation: each depth trained short without and long with augmentation."""
    train, test = _data(run, n_train, n_test, size, 0.0)
    res = {"short": [], "long_aug": []}
    train_err = {"short": [], "long_aug": []}
    for depth in depths:
        for key, epochs, aug in (("short", short, None),
                                 ("long_aug", long, random_shift(shift))):
            torch.manual_seed(run.seed)
            model = MLP(size ** 2, widths=(width,) * depth)
            with torch_threads(1):
                h = train_model(model, train, test, epochs=epochs, optimizer="sgd", lr=lr,
                                momentum=0.9, scheduler="cosine", augment=aug, seed=run.seed)
            res[key].append(h.test_acc[-1])
            train_err[key].append(1 - h.train_acc[-1])
    return {"test_acc": res, "train_err": train_err}


@figure("ch07_depth", chapter="ch07", data=("mnist",),
        full={"n_train": 1000, "n_test": 2000, "size": 14, "width": 64, "depths": [1, 2, 3, 4],
              "short": 10, "long": 60, "shift": 1, "lr": 0.05},
        quick={"n_train": 200, "n_test": 300, "size": 14, "width": 16, "depths": [1, 2],
               "short": 2, "long": 4, "shift": 1, "lr": 0.05})
def depth_figure(ctx):
    """Deeper MLPs: short training without augmentation vs longer training with augmentation."""
    r = ctx.compute(_depths, **ctx.params)
    res, train_err = r["test_acc"], r["train_err"]
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        ax.plot(ctx["depths"], res["short"], "o-", color=COLORS[0],
                label=tr(lang, f"{ctx['short']} 에폭, 증강 없음", f"{ctx['short']} epochs, no augmentation"))
        ax.plot(ctx["depths"], res["long_aug"], "s-", color=COLORS[1], lw=2,
                label=tr(lang, f"{ctx['long']} 에폭 + 무작위 이동", f"{ctx['long']} epochs + random shifts"))
        ax.set_xticks(ctx["depths"])
        ax.set_xlabel(tr(lang, f"은닉층 수 (너비 {ctx['width']})", f"hidden layers (width {ctx['width']})"))
        ax.set_ylabel(tr(lang, "테스트 정확도", "test accuracy"))
        _pct(ax)
        ax.legend()
        ctx.save(fig, lang)
    return {"depths": ctx["depths"], "short_test_acc": res["short"], "long_aug_test_acc": res["long_aug"],
            "short_train_err": train_err["short"], "long_aug_train_err": train_err["long_aug"],
            "short_epochs": ctx["short"], "long_epochs": ctx["long"], "width": ctx["width"],
            "n_train": ctx["n_train"], "size": ctx["size"], "shift": ctx["shift"]}
