"""Chapter 4's playground: what the live demo computes, computed here (and printed).

The record of ``ch04_playground`` carries everything the page's demo needs from the package:
the training data, the controls' choices and defaults, and the measured outcome of each setup
the page suggests trying (``gdsc_book.playground.TRIES``). The figure is the static twin of the
demo, for print: the decision maps and loss curves of those runs.
"""

from __future__ import annotations

from dataclasses import asdict

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from gdsc_book import playground as PG
from gdsc_book.figures.registry import figure
from gdsc_book.style import COLORS, LANGS, log_ticks, tr

# The demo's colours (docs/stylesheets/playground.css, light theme): class 0 blue, class 1
# vermillion, as in chapter 4's other figures.
CLASS_COLORS = (COLORS[0], COLORS[1])
GRID = 120
MAPS = ("xor", "spirals_deep")  # the two runs whose decision maps are drawn
EVERY = 40  # the loss curves keep every 40th step (the numbers below use every step)


def _runs(run, steps):
    """Every suggested setup trained for ``steps`` steps: what the page quotes of each, its
    loss curve, and the p(class 1) maps of two of them."""
    out = {"numbers": {}, "curves": {}, "maps": {}}
    for name, setup in PG.TRIES.items():
        r = PG.train(setup, steps)
        out["numbers"][name] = {
            "setup": asdict(setup), "steps": steps, "first_perfect": r.first_perfect(),
            "best_accuracy": float(r.accuracies.max()),
            "final_accuracy": float(r.accuracies[-1]), "final_loss": float(r.losses[-1]),
            # a plateau at ln 2 (p = 1/2 everywhere) ends when the loss leaves it
            "below_0_6": _first(r.losses < 0.6)}
        out["curves"][name] = r.losses[::EVERY].astype(np.float32)
        if name in MAPS:
            lo, hi = PG.VIEWS[setup.dataset]
            u = np.linspace(lo, hi, GRID)
            xx, yy = np.meshgrid(u, u)
            prob = PG.probabilities(r.params, setup.activation, np.c_[xx.ravel(), yy.ravel()])
            out["maps"][name] = prob.reshape(GRID, GRID).astype(np.float32)
    return out


def _first(mask: np.ndarray):
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def _label(lang: str, s: PG.Setup) -> str:
    act = {"relu": "ReLU", "tanh": "tanh", "sigmoid": tr(lang, "시그모이드", "sigmoid")}
    return tr(lang, f"폭 {s.width}, 깊이 {s.depth}, {act[s.activation]}",
              f"width {s.width}, depth {s.depth}, {act[s.activation]}")


@figure("ch04_playground", chapter="ch04", full={"steps": 8000}, quick={"steps": 800})
def playground(ctx):
    """The demo's suggested runs: decision maps (top) and loss curves (bottom)."""
    steps = ctx["steps"]
    r = ctx.compute(_runs, steps=steps)
    cmap = LinearSegmentedColormap.from_list("classes", [CLASS_COLORS[0], "#ffffff",
                                                         CLASS_COLORS[1]])
    tries = r["numbers"]
    for lang in LANGS:
        fig, axes = plt.subplots(2, 2, figsize=(6.4, 7.0),
                                 gridspec_kw={"height_ratios": [1.2, 1]})
        for ax, name in zip(axes[0], MAPS):
            setup = PG.TRIES[name]
            x, y = PG.dataset(setup.dataset)
            lo, hi = PG.VIEWS[setup.dataset]
            ax.imshow(r["maps"][name], origin="lower", extent=(lo, hi, lo, hi), cmap=cmap,
                      vmin=0, vmax=1, alpha=0.6, interpolation="bilinear")
            for cls in (0, 1):
                ax.scatter(*x[y == cls].T, s=12, color=CLASS_COLORS[cls], edgecolor="white",
                           linewidth=0.5, zorder=3)
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.set_aspect("equal")
            ax.grid(False)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ticks = [0, 0.5, 1] if setup.dataset == "xor" else [-1, 0, 1]
            ax.set_xticks(ticks)
            ax.set_yticks(ticks)
            data = tr(lang, "XOR" if setup.dataset == "xor" else "두 나선",
                      "XOR" if setup.dataset == "xor" else "two spirals")
            perfect = tries[name]["first_perfect"]
            when = (tr(lang, f"{perfect}단계에 100%", f"100% at step {perfect}")
                    if perfect is not None else
                    tr(lang, f"{steps}단계: {tries[name]['final_accuracy']:.0%}",
                       f"step {steps}: {tries[name]['final_accuracy']:.0%}"))
            ax.set_title(f"{data}: {_label(lang, setup)}\n{when}", fontsize=9.5)
        for ax, names in zip(axes[1], (("xor", "xor_width1", "xor_relu", "xor_sigmoid", "xor_sigmoid_deep"),
                                       ("spirals", "spirals_deep"))):
            for i, name in enumerate(names):
                losses = r["curves"][name]
                ax.plot(EVERY * np.arange(len(losses)), losses, color=COLORS[i], lw=1.4,
                        label=_label(lang, PG.TRIES[name]))
            ax.set_yscale("log")
            log_ticks(ax)
            ax.set_xlabel(tr(lang, "단계", "step"))
            ax.set_ylabel(tr(lang, "훈련 손실", "training loss"))
            ax.set_title(tr(lang, "XOR", "XOR") if names[0] == "xor"
                         else tr(lang, "두 나선", "two spirals"), fontsize=9.5)
            # below the axes: the curves fill the panel from corner to corner
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), fontsize=8.3)
        fig.tight_layout(h_pad=1.6)
        ctx.save(fig, lang)
    return {
        "defaults": asdict(PG.Setup()),
        "controls": {"datasets": list(PG.DATASETS), "widths": list(PG.WIDTHS), "depths": list(PG.DEPTHS),
                     "rates": list(PG.RATES), "activations": list(PG.ACTIVATIONS),
                     "speeds": list(PG.SPEEDS), "max_steps": PG.MAX_STEPS},
        "data": {name: _data(name) for name in PG.DATASETS},
        "tries": tries,
        "ln2": float(np.log(2)),
    }


def _data(name: str) -> dict:
    x, y = PG.dataset(name)
    return {"x": x.ravel().tolist(), "y": y.tolist(), "view": list(PG.VIEWS[name])}
