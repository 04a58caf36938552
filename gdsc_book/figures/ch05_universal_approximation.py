"""Chapter 5 figures: how a ReLU network approximates (pieces, width, depth, folding)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from gdsc_book import approximation as AP
from gdsc_book.figures.registry import figure
from gdsc_book.perceptron import fit_full_batch
from gdsc_book.style import COLORS, LANGS, log_ticks, tr


def _target_line(ax, lang, x):
    ax.plot(x, AP.target(x), color="black", lw=2.2, alpha=0.35,
            label=tr(lang, "목표 함수 $f$", "target $f$"))


def _pieces(run, width, steps):
    """The computation: a trained width-``width`` net's folds, pieces, output and kinks."""
    model = AP.fit_relu_net(width, steps=steps, seed=run.seed)
    x = AP.grid(801)
    lin = model.body[1]
    with torch.no_grad():
        folds = torch.relu(lin(x)).numpy()
        out = model(x)[:, 0].numpy()
    contrib, bias = AP.unit_pieces(model, x)
    kinks = -(lin.bias / lin.weight[:, 0]).detach().numpy()
    return {"x": x[:, 0].numpy(), "folds": folds, "out": out, "contrib": contrib.numpy(),
            "bias": bias, "inside": np.sort(kinks[(kinks > -1) & (kinks < 1)]),
            "max_error": AP.max_error(model)}


@figure("ch05_pieces", chapter="ch05", full={"width": 16, "steps": 2000},
        quick={"width": 16, "steps": 300})
def pieces(ctx):
    """The first layer's folds, the scaled pieces, and their sum: a width-16 ReLU net."""
    r = ctx.compute(_pieces, width=ctx["width"], steps=ctx["steps"])
    folds, out, contrib, bias, inside, xs = (r[k] for k in ("folds", "out", "contrib", "bias",
                                                            "inside", "x"))
    for lang in LANGS:
        fig, axes = plt.subplots(3, 1, figsize=(6.4, 7.6), sharex=True, layout="constrained")
        for i in range(folds.shape[1]):
            c = COLORS[i % len(COLORS)]
            axes[0].plot(xs, folds[:, i], color=c, lw=1.5)
            axes[1].plot(xs, contrib[:, i], color=c, lw=1.5)
        axes[0].set_title(tr(lang, "① 첫 층: $\\mathrm{ReLU}(w_i x + b_i)$, 유닛마다 꺾인 점 하나",
                             "① first layer: $\\mathrm{ReLU}(w_i x + b_i)$, one fold per unit"),
                          fontsize=10)
        axes[1].set_title(tr(lang, "② 출력 가중치를 곱한 조각 $c_i\\,\\mathrm{ReLU}(\\cdot)$",
                             "② pieces scaled by the output weights $c_i$"), fontsize=10)
        _target_line(axes[2], lang, xs)
        axes[2].plot(xs, out, color=COLORS[0], lw=1.8,
                     label=tr(lang, "조각의 합 + 편향", "sum of pieces + bias"))
        for k in inside:
            for ax in axes:
                ax.axvline(k, color="gray", lw=0.7, ls=":")
        axes[2].set_title(tr(lang, "③ 선형 결합 = 조각별 선형 근사", "③ linear combination"),
                          fontsize=10)
        axes[2].legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes[2].set_xlabel("$x$")
        ctx.save(fig, lang)
    return {"width": ctx["width"], "kinks_inside": len(inside), "pieces": len(inside) + 1,
            "max_error": r["max_error"], "bias": bias}


def _width_sweep(run, widths, steps, shown, random_seeds, depths, depth_width):
    """The computation: trained and hand-built nets per width, and their linear pieces."""
    trained = dict(zip(widths, AP.fit_relu_nets(widths, steps=steps, seed=run.seed)))
    x = AP.grid(1001)
    with torch.no_grad():
        fits = {k: trained[k](x)[:, 0].numpy() for k in shown}
    return {
        "x": x[:, 0].numpy(), "fits": fits,
        "err_trained": [AP.max_error(trained[k]) for k in widths],
        "err_built": [AP.max_error(AP.interpolant_net(k)) for k in widths],
        "pieces_trained": [AP.count_pieces_1d(trained[k]) for k in widths],
        "pieces_random": [float(np.mean(AP.random_pieces(k, 1, random_seeds))) for k in widths],
        "depth_random": [float(np.mean(AP.random_pieces(depth_width, d, random_seeds)))
                         for d in depths],
        "sawtooth": [AP.count_pieces_1d(AP.sawtooth_net(d), 0.0, 1.0) for d in depths],
    }


@figure("ch05_width", chapter="ch05",
        full={"widths": [2, 4, 8, 16, 32, 64, 128, 256], "steps": 2000, "shown": [2, 8, 32, 256],
              "random_seeds": 20, "depths": [1, 2, 3, 4, 5, 6], "depth_width": 8},
        quick={"widths": [2, 8, 32], "steps": 300, "shown": [2, 8, 32], "random_seeds": 3,
               "depths": [1, 2, 3], "depth_width": 8})
def width_sweep(ctx):
    """One-hidden-layer ReLU nets of growing width: fits, max error, and linear pieces."""
    r = ctx.compute(_width_sweep, **ctx.params)
    widths, depths, dw = ctx["widths"], ctx["depths"], ctx["depth_width"]
    err_trained, err_built = r["err_trained"], r["err_built"]
    pieces_trained, pieces_random = r["pieces_trained"], r["pieces_random"]
    depth_random, sawtooth = r["depth_random"], r["sawtooth"]
    xs = r["x"]
    for lang in LANGS:
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 7.6), layout="constrained")
        _target_line(axes[0], lang, xs)
        for c, k in zip(COLORS, ctx["shown"]):
            axes[0].plot(xs, r["fits"][k], color=c, lw=1.4,
                         label=tr(lang, f"폭 {k}", f"width {k}"))
        axes[0].set_xlabel("$x$")
        axes[0].legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        axes[0].set_title(tr(lang, "은닉층 하나인 ReLU 신경망 (Adam으로 학습)",
                             "one-hidden-layer ReLU nets (trained with Adam)"))
        ax = axes[1]
        ax.loglog(widths, err_trained, "o-", color=COLORS[0],
                  label=tr(lang, "학습한 신경망", "trained network"))
        ax.loglog(widths, err_built, "s-", color=COLORS[1],
                  label=tr(lang, "손으로 만든 신경망 (보간)", "network built by hand (interpolant)"))
        ref = np.array(widths, dtype=float)
        ax.loglog(ref, (2 / ref) ** 2 * (2 * math.pi) ** 2 / 8, "--", color="gray",
                  label=tr(lang, "이론 상한 $h^2 \\max|f''|/8$", "bound $h^2 \\max|f''|/8$"))
        ax.set_xlabel(tr(lang, "은닉 유닛 수 (폭)", "hidden units (width)"))
        ax.set_ylabel(tr(lang, "최대 오차 $\\sup|f - g|$", "max error $\\sup|f - g|$"))
        ax.set_xticks(widths)
        ax.set_xticklabels([str(k) for k in widths])
        ax.minorticks_off()
        ax.legend(fontsize=9, loc="lower left")  # errors fall to the right: that corner is free
        log_ticks(ax, "y")
        ax.set_title(tr(lang, "폭이 늘수록 오차가 준다", "wider, closer"))
        ctx.save(fig, lang)

        fig, axes = plt.subplots(2, 1, figsize=(6.4, 7.6), layout="constrained")
        ax = axes[0]
        ax.loglog(widths, [k + 1 for k in widths], "k--", label=tr(lang, "상한 $k+1$", "bound $k+1$"))
        ax.loglog(widths, pieces_trained, "o-", color=COLORS[0],
                  label=tr(lang, "학습 후", "after training"))
        ax.loglog(widths, pieces_random, "s-", color=COLORS[1],
                  label=tr(lang, "무작위 초기화 (평균)", "random init (mean)"))
        ax.set_xticks(widths)
        ax.set_xticklabels([str(k) for k in widths])
        ax.minorticks_off()
        ax.set_xlabel(tr(lang, "폭 $k$ (은닉층 1개)", "width $k$ (one hidden layer)"))
        ax.set_ylabel(tr(lang, "$[-1, 1]$ 위의 선형 조각 수", "linear pieces on $[-1, 1]$"))
        ax.legend(fontsize=9, loc="upper left")
        log_ticks(ax, "y")
        ax.set_title(tr(lang, "폭에 따른 선형 영역", "linear regions vs width"))
        ax = axes[1]
        ax.semilogy(depths, [(dw + 1) ** d for d in depths], "k--",
                    label=tr(lang, f"상한 $(k+1)^L$, 폭 {dw}", f"bound $(k+1)^L$, width {dw}"))
        ax.semilogy(depths, sawtooth, "o-", color=COLORS[2],
                    label=tr(lang, "톱니 신경망: 층마다 유닛 2개, $2^L$", "sawtooth: 2 units per layer, $2^L$"))
        ax.semilogy(depths, depth_random, "s-", color=COLORS[1],
                    label=tr(lang, f"무작위 초기화, 폭 {dw} (평균)", f"random init, width {dw} (mean)"))
        ax.set_xlabel(tr(lang, "은닉층 수 $L$", "hidden layers $L$"))
        ax.set_ylabel(tr(lang, "선형 조각 수", "linear pieces"))
        ax.legend(fontsize=9, loc="upper left")
        log_ticks(ax, "y")
        ax.set_title(tr(lang, "깊이에 따른 선형 영역", "linear regions vs depth"))
        ctx.save(fig, lang, part="regions")
    return {"widths": widths, "err_trained": err_trained, "err_built": err_built,
            "err_bound": [AP.interpolation_bound(k) for k in widths],
            "pieces_trained": pieces_trained, "pieces_random": pieces_random,
            "depths": depths, "depth_width": dw, "depth_random": depth_random,
            "sawtooth": sawtooth}


def _folding(run, n):
    """The computation: quadrants, folded points, and each folding net's regions and sides."""
    u = torch.linspace(-1 + 1e-4, 1 - 1.7e-4, n)  # off the fold lines
    xx, yy = torch.meshgrid(u, u, indexing="xy")
    x = torch.stack([xx.ravel(), yy.ravel()], 1)
    quadrant = ((x[:, 0] > 0).int() + 2 * (x[:, 1] > 0).int()).numpy().reshape(n, n)
    folded = AP.fold(x, (0.0, 0.0))
    coarse = torch.stack(torch.meshgrid(torch.linspace(-0.95, 0.95, 14),
                                        torch.linspace(-0.95, 0.95, 14), indexing="xy"), -1)
    coarse = coarse.reshape(-1, 2)
    q_coarse = ((coarse[:, 0] > 0).int() + 2 * (coarse[:, 1] > 0).int()).numpy()
    f_coarse = AP.fold(coarse, (0.0, 0.0)).numpy()
    regions, sides = {}, {}
    for depth in (1, 2, 3):
        net = AP.folding_net(depth)
        regions[depth] = int(AP.activation_patterns(net, x).max().item()) + 1
        with torch.no_grad():
            sides[depth] = (net(x)[:, 0] > 0).numpy().reshape(n, n)
    del folded
    return {"quadrant": quadrant, "coarse": coarse.numpy(), "q_coarse": q_coarse,
            "f_coarse": f_coarse, "regions": regions, "sides": sides}


@figure("ch05_folding", chapter="ch05", full={"n": 600}, quick={"n": 200})
def folding(ctx):
    """Folding the plane with ReLUs: one line drawn after L folds appears 4^L times."""
    r = ctx.compute(_folding, n=ctx["n"])
    quadrant, coarse, q_coarse, f_coarse = (r[k] for k in ("quadrant", "coarse", "q_coarse",
                                                           "f_coarse"))
    regions, sides = r["regions"], r["sides"]
    quad_cmap = ListedColormap(COLORS[:4])
    side_cmap = ListedColormap(["#ffffff", COLORS[0]])
    for lang in LANGS:
        # Two rows: the fold itself (input, folded), then the line after 1, 2, 3 folds.
        fig = plt.figure(figsize=(6.6, 5.6), layout="constrained")
        gs = fig.add_gridspec(2, 6)
        axes = [fig.add_subplot(gs[0, 0:3]), fig.add_subplot(gs[0, 3:6])]
        axes += [fig.add_subplot(gs[1, 2 * i:2 * i + 2]) for i in range(3)]
        ax = axes[0]
        ax.imshow(quadrant, extent=(-1, 1, -1, 1), origin="lower", cmap=quad_cmap, alpha=0.25)
        ax.scatter(coarse[:, 0], coarse[:, 1], c=q_coarse, cmap=quad_cmap, s=10)
        ax.axhline(0, color="black", lw=1.5)
        ax.axvline(0, color="black", lw=1.5)
        ax.set_title(tr(lang, "① 입력 평면과 접는 선", "① input plane and fold lines"), fontsize=10)
        ax = axes[1]
        # the four quadrants land on one another: draw them slightly offset to see all four
        for q in range(4):
            sel = q_coarse == q
            off = 0.012 * np.array([(q % 2) - 0.5, (q // 2) - 0.5])
            ax.scatter(f_coarse[sel, 0] + off[0], f_coarse[sel, 1] + off[1], s=10,
                       color=COLORS[q])
        v = np.linspace(0, 1, 50)
        ax.plot(v, (1.2 - v) / 2, color="black", lw=2)
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(tr(lang, "② $|x|$로 접으면 사분면이 포개진다;\n그 위에 직선 하나",
                        "② folded by $|x|$: quadrants coincide;\none line drawn there"),
                     fontsize=10)
        for ax, depth in zip(axes[2:], (1, 2, 3)):
            ax.imshow(sides[depth], extent=(-1, 1, -1, 1), origin="lower", cmap=side_cmap,
                      alpha=0.8)
            ax.set_title(tr(lang, f"③ {depth}번 접기:\n영역 {regions[depth]}개마다 같은 직선",
                            f"③ {depth} fold{'s' if depth > 1 else ''}: the line\nin each of "
                            f"{regions[depth]} regions"), fontsize=10)
        for ax in axes:
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
        ctx.save(fig, lang)
    return {"regions": [regions[d] for d in (1, 2, 3)],
            "units": [4 * d for d in (1, 2, 3)]}


def _deep_narrow(run, depths, widths, seeds, steps):
    """The computation: the best max error over seeds, per width and depth."""
    errors: dict[int, list[float]] = {}
    for w in widths:
        errors[w] = [min(AP.max_error(AP.fit_relu_net(w, d, steps=steps, seed=s))
                         for s in range(seeds)) for d in depths]
    return {"errors": errors, "floor": AP.monotone_floor()}


@figure("ch05_deep_narrow", chapter="ch05",
        full={"depths": [1, 2, 4, 8], "widths": [1, 4], "seeds": 2, "steps": 1500},
        quick={"depths": [1, 2], "widths": [1, 4], "seeds": 1, "steps": 200})
def deep_narrow(ctx):
    """Max error vs depth for width d = 1 (too narrow) and width d + m + 2 = 4 (Kidger & Lyons).

    Training deep narrow ReLU nets is hard (units die, fits stall), so each point is the best
    of a few seeds: the question here is what the architecture can reach, not how reliably.
    """
    r = ctx.compute(_deep_narrow, **ctx.params)
    errors, floor = r["errors"], r["floor"]
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
        for c, w in zip((COLORS[1], COLORS[0]), ctx["widths"]):
            name = {1: tr(lang, "폭 1 = d (너무 좁음)", "width 1 = d (too narrow)"),
                    4: tr(lang, "폭 4 = d + m + 2", "width 4 = d + m + 2")}.get(w, f"width {w}")
            ax.plot(ctx["depths"], errors[w], "o-", color=c, label=name)
        ax.axhline(floor, color="gray", ls="--",
                   label=tr(lang, "단조 함수의 오차 하한", "lower bound for any monotone function"))
        ax.set_xlabel(tr(lang, "은닉층 수", "hidden layers"))
        ax.set_ylabel(tr(lang, "최대 오차 (시드 중 최선)", "max error (best seed)"))
        # A linear error axis: every error lies within a factor of 1.5 (a log axis would
        # label one tick).
        ax.set_xticks(ctx["depths"])
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
        ax.set_title(tr(lang, "깊고 좁은 신경망 ($d = D = 1$)", "deep narrow networks ($d = D = 1$)"))
        ctx.save(fig, lang)
    return {"depths": ctx["depths"], "errors": {str(w): e for w, e in errors.items()},
            "best": {str(w): min(e) for w, e in errors.items()},
            "best_depth": {str(w): ctx["depths"][int(np.argmin(e))] for w, e in errors.items()},
            "monotone_floor": floor}


def _noise_fit(run, n, steps, noise):
    """The computation: a width-256 net fitted to ``n`` noisy samples, and its errors."""
    g = torch.Generator().manual_seed(run.seed)
    x = torch.rand(n, 1, generator=g) * 2 - 1
    y = AP.target(x) + noise * torch.randn(n, 1, generator=g)
    x_new = torch.rand(1000, 1, generator=g) * 2 - 1
    y_new = AP.target(x_new) + noise * torch.randn(1000, 1, generator=g)
    torch.manual_seed(run.seed)
    model = AP.relu_net(256)
    fit_full_batch(model, x, y, steps=steps, lr=0.01, loss="mse", cosine=True)
    with torch.no_grad():
        return {"x": x, "y": y, "fit": model(AP.grid(801))[:, 0],
                "train_mse": torch.mean((model(x) - y) ** 2).item(),
                "test_mse": torch.mean((model(x_new) - y_new) ** 2).item()}


@figure("ch05_generalization", chapter="ch05", full={"n": 12, "steps": 2000, "noise": 0.3},
        quick={"n": 12, "steps": 300, "noise": 0.3})
def generalization(ctx):
    """Expressive enough to fit noise: a wide net through 12 noisy samples."""
    r = ctx.compute(_noise_fit, n=ctx["n"], steps=ctx["steps"], noise=ctx["noise"])
    x, y, train_mse, test_mse = r["x"], r["y"], r["train_mse"], r["test_mse"]
    xs = AP.grid(801)
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        _target_line(ax, lang, xs[:, 0].numpy())
        ax.scatter(x[:, 0], y[:, 0], color=COLORS[1], zorder=5,
                   label=tr(lang, f"잡음 섞인 훈련 샘플 {ctx['n']}개", f"{ctx['n']} noisy samples"))
        ax.plot(xs[:, 0], r["fit"], color=COLORS[0], lw=1.8,
                label=tr(lang, "폭 256 신경망", "width-256 network"))
        ax.set_xlabel("$x$")
        ax.legend(fontsize=8.5)
        ax.set_title(tr(lang, f"훈련 MSE {train_mse:.3f}, 새 데이터 MSE {test_mse:.3f}",
                        f"train MSE {train_mse:.3f}, new-data MSE {test_mse:.3f}"))
        fig.tight_layout()
        ctx.save(fig, lang)
    return {"train_mse": train_mse, "test_mse": test_mse, "noise_mse": ctx["noise"] ** 2,
            "n": ctx["n"]}


@figure("ch05_deep_narrow_built", chapter="ch05",
        full={"relu_depths": [1, 2, 4, 8, 16, 32, 64], "square_depths": [2, 4, 8, 12, 16, 20, 24]},
        quick={"relu_depths": [1, 4, 16], "square_depths": [2, 8, 16]})
def deep_narrow_built(ctx):
    """Width 4 = d + m + 2, depth growing: two hand-built networks whose error goes to 0.

    ReLU: the interpolant built layer by layer (error ~ 1/depth^2). sigma(t) = t^2, a
    polynomial: Horner's rule, one step per layer, on the Chebyshev interpolant. One hidden
    layer of squares is a quadratic at any width; width-1 ReLU nets are monotone at any depth.
    """
    relu_d, sq_d = ctx["relu_depths"], ctx["square_depths"]
    relu_err = [AP.max_error(AP.narrow_relu_interpolant(d)) for d in relu_d]
    relu_bound = [AP.interpolation_bound(2 * d + 1) for d in relu_d]
    sq_err = [AP.max_error(AP.square_horner_net(AP.chebyshev_coefficients(d))) for d in sq_d]
    mono, quad = AP.monotone_floor(), AP.best_quadratic_error()
    for lang in LANGS:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ax.loglog(relu_d, relu_err, "o-", color=COLORS[0],
                  label=tr(lang, "ReLU, 폭 4 (손으로 만든 보간)", "ReLU, width 4 (built interpolant)"))
        ax.loglog(relu_d, relu_bound, ":", color=COLORS[0],
                  label=tr(lang, "상한 $h^2 \\max|f''|/8$", "bound $h^2 \\max|f''|/8$"))
        ax.loglog(sq_d, sq_err, "s-", color=COLORS[2],
                  label=tr(lang, "$\\sigma(t)=t^2$, 폭 4 (호너 방법)", "$\\sigma(t)=t^2$, width 4 (Horner)"))
        ax.axhline(mono, color=COLORS[1], ls="--", lw=1.2,
                   label=tr(lang, "폭 1 ReLU의 하한 (단조 함수)", "floor of width-1 ReLU (monotone)"))
        ax.axhline(quad, color="gray", ls="-.", lw=1.2,
                   label=tr(lang, "$t^2$ 은닉층 하나의 하한 (2차식)", "floor of one $t^2$ layer (quadratic)"))
        ax.set_xticks(relu_d)
        ax.set_xticklabels([str(d) for d in relu_d])
        ax.minorticks_off()
        log_ticks(ax, "y")
        ax.set_xlabel(tr(lang, "은닉층 수 (폭은 4로 고정)", "hidden layers (width fixed at 4)"))
        ax.set_ylabel(tr(lang, "최대 오차 $\\sup|f - \\hat f|$", "max error $\\sup|f - \\hat f|$"))
        ax.legend(fontsize=8.5, loc="lower left")
        ax.set_title(tr(lang, "폭 4, 깊이만 늘린 신경망 ($d = D = 1$)",
                        "width 4, growing depth ($d = D = 1$)"), fontsize=10)
        fig.tight_layout()
        ctx.save(fig, lang)
    below = next(d for d, e in zip(relu_d, relu_err) if e < mono)
    return {"relu_depths": relu_d, "relu_error": relu_err, "relu_bound": relu_bound,
            "relu_knots": [2 * d + 2 for d in relu_d],
            "relu_first_below_monotone": below, "square_depths": sq_d, "square_error": sq_err,
            "monotone_floor": mono, "quadratic_floor": quad}
