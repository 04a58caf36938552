"""Chapter 3 figures: an MNIST batch, one-hot labels, softmax, the learned W, MSE vs CE."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from gdsc_book import losses as L
from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, legend_below, panels, tr

SLIDE_LABELS = (2, 9, 7, 6, 8, 0)  # the batch printed on the slide: tensor([2, 9, 7, 6, 8, 0])
# One optimizer setting for both losses: "same budget" means same data, epochs, batch size,
# optimizer and learning rate (SGD with momentum 0.9, lr 0.01 suits both here).
TRAIN = {"batch_size": 128, "optimizer": "sgd", "lr": 0.01, "momentum": 0.9}
# A "saturated" start: the default initial W scaled up 10×, so most softmax outputs are close
# to one-hot and mostly wrong. This is the flat region of the MSE surface.
SATURATED_SCALE = 10.0


def slide_batch(ds) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """The first training image of each of the slide's labels, in the slide's order."""
    idx = [int((ds.labels == c).nonzero()[0]) for c in SLIDE_LABELS]
    return ds.images[idx], ds.labels[idx], idx


def _softmax_run(run, loss: str, init_scale: float, n_train: int, epochs: int,
                 outputs: int = 0):
    """The computation: the slides' linear neural network trained on MNIST.

    Returns its weights, its history, its test accuracy before training and, with
    ``outputs``, its logits on the first test images (with the images and labels)."""
    from gdsc_book.models import SoftmaxRegression
    from gdsc_book.train import evaluate, train_model

    train = run.load("mnist", train=True).subset(n_train, seed=run.seed)
    test = run.load("mnist", train=False)
    torch.manual_seed(run.seed)
    model = SoftmaxRegression(in_shape=(1, 28, 28), num_classes=10)
    with torch.no_grad():
        model.linear.weight.mul_(init_scale)
    acc0 = evaluate(model, test)[1]  # epoch 0: before any training
    hist = train_model(model, train, test, epochs=epochs, loss=loss, seed=run.seed,
                       device="cpu", **TRAIN)
    out = {"weight": model.linear.weight.detach().numpy(), "history": hist.to_dict(),
           "acc0": acc0, "n_params": sum(p.numel() for p in model.parameters())}
    if outputs:
        model.eval()
        with torch.no_grad():
            out["logits"] = model(test.float_images()[:outputs])
        out["images"], out["labels"] = test.images[:outputs, 0].numpy(), test.labels[:outputs]
    return out


def _softmax_regression(ctx, loss: str, init_scale: float = 1.0, outputs: int = 0) -> dict:
    from gdsc_book.train import History

    r = ctx.compute(_softmax_run, loss=loss, init_scale=init_scale, n_train=ctx["n_train"],
                    epochs=ctx["epochs"], outputs=outputs)
    r["history"] = History.from_dict(r["history"])
    return r


@figure("ch03_mnist_batch", chapter="ch03", data=("mnist",), fmt="png")
def mnist_batch(ctx):
    """A 6-image batch with the slide's labels."""
    ds = ctx.load("mnist", train=True)
    x, y, idx = slide_batch(ds)
    for lang in LANGS:
        fig, axes = plt.subplots(1, 6, figsize=(7.2, 1.7))
        for ax, img, lab in zip(axes, x, y):
            ax.imshow(img[0].numpy(), cmap="gray_r")
            ax.set_title(tr(lang, f"레이블 {int(lab)}", f"label {int(lab)}"), fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.spines[:].set_visible(False)
        ctx.save(fig, lang)
    return {"shape": str(x.shape), "labels": y.tolist(), "indices": idx}


@figure("ch03_one_hot", chapter="ch03")
def one_hot_picture(ctx):
    """The slide's labels as one-hot rows: one 1 per row, in the column of the class."""
    y = torch.tensor(SLIDE_LABELS)
    oh = L.one_hot(y, 10).numpy()
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.0, 3.0))
        ax.imshow(oh, cmap="Blues", vmin=0, vmax=1.6, aspect="equal")
        for i in range(oh.shape[0]):
            for j in range(oh.shape[1]):
                ax.text(j, i, f"{int(oh[i, j])}", ha="center", va="center", fontsize=9,
                        color="white" if oh[i, j] else "#555555")
        ax.set_xticks(range(10))
        ax.set_yticks(range(len(y)), [str(int(v)) for v in y])
        ax.set_xlabel(tr(lang, "클래스 d", "class d"))
        ax.set_ylabel(tr(lang, "레이블", "label"))
        ax.grid(False)
        ax.spines[:].set_visible(False)
        ctx.save(fig, lang)
    return {"labels": list(SLIDE_LABELS), "row_sums": oh.sum(axis=1).tolist()}


_MNIST_BUDGET = {"full": {"n_train": 20000, "epochs": 5}, "quick": {"n_train": 2000, "epochs": 1}}


@figure("ch03_softmax_bars", chapter="ch03", data=("mnist",), full=_MNIST_BUDGET["full"],
        quick=_MNIST_BUDGET["quick"])
def softmax_bars(ctx):
    """One test image: the raw outputs Wx + b (any real number) and their softmax (a PMF)."""
    r = _softmax_regression(ctx, "ce", outputs=500)
    logits, labels, images = r["logits"], r["labels"], r["images"]
    probs = L.softmax(logits)
    # The first test image the model gets right without being sure (top probability < 0.9):
    # a near-certain example would show a single bar.
    unsure = ((probs.amax(1) < 0.9) & (probs.argmax(1) == labels)).nonzero()
    i = int(unsure[0]) if len(unsure) else 0
    z, p = logits[i], probs[i]
    digits = np.arange(10)
    for lang in LANGS:
        fig, (a0, a1, a2) = plt.subplots(1, 3, figsize=(10, 2.9),
                                         gridspec_kw={"width_ratios": [0.7, 1.3, 1.3]})
        a0.imshow(images[i], cmap="gray_r")
        a0.set_title(tr(lang, f"입력 x (레이블 {int(labels[i])})",
                        f"input x (label {int(labels[i])})"), fontsize=10)
        a0.axis("off")
        a1.bar(digits, z.numpy(), color=COLORS[0])
        a1.axhline(0, color="black", lw=0.8)
        a1.set_title(tr(lang, "출력 Wx + b: 범위가 없다", "outputs Wx + b: any real number"),
                     fontsize=10)
        a2.bar(digits, p.numpy(), color=COLORS[1])
        a2.set_ylim(0, 1)
        a2.set_title(tr(lang, "softmax: (0, 1) 사이, 합이 1", "softmax: in (0, 1), sums to 1"),
                     fontsize=10)
        for a in (a1, a2):
            a.set_xticks(digits)
            a.set_xlabel(tr(lang, "클래스 d", "class d"))
        ctx.save(fig, lang)
    return {"index": i, "label": int(labels[i]), "pred": int(p.argmax()), "logit_min": float(z.min()),
            "logit_max": float(z.max()), "p_max": float(p.max()), "p_sum": float(p.sum())}


@figure("ch03_weights", chapter="ch03", data=("mnist",), full=_MNIST_BUDGET["full"],
        quick=_MNIST_BUDGET["quick"], fmt="png")
def weights(ctx):
    """The ten rows of the learned W, each shown as a 28×28 image."""
    run = _softmax_regression(ctx, "ce")
    hist = run["history"]
    w = run["weight"].reshape(10, 28, 28)
    vmax = float(np.abs(w).max())
    for lang in LANGS:
        fig, axes = plt.subplots(2, 5, figsize=(8.0, 3.6))
        for d, ax in enumerate(axes.flat):
            im = ax.imshow(w[d], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(tr(lang, f"숫자 {d}", f"digit {d}"), fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.spines[:].set_visible(False)
        fig.colorbar(im, ax=axes, shrink=0.8, label=tr(lang, "가중치", "weight"))
        ctx.save(fig, lang)
    # The page reads W_0 as "blue centre, red ring": the hole and the stroke of a zero.
    r = np.hypot(*np.meshgrid(np.arange(28) - 13.5, np.arange(28) - 13.5, indexing="ij"))
    return {"zero_centre_mean": float(w[0][r < 3].mean()),
            "zero_ring_mean": float(w[0][(r >= 6) & (r <= 10)].mean()),
            "test_acc": hist.test_acc[-1], "train_acc": hist.train_acc[-1],
            "epochs": ctx["epochs"], "n_train": ctx["n_train"],
            "n_params": run["n_params"], **TRAIN}


@figure("ch03_ce_vs_mse", chapter="ch03", data=("mnist",), full=_MNIST_BUDGET["full"],
        quick=_MNIST_BUDGET["quick"])
def ce_vs_mse(ctx):
    """Softmax regression trained with cross-entropy and with MSE, same budget, two starts."""
    starts = {"default": 1.0, "saturated": SATURATED_SCALE}
    runs = {(start, loss): (lambda r: (r["history"], r["acc0"]))(
                _softmax_regression(ctx, loss, scale))
            for start, scale in starts.items() for loss in ("ce", "mse")}
    names = {"ce": ("교차 엔트로피", "cross-entropy"), "mse": ("MSE", "MSE")}
    titles = {"default": ("기본 초기화", "default initialization"),
              "saturated": (f"포화된 초기화 (W × {SATURATED_SCALE:g})",
                            f"saturated start (W × {SATURATED_SCALE:g})")}
    ep = np.arange(0, ctx["epochs"] + 1)
    for lang in LANGS:
        fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.5), sharey=True)
        for ax, start in zip(axes, starts):
            for loss, color in zip(("ce", "mse"), COLORS):
                h, acc0 = runs[(start, loss)]
                ax.plot(ep, 100 * np.array([acc0, *h.test_acc]), "o-", color=color,
                        label=tr(lang, *names[loss]))
            ax.set_title(tr(lang, *titles[start]), fontsize=10)
            ax.set_xlabel(tr(lang, "에폭", "epoch"))
            ax.set_xticks(ep)
            ax.legend()
        axes[0].set_ylabel(tr(lang, "테스트 정확도 (%)", "test accuracy (%)"))
        ctx.save(fig, lang)
    out = {"epochs": ctx["epochs"], "n_train": ctx["n_train"], "saturated_scale": SATURATED_SCALE,
           **TRAIN}
    for (start, loss), (h, acc0) in runs.items():
        out.setdefault(start, {})[loss] = {"test_acc": h.test_acc, "initial_test_acc": acc0,
                                           "final_test_acc": h.test_acc[-1],
                                           "train_loss": h.train_loss}
    for start in starts:
        out[start]["ce_minus_mse"] = (out[start]["ce"]["final_test_acc"]
                                      - out[start]["mse"]["final_test_acc"])
    return out


@figure("ch03_four_curves", chapter="ch03", full={"points": 1001}, quick={"points": 201})
def four_curves(ctx):
    """The slide's curves: f(x) = 3x − 2, squared error and log loss of σ(f(x)) for labels 0/1."""
    x = torch.linspace(-2.0, 3.0, ctx["points"], dtype=torch.float64)
    f = L.slide_linear(x)
    curves = {}
    for lab in (0, 1):
        curves[("sq", lab)] = (L.squared_error_sigmoid(x, lab),
                               L.second_derivative(lambda t, lab=lab: L.squared_error_sigmoid(t, lab), x))
        curves[("log", lab)] = (L.log_loss_sigmoid(x, lab),
                                L.second_derivative(lambda t, lab=lab: L.log_loss_sigmoid(t, lab), x))
    xs = x.numpy()
    for lang in LANGS:
        fig, axes = panels(3, cols=1, height=2.1)  # one x range: the panels read top to bottom
        axes[0].plot(xs, f.numpy(), color=COLORS[7], label="$f(x) = 3x - 2$")
        axes[0].plot(xs, L.sigmoid(f).numpy(), color=COLORS[0], label=r"$\sigma(f(x))$")
        axes[0].set_ylim(-3, 3)
        axes[0].set_title(tr(lang, "선형 함수와 시그모이드", "linear function and sigmoid"))
        axes[0].legend(loc="upper left")
        for k, (ax, title) in enumerate(((axes[1], tr(lang, "제곱 오차: 볼록하지 않다",
                                                        "squared error: not convex")),
                                         (axes[2], tr(lang, "로그 손실: 볼록하다",
                                                        "log loss: convex")))):
            kind = "sq" if k == 0 else "log"
            for lab, color in ((0, COLORS[1]), (1, COLORS[2])):
                val, d2 = curves[(kind, lab)]
                ax.plot(xs, val.numpy(), color=color,
                        label=tr(lang, f"레이블 {lab}", f"label {lab}"))
                if kind == "sq":  # shade where the curve bends down (second derivative < 0)
                    neg = (d2 < 0).numpy()
                    ax.fill_between(xs, 0, val.numpy(), where=neg, color=color, alpha=0.15,
                                    lw=0)
            ax.set_title(title)
        axes[1].set_ylim(0, 1.05)
        axes[2].set_ylim(0, 8)
        axes[2].set_xlabel("$x$")
        for ax in axes[:2]:
            ax.tick_params(labelbottom=False)
        legend_below(axes[2], ncol=2)  # the two lower panels' labels, under them
        ctx.save(fig, lang)
    out = {}
    for (kind, lab), (_, d2) in curves.items():
        name = f"{'squared_error' if kind == 'sq' else 'log_loss'}_label{lab}"
        concave = x[d2 < 0]
        out[name] = {"min_second_derivative": float(d2.min()),
                     "concave_from": float(concave.min()) if len(concave) else None,
                     "concave_to": float(concave.max()) if len(concave) else None}
    return out


@figure("ch03_loss_surface", chapter="ch03", full={"grid": 61, "hessian_grid": 25},
        quick={"grid": 25, "hessian_grid": 7})
def loss_surface(ctx):
    """MSE and log loss of a one-feature logistic model σ(w x + b) over (w, b)."""
    x, y = L.logistic_toy(n=40, seed=ctx.seed)
    g = torch.linspace(-8, 8, ctx["grid"], dtype=torch.float64)
    ww, bb = torch.meshgrid(g, g, indexing="ij")
    mse, ce = L.logistic_losses(ww, bb, x, y)
    hg = torch.linspace(-8, 8, ctx["hessian_grid"], dtype=torch.float64)
    hw, hb = torch.meshgrid(hg, hg, indexing="ij")
    eig_mse, eig_ce = L.hessian_min_eigenvalues(hw, hb, x, y)
    for lang in LANGS:
        fig = plt.figure(figsize=(10, 4.2))
        for k, (z, title) in enumerate(((mse, tr(lang, "MSE: 평평한 고원과 굽은 면",
                                                  "MSE: plateaus and bends")),
                                        (ce, tr(lang, "교차 엔트로피: 그릇 모양",
                                                "cross-entropy: a bowl")))):
            ax = fig.add_subplot(1, 2, k + 1, projection="3d")
            ax.plot_surface(ww.numpy(), bb.numpy(), z.numpy(), cmap="viridis", linewidth=0,
                            antialiased=False, rcount=ctx["grid"], ccount=ctx["grid"])
            ax.set_xlabel("$w$")
            ax.set_ylabel("$b$")
            ax.set_title(title, fontsize=10)
            ax.view_init(elev=28, azim=-125)
        ctx.save(fig, lang)
    return {"n": len(y), "grid": [-8, 8],
            "mse_min_hessian_eig": float(eig_mse.min()),
            "ce_min_hessian_eig": float(eig_ce.min()),
            "mse_nonconvex_fraction": float((eig_mse < 0).double().mean())}
