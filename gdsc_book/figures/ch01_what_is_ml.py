"""Chapter 1 figures: Mitchell's T/P/E, the D/M/L ingredients, and P improving with E."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MultipleLocator, PercentFormatter

from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, log_ticks, tr


def _box(ax, xy, w, h, title, body, color):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.04",
                                linewidth=1.8, edgecolor=color, facecolor=color + "18"))
    ax.text(x + w / 2, y + h - 0.07, title, ha="center", va="top", fontsize=13,
            fontweight="bold", color=color)
    ax.text(x + w / 2, y + h / 2 - 0.06, body, ha="center", va="center", fontsize=9.5,
            linespacing=1.5)


def _arrow(ax, a, b, label=""):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16, linewidth=1.5,
                                 color="#444444", connectionstyle="arc3,rad=0.0"))
    if label:
        ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.04, label, ha="center", va="bottom",
                fontsize=9, color="#444444")


def _canvas(w=9.0, h=3.6):
    fig, ax = plt.subplots(figsize=(w, h))
    ax.set_xlim(0, 3.2)
    ax.set_ylim(0, 1.3)
    ax.axis("off")
    return fig, ax


@figure("ch01_tpe", chapter="ch01")
def tpe(ctx):
    """Mitchell (1997): a program learns from experience E at tasks T, as measured by P."""
    for lang in LANGS:
        fig, ax = _canvas()
        _box(ax, (0.05, 0.25), 0.9, 0.85, tr(lang, "경험 E", "Experience E"),
             tr(lang, "지도 학습\n비지도 학습\n강화 학습", "supervised\nunsupervised\nreinforcement"),
             COLORS[2])
        _box(ax, (1.15, 0.25), 0.9, 0.85, tr(lang, "과제 T", "Task T"),
             tr(lang, "분류, 회귀\n기계 번역\n로봇 제어",
                "classification, regression\nmachine translation\nrobot control"), COLORS[0])
        _box(ax, (2.25, 0.25), 0.9, 0.85, tr(lang, "성능 P", "Performance P"),
             tr(lang, "정확도, 오차\nperplexity\n로그 가능도",
                "accuracy, error\nperplexity\nlog-likelihood"), COLORS[1])
        _arrow(ax, (0.96, 0.68), (1.14, 0.68))
        _arrow(ax, (2.06, 0.68), (2.24, 0.68))
        ax.text(1.6, 0.08, tr(lang, "E가 쌓일수록 T에서 잰 P가 좋아지면, 그 프로그램은 학습한다",
                              "a program learns if its P at T improves with E"),
                ha="center", fontsize=10.5, style="italic")
        ctx.save(fig, lang)
    return None


@figure("ch01_dml", chapter="ch01")
def dml(ctx):
    """The three ingredients of an ML algorithm: data D, model M, objective L."""
    for lang in LANGS:
        fig, ax = _canvas()
        _box(ax, (0.05, 0.25), 0.9, 0.85, tr(lang, "데이터 D", "Data D"),
             tr(lang, "이미지, 그래프, 텍스트…\n차원 · 구조", "images, graphs, text…\ndimension · structure"),
             COLORS[2])
        _box(ax, (1.15, 0.25), 0.9, 0.85, tr(lang, "모델 M", "Model M"),
             tr(lang, "입력 $\\rightarrow$ 출력\n파라미터 θ를 가진 함수 $f_\\theta$",
                "input $\\rightarrow$ output\na function $f_\\theta$ with parameters θ"), COLORS[0])
        _box(ax, (2.25, 0.25), 0.9, 0.85, tr(lang, "목적함수 L", "Objective L"),
             tr(lang, "L1, L2, 교차 엔트로피\n최적점 = 원하는 성능",
                "L1, L2, cross-entropy\noptimum = the goal"), COLORS[1])
        _arrow(ax, (0.96, 0.68), (1.14, 0.68), "x")
        _arrow(ax, (2.06, 0.68), (2.24, 0.68), "ŷ")
        ax.annotate("", xy=(1.6, 0.24), xytext=(2.7, 0.24),
                    arrowprops=dict(arrowstyle="-|>", color="#444444", linewidth=1.5,
                                    connectionstyle="arc3,rad=-0.25"))
        ax.text(2.15, 0.02, tr(lang, "∇L로 θ를 고친다 (학습)", "update θ with ∇L (training)"),
                ha="center", fontsize=10)
        ctx.save(fig, lang)
    return None


def _experience(run, sizes, seeds, updates, n_test):
    """The computation: test accuracy of softmax regression for each training-set size.

    Every size gets about the same number of SGD updates (a small set is repeated to fill an
    epoch of 6,000 examples), so only the experience differs; all runs train at once."""
    import numpy as np

    from gdsc_book import experience

    train = run.load("mnist", train=True)
    test = run.load("mnist", train=False).subset(n_test)
    x, y = train.float_images(), train.labels.long()
    runs = experience.plan_sizes(len(y), sizes, seeds, updates, batch_size=128)
    w, b = experience.train_softmax_runs(x, y, [p for *_, p in runs], lr=0.05, batch_size=128)
    acc = experience.accuracy(test.float_images(), test.labels.long(), w, b)
    return {"acc": np.asarray(acc, dtype=float).reshape(len(sizes), seeds)}


@figure("ch01_experience", chapter="ch01", data=("mnist",),
        full={"sizes": [100, 300, 1000, 3000, 10000, 60000], "seeds": 3, "updates": 2400,
              "n_test": 10000},
        quick={"sizes": [100, 1000], "seeds": 1, "updates": 100, "n_test": 1000})
def experience(ctx):
    """Mitchell's 'improves with experience': test accuracy against the training-set size."""
    acc = ctx.compute(_experience, **ctx.params)["acc"]
    mean = acc.mean(axis=1)
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6, 3.8))
        ax.errorbar(ctx["sizes"], mean, yerr=[mean - acc.min(1), acc.max(1) - mean], fmt="o-",
                    capsize=3, color=COLORS[0])
        ax.set_xscale("log")
        log_ticks(ax, "x")
        ax.yaxis.set_major_locator(MultipleLocator(0.05))  # 2.5% steps read "73, 75, 78%"
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(tr(lang, "훈련 샘플 수 (경험 E)", "training examples (experience E)"))
        ax.set_ylabel(tr(lang, "테스트 정확도 (성능 P)", "test accuracy (performance P)"))
        ax.set_title(tr(lang, "MNIST 소프트맥스 회귀", "softmax regression on MNIST"))
        ctx.save(fig, lang)
    return {"n_train": list(ctx["sizes"]), "acc_mean": mean.tolist(), "acc": acc.tolist()}
