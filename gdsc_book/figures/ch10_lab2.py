"""Lab 2 (CIFAR-10, Quiz 2): five seeds of the default recipe, and MNIST -> CIFAR transfer.

``lab2_cifar10`` trains the lab's default recipe with 5 seeds (the quiz's 5 repeated runs):
per-run accuracies as dots with the mean, ± std and the 95% interval, learning curves as a
band across seeds, and a grid of test images with the first run's predictions.

``lab2_finetune`` trains the Lab 1 CNN on MNIST once, then compares on a CIFAR-10 subset,
5 seeds each: (a) from scratch, (b) fine-tuning all layers, (c) frozen MNIST features with a
new head, and, as a control for (c), (d) frozen *random* features with a new head.

Each figure is two stages: the training runs are one computation (cached in
``results/compute/``, numbers and arrays only), and the drawing reads it back, so a new label
or layout redraws in seconds.
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from gdsc_book import recipes
from gdsc_book.augment import FlipCrop
from gdsc_book.figures.registry import figure
from gdsc_book.finetune import trainable_parameters, transfer
from gdsc_book.models import WHITEN_EPS, build_model, count_parameters
from gdsc_book.repeat import summarize
from gdsc_book.style import COLORS, LANGS, data_note, legend_below, tr
from gdsc_book.train import predict, train_model

CLASSES_KO = ["비행기", "자동차", "새", "고양이", "사슴", "개", "개구리", "말", "배", "트럭"]


def _stats(values) -> dict:
    s = summarize(values)
    return {"mean": s.mean, "std": s.std, "ci_low": s.ci_low, "ci_high": s.ci_high,
            "half_width": s.half_width, "min": min(values), "max": max(values)}


def cifar10(run, train_subset=None, test_subset=None):
    """Lab 2's data, the same for every Lab 2 figure: CIFAR-10, subsets drawn from the seed.

    ``run``: a computation's ``run`` or a figure's ``ctx`` (both load and hold the seed)."""
    train, test = run.load("cifar10"), run.load("cifar10", train=False)
    if train_subset:
        train = train.subset(train_subset, seed=run.seed)
    if test_subset:
        test = test.subset(test_subset, seed=run.seed)
    return train, test


# ---------------------------------------------------------------- 5 runs of the default recipe

GRID_STORED = 32  # test images kept with the computation for the prediction grid (seeded order)


def _five_runs(run, recipe, runs, train_subset, test_subset, epochs):
    """The computation: ``runs`` seeds of ``recipe``, the first run's predictions, per-class
    accuracies and the test images the grid shows (as uint8, so it redraws without data)."""
    train, test = cifar10(run, train_subset, test_subset)
    recipe = recipes.get_recipe(recipe, epochs=epochs)
    load = os.getloadavg()[0]  # how busy the machine was: timings depend on it
    results, histories, first_model = [], [], None
    for k in range(runs):
        seed = run.seed + k
        model, h, info = recipes.run(recipe, train, test, seed)
        results.append(dict(info, seed=seed))
        histories.append(h)
        if first_model is None:
            first_model = model
    accs = [r["test_acc"] for r in results]
    pred = predict(first_model, test)
    per_class = [float((pred[test.labels == c] == c).float().mean()) for c in range(10)]
    order = np.argsort(per_class)
    shown = torch.randperm(len(test), generator=torch.Generator().manual_seed(run.seed))
    shown = shown[:GRID_STORED]
    return {
        "recipe": dict(recipe),
        "params": count_parameters(first_model),
        "n_train": len(train), "n_test": len(test), "data_note": train.note,
        "runs": results, "accs": accs, **_stats(accs),
        "seconds_max": max(r["seconds"] for r in results),
        "seconds_total": sum(r["seconds"] for r in results),
        # CPU seconds over threads: the wall time an idle machine would need.
        "quiet_seconds_max": max(r["cpu_seconds"] / r["threads"] for r in results),
        "load_average": load,
        "test_acc_by_epoch": [h.test_acc for h in histories],
        "train_acc_by_epoch": [h.train_acc for h in histories],
        "train_acc_final_mean": float(np.mean([h.train_acc[-1] for h in histories])),
        "classes": list(train.classes),
        "per_class": dict(zip(train.classes, per_class)),
        "worst_class": train.classes[order[0]], "worst_class_acc": per_class[order[0]],
        "best_class": train.classes[order[-1]], "best_class_acc": per_class[order[-1]],
        "grid": {"index": shown.numpy(), "images": test.images[shown].numpy(),
                 "label": test.labels[shown].numpy(), "pred": pred[shown].numpy()},
    }


GRID_ROWS, GRID_COLS = 4, 6  # 24 images at the page's width, labels at 9 pt


@figure("lab2_cifar10", chapter="ch10", data=("cifar10",), seed=0, threads=None,
        full={"recipe": "default", "runs": 5, "train_subset": None, "test_subset": None,
              "epochs": None},
        quick={"recipe": "quick", "runs": 2, "train_subset": 1000, "test_subset": 500,
               "epochs": 1})
def lab2_cifar10(ctx):
    r = ctx.compute(_five_runs, **ctx.params)
    numbers = {k: v for k, v in r.items() if k not in ("grid", "classes")}
    g = r["grid"]
    n = GRID_ROWS * GRID_COLS
    wrong = int((g["pred"][:n] != g["label"][:n]).sum())
    numbers["grid"] = {"shown": n, "wrong": wrong, "right": n - wrong, "seed": ctx.seed}
    numbers["layers"] = _layers(numbers["recipe"])
    for lang in LANGS:
        lo, hi = _runs_plot(ctx, lang, numbers)
        _curves_band(ctx, lang, numbers)
        _grid(ctx, lang, r["classes"], g, numbers["data_note"])
    numbers["runs_axis"] = {"from": lo, "to": hi}  # the caption states the dot plot's range
    return numbers


def _layers(recipe) -> dict:
    """The recipe's convolution and pooling sizes, read off a freshly built model (the page
    describes the network with them)."""
    model = recipes.build(recipe, (3, 32, 32), 10, seed=0)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    pools = [m for m in model.modules() if isinstance(m, torch.nn.MaxPool2d)]
    first = convs[0]
    return {"stages": len(convs), "kernel": first.kernel_size[0],
            "pool": pools[0].kernel_size, "channels": [c.out_channels for c in convs],
            # A whitened first layer: its principal directions and the numbers in a patch.
            "whitened": first.out_channels // 2 if getattr(model, "whiten", False) else 0,
            "patch_numbers": first.in_channels * first.kernel_size[0] ** 2,
            "whiten_eps": WHITEN_EPS}


def _runs_plot(ctx, lang, n):
    """Five dots and, under them, the mean with ± std and with its 95% interval: the axis
    spans only the runs' range (a dot plot, so it need not start at zero), and says so."""
    accs, runs = n["accs"], n["runs"]
    fig, ax = plt.subplots(figsize=(6.4, 3.3), layout="constrained")
    y = np.arange(len(accs))
    ax.plot(accs, y, "o", color=COLORS[0], ms=7)
    labels = [tr(lang, f"시드 {r['seed']}: {a:.2%}", f"seed {r['seed']}: {a:.2%}")
              for r, a in zip(runs, accs)]
    ax.axvline(n["mean"], color="0.6", lw=1, ls=":", zorder=0)
    rows = [(n["std"], 1.5, COLORS[1],
             tr(lang, f"평균 ± 표준편차: {n['mean']:.2%} ± {n['std']:.2%}",
                f"mean ± std: {n['mean']:.2%} ± {n['std']:.2%}"))]
    if len(accs) > 1:
        rows.append(((n["ci_high"] - n["ci_low"]) / 2, 3, COLORS[2],
                     tr(lang, f"평균의 95% 신뢰구간: [{n['ci_low']:.2%}, {n['ci_high']:.2%}]",
                        f"95% CI of the mean: [{n['ci_low']:.2%}, {n['ci_high']:.2%}]")))
    for i, (half, lw, color, label) in enumerate(rows):
        ax.errorbar(n["mean"], len(accs) + i, xerr=half, fmt="D", color=color, ms=6,
                    elinewidth=lw, capsize=5)
        labels.append(label)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.4, -0.6)  # seed 0 on top, the summaries below
    lo = min(min(accs), n["ci_low"] if len(accs) > 1 else n["mean"] - n["std"])
    hi = max(max(accs), n["ci_high"] if len(accs) > 1 else n["mean"] + n["std"])
    pad = max(0.002, (hi - lo) * 0.15)
    ax.set_xlim(lo - pad, hi + pad)
    ax.axhline(len(accs) - 0.5, color="0.75", lw=0.8)  # the runs above, their summary below
    ticks = MaxNLocator(6, steps=[1, 2, 5, 10])
    step = np.diff(ticks.tick_values(lo - pad, hi + pad))[0] * 100  # in points
    ax.xaxis.set_major_locator(ticks)  # as many decimals as the step needs: distinct labels
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=max(0, int(np.ceil(
        -np.log10(step) - 1e-9)))))
    ax.set_xlabel(tr(lang, "테스트 정확도 (가로축은 0에서 시작하지 않음)",
                     "test accuracy (the axis does not start at zero)")
                  + data_note(lang, n["data_note"]))
    ax.grid(axis="x", alpha=0.3)
    ctx.save(fig, lang, part="runs")
    return lo - pad, hi + pad


def _curves_band(ctx, lang, n):
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    for key, color, ko, en in (("train_acc_by_epoch", COLORS[0], "훈련 (증강된 배치)",
                                "train (augmented batches)"),
                               ("test_acc_by_epoch", COLORS[1], "테스트", "test")):
        m = np.array(n[key])
        ep = np.arange(1, m.shape[1] + 1)
        ax.plot(ep, m.mean(0), "-o", color=color, ms=4,
                label=tr(lang, f"{ko}: {len(m)}개 시드 평균", f"{en}: mean of {len(m)} seeds"))
        ax.fill_between(ep, m.min(0), m.max(0), color=color, alpha=0.2,
                        label=tr(lang, "최소–최대 범위", "min–max band"))
    ax.set_xlabel(tr(lang, "에폭", "epoch"))
    ax.set_ylabel(tr(lang, "정확도", "accuracy") + data_note(lang, n["data_note"]))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    legend_below(ax)
    ctx.save(fig, lang, part="curves")


def _grid(ctx, lang, classes, g, note):
    names = CLASSES_KO if lang == "ko" else classes
    fig, axes = plt.subplots(GRID_ROWS, GRID_COLS, figsize=(6.4, GRID_ROWS * 1.62),
                             layout="constrained")
    for ax, img, y, p in zip(axes.flat, g["images"], g["label"], g["pred"]):
        ax.imshow(np.transpose(img, (1, 2, 0)), interpolation="nearest")
        ok = bool(p == y)
        ax.set_title(names[int(p)] if ok else f"{names[int(p)]}\n({names[int(y)]})",
                     fontsize=9, color=COLORS[2] if ok else COLORS[1])
        ax.axis("off")
    fig.suptitle(tr(lang, "예측 (틀린 경우 괄호 안이 정답)",
                    "prediction (true class in brackets when wrong)")
                 + data_note(lang, note), fontsize=10)
    ctx.save(fig, lang, part="grid")


# ---------------------------------------------------------------- MNIST -> CIFAR-10


MODES = ("scratch", "finetune", "frozen", "random_frozen")  # what the computation runs
MODE_LABELS = {
    "scratch": ("처음부터 학습", "from scratch"),
    "finetune": ("전체 미세 조정", "fine-tune all layers"),
    "frozen": ("MNIST 특징 고정 + 새 헤드", "frozen MNIST features + new head"),
    "random_frozen": ("무작위 특징 고정 + 새 헤드", "frozen random features + new head"),
}


def _transfer_runs(run, pretrain_epochs, mnist_subset, cifar_subset, test_subset, epochs, runs):
    """The computation: the Lab 1 CNN trained on MNIST once, then ``runs`` seeds of each
    start on CIFAR-10 (accuracies, trainable parameters, curves)."""
    mnist_tr, mnist_te = run.load("mnist"), run.load("mnist", train=False)
    if mnist_subset:
        mnist_tr = mnist_tr.subset(mnist_subset, seed=run.seed)
    cifar_tr, cifar_te = cifar10(run, cifar_subset, test_subset)

    # The Lab 1 CNN with the Lab 1 recipe, trained on MNIST once.
    lab1 = recipes.get_recipe("cnn", epochs=pretrain_epochs)
    # Every start has the pretrained network's layout, in float32 like TransferNet.
    model_kwargs = dict(lab1["model_kwargs"], mixed_precision=False)
    width = model_kwargs["width"]
    pretrained, mh, _info = recipes.run(lab1, mnist_tr, mnist_te, run.seed)

    # The same recipe on CIFAR-10, plus flip-and-crop; only the starting weights differ.
    cifar_kw = dict(recipes.train_kwargs(lab1), epochs=epochs, augment=FlipCrop(4),
                    channels_last=True)
    results: dict[str, list] = {m: [] for m in MODES}
    trainable = {}
    for mode in MODES:
        for k in range(runs):
            seed = run.seed + k
            if mode == "scratch":
                torch.manual_seed(seed)
                model = build_model("cnn", (3, 32, 32), 10, **model_kwargs)
            elif mode == "random_frozen":
                torch.manual_seed(1000 + seed)
                model = transfer(build_model("cnn", (1, 28, 28), 10, **model_kwargs), "frozen",
                                 seed=seed)
            else:
                model = transfer(pretrained, mode, seed=seed)
            trainable[mode] = trainable_parameters(model)
            h = train_model(model, cifar_tr, cifar_te, seed=seed, **cifar_kw)
            results[mode].append({"seed": seed, "test_acc": h.test_acc[-1],
                                  "seconds": sum(h.seconds), "test_acc_by_epoch": h.test_acc})
    numbers = {
        "mnist_test_acc": mh.test_acc[-1], "pretrain_epochs": pretrain_epochs,
        "pretrain_seconds": sum(mh.seconds), "n_mnist": len(mnist_tr),
        "n_train": len(cifar_tr), "n_test": len(cifar_te), "epochs": epochs,
        "runs": runs, "width": width, "feature_dim": pretrained.feature_dim,
        "params": count_parameters(pretrained),
        "data_note": cifar_tr.note,
    }
    for mode, rs in results.items():
        accs = [r["test_acc"] for r in rs]
        numbers[mode] = {"accs": accs, **_stats(accs), "trainable": trainable[mode],
                         "seconds_mean": float(np.mean([r["seconds"] for r in rs])),
                         "test_acc_by_epoch": [r["test_acc_by_epoch"] for r in rs]}
    numbers["finetune_minus_scratch"] = numbers["finetune"]["mean"] - numbers["scratch"]["mean"]
    numbers["frozen_minus_random"] = numbers["frozen"]["mean"] - numbers["random_frozen"]["mean"]
    numbers["scratch_minus_frozen"] = numbers["scratch"]["mean"] - numbers["frozen"]["mean"]
    return numbers


@figure("lab2_finetune", chapter="ch10", data=("mnist", "cifar10"), seed=0, threads=None,
        full={"pretrain_epochs": 2, "mnist_subset": None, "cifar_subset": 10000,
              "test_subset": None, "epochs": 3, "runs": 5},
        quick={"pretrain_epochs": 1, "mnist_subset": 1000, "cifar_subset": 500,
               "test_subset": 500, "epochs": 1, "runs": 2})
def lab2_finetune(ctx):
    numbers = ctx.compute(_transfer_runs, **ctx.params)
    for lang in LANGS:
        _bars(ctx, lang, numbers)
        _transfer_curves(ctx, lang, numbers)
    return numbers


def _bars(ctx, lang, n):
    """Bars from zero (mean), std error bars and the runs as dots; the means are in the
    category labels, not over the data."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for i, mode in enumerate(MODES):
        r = n[mode]
        ax.bar(i, r["mean"], yerr=r["std"] if len(r["accs"]) > 1 else None, capsize=6,
               color=COLORS[i], alpha=0.75, width=0.6)
        jitter = np.linspace(-0.12, 0.12, len(r["accs"]))
        ax.scatter(i + jitter, r["accs"], color="black", s=12, zorder=3)
    ax.set_xticks(range(len(MODES)),
                  [tr(lang, *MODE_LABELS[m]).replace(" + ", "\n+ ") + f"\n{n[m]['mean']:.1%}"
                   for m in MODES], fontsize=8.5)
    ax.set_ylim(0, None)
    ax.set_ylabel(tr(lang, "테스트 정확도", "test accuracy") + data_note(lang, n["data_note"]))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(tr(lang, f"CIFAR-10 {n['n_train']:,}장, {n['epochs']}에폭, 시드 {n['runs']}개\n"
                          f"(막대: 평균, 오차 막대: 표준편차, 점: 각 실행)",
                    f"CIFAR-10, {n['n_train']:,} images, {n['epochs']} epochs, {n['runs']} seeds\n"
                    f"(bar: mean, error bar: std, dots: runs)"), fontsize=9)
    ctx.save(fig, lang, part="bars")


def _transfer_curves(ctx, lang, n):
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for i, mode in enumerate(MODES):
        m = np.array(n[mode]["test_acc_by_epoch"])
        ep = np.arange(1, m.shape[1] + 1)
        ax.plot(ep, m.mean(0), "-o", color=COLORS[i], ms=4, label=tr(lang, *MODE_LABELS[mode]))
        ax.fill_between(ep, m.min(0), m.max(0), color=COLORS[i], alpha=0.15)
    ax.set_xlabel(tr(lang, "CIFAR-10 에폭", "CIFAR-10 epoch"))
    ax.set_ylabel(tr(lang, "테스트 정확도", "test accuracy") + data_note(lang, n["data_note"]))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    legend_below(ax)
    ctx.save(fig, lang, part="curves")
