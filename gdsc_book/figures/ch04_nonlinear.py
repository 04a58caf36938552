"""Chapter 4 figures: hyperplanes, the perceptron on OR/XOR, an MLP on XOR, activations, manifolds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from gdsc_book import activations as A
from gdsc_book import manifold as M
from gdsc_book import perceptron as P
from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, legend_above, legend_below, panels, tr

CLASS_COLORS = [COLORS[0], COLORS[1], COLORS[2]]


def _mesh(lo, hi, n=300):
    u = np.linspace(lo, hi, n)
    xx, yy = np.meshgrid(u, u)
    return xx, yy, torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)


def _line(ax, w, b, lo, hi, **kw):
    """Draw ``w . x + b = 0`` inside the square ``[lo, hi]^2``."""
    u = np.linspace(lo, hi, 200)
    if abs(w[1]) > 1e-12:
        ax.plot(u, -(w[0] * u + b) / w[1], **kw)
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], **kw)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)


def _gate_points(ax, labels, lang):
    for cls, marker in ((0, "o"), (1, "s")):
        pts = P.INPUTS[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=160, marker=marker, color=CLASS_COLORS[cls],
                   edgecolor="black", zorder=5, label=tr(lang, f"출력 {cls}", f"output {cls}"))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")


@figure("ch04_hyperplanes", chapter="ch04", full={"n": 80, "steps": 300},
        quick={"n": 30, "steps": 100})
def hyperplanes(ctx):
    """A line separates two classes; three classes need several (softmax regression)."""
    x2, y2 = P.blobs([[-1.5, -1.0], [1.5, 1.0]], n_per_class=ctx["n"], spread=0.8, seed=ctx.seed)
    x3, y3 = P.blobs([[-2.0, -1.2], [2.0, -1.2], [0.0, 2.0]], n_per_class=ctx["n"], spread=0.8,
                     seed=ctx.seed + 1)
    m2 = P.linear_classifier(x2, y2, 2, steps=ctx["steps"], seed=ctx.seed)
    m3 = P.linear_classifier(x3, y3, 3, steps=ctx["steps"], seed=ctx.seed)
    with torch.no_grad():
        acc2 = (m2(x2).argmax(1) == y2).float().mean().item()
        acc3 = (m3(x3).argmax(1) == y3).float().mean().item()
    lo, hi = -4.5, 4.5
    xx, yy, pts = _mesh(lo, hi)
    with torch.no_grad():
        region3 = m3(pts).argmax(1).numpy().reshape(xx.shape)
        region2 = m2(pts).argmax(1).numpy().reshape(xx.shape)
    for lang in LANGS:
        fig, axes = panels(2, cols=2, height=3.6)
        for ax, x, y, region, model, k in ((axes[0], x2, y2, region2, m2, 2),
                                           (axes[1], x3, y3, region3, m3, 3)):
            ax.contourf(xx, yy, region, levels=np.arange(-0.5, k), alpha=0.15,
                        cmap=ListedColormap(CLASS_COLORS[:k]))
            for c in range(k):
                pts_c = x[y == c].numpy()
                ax.scatter(pts_c[:, 0], pts_c[:, 1], s=14, color=CLASS_COLORS[c],
                           label=tr(lang, f"클래스 {c}", f"class {c}"))
            for (i, j), (w, b) in P.pairwise_hyperplanes(model).items():
                _line(ax, w, b, lo, hi, color="black" if k == 2 else COLORS[3 + i + j],
                      lw=1.6, ls="-" if k == 2 else "--",
                      label=None if k == 2 else tr(lang, f"{i}·{j} 경계", f"{i} vs {j}"))
            ax.set_aspect("equal")
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        axes[0].set_title(tr(lang, "두 클래스: 초평면 하나\n$\\mathbf{w}^\\top\\mathbf{x}+b=0$",
                             "two classes: one hyperplane\n$\\mathbf{w}^\\top\\mathbf{x}+b=0$"),
                          fontsize=10)
        axes[1].set_title(tr(lang, "세 클래스: 클래스 쌍마다\n초평면 하나 (점선)",
                             "three classes: a hyperplane\nper pair (dashed)"), fontsize=10)
        legend_below(axes[1], ncol=3)  # the points fill both panels; one key for the two
        ctx.save(fig, lang)
    return {"acc_two": acc2, "acc_three": acc3, "pairs_three": 3}


@figure("ch04_perceptron", chapter="ch04", full={"epochs": 12}, quick={"epochs": 12})
def perceptron(ctx):
    """The perceptron rule converges on OR and cycles forever on XOR."""
    runs = {g: P.train_perceptron(P.INPUTS, P.TRUTH_TABLES[g], epochs=ctx["epochs"],
                                  stop_on_cycle=False) for g in ("OR", "XOR")}
    or_run, xor_run = runs["OR"], runs["XOR"]
    for lang in LANGS:
        fig = plt.figure(figsize=(6.4, 6.2), layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1])
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                fig.add_subplot(grid[1, :])]
        for ax, gate in zip(axes[:2], ("OR", "XOR")):
            run = runs[gate]
            hist = run.history
            for i, (w, b) in enumerate(hist[:-1]):
                _line(ax, w, b, -0.5, 1.5, color="gray", lw=0.8, alpha=0.25 + 0.5 * i / len(hist))
            w, b = hist[-1]
            xx, yy, pts = _mesh(-0.5, 1.5, 200)
            ax.contourf(xx, yy, run.predict(pts.numpy()).reshape(xx.shape), levels=[-0.5, 0.5, 1.5],
                        cmap=ListedColormap(CLASS_COLORS[:2]), alpha=0.15)
            _line(ax, w, b, -0.5, 1.5, color="black", lw=2,
                  label=tr(lang, "마지막 초평면", "last hyperplane"))
            _gate_points(ax, P.TRUTH_TABLES[gate], lang)
            ok = int((run.predict(P.INPUTS) == P.TRUTH_TABLES[gate]).sum())
            ax.set_title(tr(lang, f"{gate}: 네 점 중 {ok}개 정답", f"{gate}: {ok} of 4 correct"),
                         fontsize=10)
        legend_above(axes[0], ncol=3)  # the corners of the square hold the points
        ax = axes[2]
        ep = np.arange(1, ctx["epochs"] + 1)
        or_m = or_run.mistakes + [0] * (ctx["epochs"] - or_run.epochs)
        ax.plot(ep, or_m, "o-", label="OR", color=COLORS[0])
        ax.plot(ep, xor_run.mistakes, "s-", label="XOR", color=COLORS[1])
        ax.set_xlabel(tr(lang, "에폭", "epoch"))
        ax.set_ylabel(tr(lang, "에폭당 틀린 횟수", "mistakes per epoch"))
        ax.set_ylim(-0.2, 4.5)
        ax.set_title(tr(lang, "OR은 수렴, XOR은 같은 상태를 반복", "OR converges, XOR repeats itself"),
                     fontsize=10)
        ax.legend(loc="center right")  # between XOR's 4 and OR's 0 mistakes
        ctx.save(fig, lang)
    return {"or_epochs": or_run.epochs, "or_w": or_run.w, "or_b": or_run.b,
            "xor_cycle": xor_run.cycle,
            # mistakes in the epochs that repeat forever
            "xor_min_mistakes": min(xor_run.mistakes[-xor_run.cycle:]),
            "xor_epochs": xor_run.epochs}


def _xor_fits(run, steps, seeds):
    """The computation: XOR accuracy per activation and seed, and two fitted p(1 | x) maps."""
    accs = {act: [P.fit_xor_mlp(act, steps=steps, seed=s)[1] for s in range(seeds)]
            for act in ("identity", "relu", "tanh")}
    lin_model, _ = P.fit_xor_mlp("identity", steps=steps, seed=run.seed)
    relu_model, _ = P.fit_xor_mlp("relu", steps=steps, seed=run.seed)
    xx, _, pts = _mesh(-0.5, 1.5)
    with torch.no_grad():
        # p(output 1 | x): the affine network ends at the cross-entropy optimum, 1/2 everywhere
        probs = [torch.softmax(m(pts), 1)[:, 1].numpy().reshape(xx.shape)
                 for m in (lin_model, relu_model)]
    return {"accs": accs, "probs": probs}


@figure("ch04_xor_mlp", chapter="ch04", full={"steps": 500, "seeds": 5},
        quick={"steps": 300, "seeds": 2})
def xor_mlp(ctx):
    """Decision boundaries on XOR: an MLP without an activation, with ReLU, and its hidden space."""
    r = ctx.compute(_xor_fits, **ctx.params)
    accs, probs = r["accs"], r["probs"]
    x, y = P.xor_data()
    h = P.hidden_features(P.handmade_xor_net(), x).numpy()
    lo, hi = -0.5, 1.5
    xx, yy, _ = _mesh(lo, hi)
    spread = float(np.abs(probs[0] - 0.5).max())
    for lang in LANGS:
        fig = plt.figure(figsize=(6.4, 6.4), layout="constrained")
        grid = fig.add_gridspec(2, 2)
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                fig.add_subplot(grid[1, :])]
        titles = [tr(lang, "활성화 없음: 어디서나 $p \\approx 1/2$",
                     "no activation: $p \\approx 1/2$ everywhere"),
                  tr(lang, f"ReLU 은닉층: 정확도 {min(accs['relu']):.0%}",
                     f"ReLU hidden layer: accuracy {min(accs['relu']):.0%}")]
        for i, (ax, prob, title) in enumerate(zip(axes[:2], probs, titles)):
            im = ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 21), cmap="RdBu_r",
                             vmin=0, vmax=1, alpha=0.55)
            if i == 1:
                ax.contour(xx, yy, prob, levels=[0.5], colors="black", linewidths=1.5)
            _gate_points(ax, P.TRUTH_TABLES["XOR"], lang)
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.set_xticks([0, 0.5, 1])
            ax.set_yticks([0, 0.5, 1])
            ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=axes[1], fraction=0.05, pad=0.03, ticks=[0, 0.5, 1],
                     label=tr(lang, "$p$(출력 1)", "$p$(output 1)"))
        ax = axes[2]
        for cls, marker in ((0, "o"), (1, "s")):
            sel = y.numpy() == cls
            ax.scatter(h[sel, 0], h[sel, 1], s=160, marker=marker, color=CLASS_COLORS[cls],
                       edgecolor="black", zorder=5, label=tr(lang, f"출력 {cls}", f"output {cls}"))
        for (i, j), name in (((0, 0), "(0,0)"), ((1, 0), "(0,1), (1,0)"), ((2, 1), "(1,1)")):
            ax.annotate(name, (i, j), textcoords="offset points", xytext=(10, -14), fontsize=9)
        # the output unit h1 - 2 h2 crosses 1/2 on this line
        _line(ax, np.array([1.0, -2.0]), -0.5, -0.3, 2.4, color="black", lw=1.5,
              label="$h_1 - 2h_2 = 1/2$")
        ax.set_xlabel("$h_1 = \\mathrm{ReLU}(x_1 + x_2)$")
        ax.set_ylabel("$h_2 = \\mathrm{ReLU}(x_1 + x_2 - 1)$")
        ax.set_aspect("equal")
        ax.set_title(tr(lang, "은닉 공간에서는 직선 하나로 분리", "hidden space: one line separates"),
                     fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.04, 1.0))  # beside the square panel
        ctx.save(fig, lang)
    return {"acc_identity_max": max(accs["identity"]), "acc_relu_min": min(accs["relu"]),
            "identity_p_spread": spread,
            "acc_tanh_min": min(accs["tanh"]), "seeds": ctx["seeds"]}


@figure("ch04_activations", chapter="ch04")
def activations(ctx):
    """ReLU, sigmoid and tanh, and their derivatives."""
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64)
    names = {"relu": "ReLU", "sigmoid": "sigmoid $\\sigma$", "tanh": "tanh"}
    for lang in LANGS:
        fig, axes = panels(2, cols=1, height=2.6)
        for color, (key, (fn, grad)) in zip(COLORS, A.ACTIVATIONS.items()):
            axes[0].plot(x, fn(x), color=color, lw=2, label=names[key])
            axes[1].plot(x, grad(x), color=color, lw=2, label=names[key])
        axes[0].set_ylim(-1.2, 3)
        axes[0].set_title(tr(lang, "활성화 함수 $\\varphi(x)$", "activation $\\varphi(x)$"))
        axes[1].set_title(tr(lang, "도함수 $\\varphi'(x)$", "derivative $\\varphi'(x)$"))
        axes[1].annotate("$\\sigma'(0) = 1/4$", (0, 0.25), xytext=(1.3, 0.45),
                         arrowprops=dict(arrowstyle="->"))
        for ax in axes:
            ax.axhline(0, color="black", lw=0.6)
        axes[0].tick_params(labelbottom=False)
        axes[1].set_xlabel("$x$")
        legend_below(axes[0], ncol=3)
        ctx.save(fig, lang)
    return {"sigmoid_grad_max": A.sigmoid_grad(torch.zeros(1)).item(),
            "tanh_grad_max": A.tanh_grad(torch.zeros(1)).item()}


def _embeddings(run, n_roll, n_mnist, tsne_iter):
    """The computation: the swiss roll by PCA and Isomap, MNIST by t-SNE, and their scores."""
    x_roll, t_roll = M.swiss_roll(n_roll, seed=run.seed)
    iso, pca = M.isomap_2d(x_roll), M.pca_2d(x_roll)
    ds = run.load("mnist", train=False).subset(n_mnist, seed=run.seed)
    xm = ds.images.reshape(len(ds.labels), -1).numpy().astype(np.float64) / 255.0
    labels = ds.labels.numpy()
    emb = M.tsne_2d(xm, seed=run.seed, max_iter=tsne_iter)
    numbers = {
        "roll_dim": M.twonn_dimension(x_roll), "mnist_dim": M.twonn_dimension(xm),
        "mnist_ambient": xm.shape[1], "n_mnist": len(labels), "n_roll": len(t_roll),
        "isomap_score": M.unrolling_score(iso, t_roll), "pca_score": M.unrolling_score(pca, t_roll),
        "tsne_knn": M.knn_accuracy(emb, labels), "pca_knn": M.knn_accuracy(M.pca_2d(xm), labels),
    }
    return {"x_roll": x_roll, "t_roll": t_roll, "iso": iso, "pca": pca, "emb": emb,
            "labels": labels, "numbers": numbers}


@figure("ch04_manifold", chapter="ch04", data=("mnist",),
        full={"n_roll": 1500, "n_mnist": 1500, "tsne_iter": 1000},
        quick={"n_roll": 300, "n_mnist": 200, "tsne_iter": 250})
def manifold(ctx):
    """A swiss roll unrolled by Isomap, and MNIST digits embedded in 2-D by t-SNE."""
    r = ctx.compute(_embeddings, **ctx.params)
    x_roll, t_roll, iso, pca = r["x_roll"], r["t_roll"], r["iso"], r["pca"]
    emb, labels, numbers = r["emb"], r["labels"], r["numbers"]
    for lang in LANGS:
        fig, axes = panels(4, cols=2, height=3.1, projections={0: "3d"})
        ax = axes[0]
        ax.scatter(x_roll[:, 0], x_roll[:, 1], x_roll[:, 2], c=t_roll, s=4, cmap="viridis")
        ax.set_title(tr(lang, f"스위스 롤: 3차원 속 2차원 (TwoNN {numbers['roll_dim']:.1f})",
                        f"swiss roll: 2-D in 3-D (TwoNN {numbers['roll_dim']:.1f})"), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_zticks([])
        for i, (emb2, ko, en) in enumerate((
                (pca, "PCA (선형 사영): 겹친다", "PCA (linear): layers overlap"),
                (iso, "Isomap: 롤이 펴진다", "Isomap: the roll unrolled"))):
            ax = axes[1 + i]
            ax.scatter(emb2[:, 0], emb2[:, 1], c=t_roll, s=4, cmap="viridis")
            ax.set_title(tr(lang, ko, en), fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        ax = axes[3]
        for d in range(10):
            sel = labels == d
            ax.scatter(emb[sel, 0], emb[sel, 1], s=3, color=plt.cm.tab10(d), label=str(d))
            cx, cy = np.median(emb[sel], axis=0)
            ax.text(cx, cy, str(d), fontsize=12, fontweight="bold", ha="center", va="center")
        ax.set_title(tr(lang, f"MNIST {len(labels)}장: 784차원을 t-SNE로 2차원에",
                        f"{len(labels)} MNIST images: 784-D to 2-D by t-SNE"), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ctx.save(fig, lang)
    return numbers


def _cover(run, dims, ratios, trials):
    """The computation: the measured share of separable random labelings (one LP each)."""
    from gdsc_book import features as FT

    return {d: [FT.measured_separable_share(int(round(r * (d + 1))), d, trials, seed=run.seed + d)
                for r in ratios] for d in dims}


@figure("ch04_feature_map", chapter="ch04",
        full={"n": 200, "dims": [2, 5, 20], "ratios": [1, 1.5, 2, 2.5, 3, 4], "trials": 100},
        quick={"n": 100, "dims": [2, 5], "ratios": [1, 2, 3], "trials": 20})
def feature_map(ctx):
    """Rings no line separates become separable after phi(x) = (x1, x2, x1², x1x2, x2²);
    Cover's theorem counts how much more separable more dimensions make random labelings."""
    from gdsc_book import features as FT

    x, y = FT.rings(ctx["n"], noise=0.1, seed=ctx.seed)
    phi = FT.quadratic_features(x)
    plane_ok, lifted_ok = P.is_linearly_separable(x, y), P.is_linearly_separable(phi, y)
    r2 = 1.5 ** 2  # the circle halfway between the rings is the hyperplane u3 + u5 = r^2
    line_acc = float(np.mean((phi[:, 2] + phi[:, 4] > r2) == (y == 1)))
    measured = ctx.compute(_cover, dims=ctx["dims"], ratios=ctx["ratios"], trials=ctx["trials"])
    theory = {d: [FT.separable_share(n, d) for n in range(1, 4 * (d + 1) + 1)] for d in ctx["dims"]}
    for lang in LANGS:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.4, 3.4))
        for lab, c in ((0, CLASS_COLORS[0]), (1, CLASS_COLORS[1])):
            ax1.scatter(x[y == lab, 0], x[y == lab, 1], s=9, color=c)
            ax2.scatter(phi[y == lab, 2], phi[y == lab, 4], s=9, color=c)
        u = np.linspace(0, r2, 50)
        ax2.plot(u, r2 - u, color="black", lw=1.6)
        ax1.set_aspect("equal")
        ax1.set_xlabel("$x_1$")
        ax1.set_ylabel("$x_2$")
        ax1.set_title(tr(lang, "평면: 직선으로 못 가른다", "plane: no line separates"), fontsize=10)
        ax2.set_xlabel("$x_1^2$")
        ax2.set_ylabel("$x_2^2$")
        ax2.set_title(tr(lang, "$\\phi(\\mathbf{x})$의 두 좌표: 가른다", "two coordinates of $\\phi(\\mathbf{x})$"),
                      fontsize=10)
        fig.tight_layout()
        ctx.save(fig, lang)

        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        for c, d in zip(COLORS, ctx["dims"]):
            n = np.arange(1, 4 * (d + 1) + 1)
            ax.plot(n / (d + 1), theory[d], color=c, lw=1.6,
                    label=tr(lang, f"$d={d}$: 커버의 공식", f"$d={d}$: Cover's formula"))
            ax.plot(ctx["ratios"], measured[d], "o", color=c, ms=6,
                    label=tr(lang, f"$d={d}$: 무작위 레이블 측정", f"$d={d}$: random labels, measured"))
        ax.axvline(2, color="gray", ls=":", lw=1)
        ax.set_xlabel(tr(lang, "점의 수 / 파라미터 수 $N/(d+1)$", "points per parameter $N/(d+1)$"))
        ax.set_ylabel(tr(lang, "직선(초평면)으로 가를 수 있는 비율", "share separable by a hyperplane"))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=8.5, loc="upper right", ncol=1)
        ax.set_title(tr(lang, f"$\\mathbb{{R}}^d$의 점 $N$개, 레이블 {ctx['trials']}번씩 무작위로",
                        f"$N$ points in $\\mathbb{{R}}^d$, {ctx['trials']} random labelings each"),
                     fontsize=10)
        fig.tight_layout()
        ctx.save(fig, lang, part="cover")
    gaps = [abs(m - FT.separable_share(int(round(r * (d + 1))), d))
            for d in ctx["dims"] for r, m in zip(ctx["ratios"], measured[d])]
    return {"n": ctx["n"], "separable_in_plane": plane_ok, "separable_in_features": lifted_ok,
            "feature_dim": int(phi.shape[1]), "circle_line_accuracy": line_acc,
            "dims": ctx["dims"], "ratios": ctx["ratios"], "trials": ctx["trials"],
            "measured": {str(d): measured[d] for d in ctx["dims"]},
            "share_at_twice": {str(d): FT.separable_share(2 * (d + 1), d) for d in ctx["dims"]},
            "share_at_four": {str(d): FT.separable_share(4 * (d + 1), d) for d in ctx["dims"]},
            "max_gap": float(max(gaps))}
