"""Chapter 8 figure: loss landscapes of a shallow, a deep plain and a deep residual net.

The lecture's summary says deeper networks smooth the loss. Li et al. (2018) found the
opposite for depth alone: without skip connections the landscape grows rough as nets get
deeper, and skip connections keep it smooth. This figure repeats their experiment at a CPU
budget: MLPs with batch norm on CIFAR-10 images averaged down to 8x8, trained by SGD, each
sliced along two filter-normalised random directions (:mod:`gdsc_book.landscape`), and
summarised by how often the slice bends downwards.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm

from gdsc_book import landscape as ls
from gdsc_book.double_descent import small_split
from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, data_note, log_ticks, panels, tr
from gdsc_book.train import train_model


def _slices(run, n, size, width, nets, epochs, lr, weight_decay, points):
    """The computation: train each net on the same ``n`` images, then slice its training loss."""
    ds = run.load("cifar10", train=True)
    x, y = small_split(ds, n, size, seed=0)
    coords = np.linspace(-1.0, 1.0, points)
    out = {"coords": coords, "note": ds.note, "nets": []}
    for net in nets:
        torch.manual_seed(run.seed)
        model = ls.DeepMLP(x[0].numel(), width, net["layers"], net["skip"])
        train_model(model, (x, y), None, epochs=epochs, optimizer="sgd", lr=lr,
                        momentum=0.9, weight_decay=weight_decay, scheduler="cosine",
                        batch_size=128, seed=run.seed)
        g = torch.Generator().manual_seed(run.seed + 1)  # the same seed for every net
        directions = (ls.filter_normalized_direction(model, g),
                      ls.filter_normalized_direction(model, g))
        grid = ls.loss_slice(model, x, y, directions, coords)  # leaves the model in eval mode
        with torch.no_grad():
            acc = float((model(x).argmax(1) == y).float().mean())
        out["nets"].append({"grid": grid, "train_acc": acc})
    return out


def _summary(grid: np.ndarray) -> dict:
    c = len(grid) // 2
    border = np.concatenate([grid[0], grid[-1], grid[1:-1, 0], grid[1:-1, -1]])
    return {"centre_loss": float(grid[c, c]), "edge_loss": float(border.mean()),
            "max_loss": float(grid.max()), "local_minima": ls.local_minima(grid),
            "lowest_at_centre": bool(np.argmin(grid) == c * grid.shape[1] + c),
            "nonconvex_fraction": ls.nonconvex_fraction(grid),
            "mean_abs_second_difference": float(np.abs(ls.second_differences(grid)).mean())}


def _name(lang, net):
    kind = (tr(lang, "스킵 연결", "skip connections") if net["skip"]
            else tr(lang, "스킵 연결 없음", "no skip connections"))
    return tr(lang, f"{net['layers']}층, {kind}", f"{net['layers']} layers, {kind}")


@figure("ch08_landscape", chapter="ch08", data=("cifar10",),
        full={"n": 2000, "size": 8, "width": 64, "epochs": 80, "lr": 0.05,
              "weight_decay": 5e-4, "points": 25,
              "nets": [{"layers": 2, "skip": False}, {"layers": 20, "skip": False},
                       {"layers": 20, "skip": True}]},
        quick={"n": 256, "size": 8, "width": 16, "epochs": 2, "lr": 0.05,
               "weight_decay": 5e-4, "points": 7,
               "nets": [{"layers": 2, "skip": False}, {"layers": 4, "skip": False},
                        {"layers": 4, "skip": True}]})
def landscape_figure(ctx):
    """Contours of each net's training loss on one filter-normalised 2-D slice, one colour
    scale for all, and the slices' middle rows side by side."""
    r = ctx.compute(_slices, **ctx.params)
    coords, nets = r["coords"], ctx["nets"]
    grids = [np.asarray(m["grid"]) for m in r["nets"]]
    low = min(g.min() for g in grids)
    # One logarithmic colour scale for every panel, from the lowest loss to 100 (higher: the
    # top colour), so equal colours are equal losses.
    levels = np.geomspace(max(low, 1e-3) * 0.999, 100.0, 21)
    norm = LogNorm(levels[0], levels[-1])
    mid = len(coords) // 2
    for lang in LANGS:
        fig, axes = panels(4, cols=2, height=2.95)
        for k, (ax, net, g) in enumerate(zip(axes, nets, grids)):
            ax.contourf(coords, coords, np.clip(g, None, levels[-1]), levels=levels,
                        norm=norm, cmap="viridis", extend="max")
            ax.contour(coords, coords, g, levels=levels[::4], colors="white", linewidths=0.5)
            bent = ls.nonconvex_points(g)  # where the slice bends down: small dark dots
            bb, aa = np.nonzero(bent)
            ax.plot(coords[1:-1][aa], coords[1:-1][bb], ".", color="#222222", ms=2.5)
            ax.plot(0, 0, "+", color="white", ms=9, mew=1.5)
            ax.set_title(_name(lang, net), fontsize=9.5)
            ax.set_aspect("equal")
            ax.grid(False)
            ax.set_xlabel(r"$a$")
            ax.set_ylabel(r"$b$")
            axes[3].plot(coords, g[mid], "o-", ms=3, color=COLORS[k], label=_name(lang, net))
        axes[3].set_yscale("log")
        log_ticks(axes[3], "y")
        axes[3].set_xlabel(r"$a$ ($b = 0$)")
        axes[3].set_ylabel(tr(lang, "훈련 손실", "training loss"))
        axes[3].legend(loc="upper center", fontsize=8.5)
        axes[3].set_ylim(top=axes[3].get_ylim()[1] * 30)  # room for the key above the curves
        # The key is the continuous log scale the bands are cut from (20 bands).
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=axes[:3],
                           location="bottom", shrink=0.7, aspect=40, extend="max")
        bar.set_label(tr(lang, "훈련 손실 (교차 엔트로피, 로그 눈금)",
                         "training loss (cross-entropy, log scale)") + data_note(lang, r["note"]))
        log_ticks(bar.ax, "x")
        ctx.save(fig, lang)
    out = {"n_train": ctx["n"], "image_size": ctx["size"], "width": ctx["width"],
           "epochs": ctx["epochs"], "lr": ctx["lr"], "weight_decay": ctx["weight_decay"],
           "points": ctx["points"], "span": float(coords[-1])}
    for key, net, m, g in zip(("shallow", "plain", "residual"), nets, r["nets"], grids):
        out[key] = {"layers": net["layers"], "skip": net["skip"],
                    "train_acc": float(m["train_acc"]), **_summary(g)}
    return out
