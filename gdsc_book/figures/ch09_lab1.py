"""Lab 1 (MNIST, Quiz 1): learning curves, confusion matrix, mistakes, the checkpoint, resume.

One run trains the three models of the book with their recipes (``gdsc_book.recipes.RECIPES``);
every figure and number of the lab page comes from it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from gdsc_book import recipes
from gdsc_book.checkpoint import describe, load_checkpoint
from gdsc_book.figures.registry import figure
from gdsc_book.models import count_parameters
from gdsc_book.recipes import RECIPES
from gdsc_book.regression import least_squares_classifier
from gdsc_book.style import COLORS, LANGS, log_ticks, tr
from gdsc_book.train import History, as_tensors, predict, time_data_paths

MODEL_NAMES = {"softmax": ("소프트맥스 회귀", "softmax regression"), "mlp": ("MLP", "MLP"),
               "cnn": ("CNN", "CNN")}


def _train(name: str, train, test, seed: int, epochs: int | None, checkpoint: Path, **extra):
    recipe = recipes.get_recipe(name, epochs=epochs)
    model, history, _info = recipes.run(recipe, train, test, seed, checkpoint=checkpoint, **extra)
    return model, history


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Counts ``C[i, j]`` of examples of class ``i`` predicted as ``j``."""
    return torch.bincount(y_true * k + y_pred, minlength=k * k).view(k, k)


# One thread: with two, each of the softmax regression's and the MLP's thousands of tiny steps
# ends at a barrier where one thread waits for the other, and on a shared CPU the other is often
# descheduled (the record of two threads: 131 s per softmax epoch, 0.25 s on one thread).
@figure("lab1_mnist", chapter="ch09", data=("mnist",), seed=0, threads=1,
        full={"train_subset": None, "test_subset": None, "epochs": None, "resume_cut": 4,
              "loader_batches": 100},
        quick={"train_subset": 1000, "test_subset": 500, "epochs": 2, "resume_cut": 1,
               "loader_batches": 3})
def lab1_mnist(ctx):
    r = ctx.compute(_lab1, **ctx.params)
    numbers = dict(r["numbers"])
    numbers["least_squares"] = ctx.compute(_least_squares, train_subset=ctx["train_subset"],
                                           test_subset=ctx["test_subset"])
    for name in MODEL_NAMES:  # error rates, as the 1998 baselines beside them are given
        numbers[name] = dict(numbers[name], test_error=1 - numbers[name]["test_acc"])
    numbers["mlp"]["hidden"] = RECIPES["mlp"]["model_kwargs"]["widths"][0]
    numbers["cnn"]["mixed_precision"] = RECIPES["cnn"]["model_kwargs"]["mixed_precision"]
    # the recipes' settings and the data's shape the page describes, read here, not typed there
    for name in ("mlp", "cnn"):
        numbers[name]["label_smoothing"] = RECIPES[name]["label_smoothing"]
    for key in ("width", "first_width", "pools"):
        numbers["cnn"][key] = RECIPES["cnn"]["model_kwargs"][key]
    pixels = int(np.prod(r["mistakes"]["images"].shape[1:]))
    numbers["pixels"], numbers["classes"] = pixels, int(r["conf"].shape[0])
    numbers["mlp"]["widths"] = [pixels, numbers["mlp"]["hidden"], numbers["classes"]]
    numbers["uint8_mb"] = numbers["n_train"] * pixels / 1e6  # one byte a pixel
    numbers["acc_per_image"] = 1 / numbers["n_test"]
    runs = {name: History.from_dict(h) for name, h in r["histories"].items()}
    for lang in LANGS:
        _curves(ctx, lang, runs)
        _confusion(ctx, lang, r["soft_conf"], r["conf"])
        _mistakes(ctx, lang, r["mistakes"])
        _resume(ctx, lang, runs["softmax"], History.from_dict(r["resumed"]),
                numbers["resume"]["cut_after_epoch"])
    return numbers


def _least_squares(run, train_subset, test_subset):
    """The book's linear model fitted the classic way: least squares onto one-hot targets.

    Same 785 numbers per class as softmax regression, no softmax and no cross-entropy: the
    closed-form fit of ``[x, 1] W`` to the one-hot labels. Scaling the pixels changes nothing here (the bias absorbs a
    shift), so a gap to softmax regression comes from the loss.
    """
    train, test = run.load("mnist"), run.load("mnist", train=False)
    if train_subset:
        train = train.subset(train_subset, seed=run.seed)
        test = test.subset(test_subset, seed=run.seed)

    x, y = as_tensors(train)
    w, b = least_squares_classifier(x, y, len(train.classes))
    xt, yt = as_tensors(test)
    test_acc = ((xt.flatten(1).double() @ w.T + b).argmax(1) == yt).double().mean().item()
    train_acc = ((x.flatten(1).double() @ w.T + b).argmax(1) == y).double().mean().item()
    return {"test_acc": test_acc, "test_error": 1 - test_acc, "train_acc": train_acc,
            "params": int(w.numel() + b.numel())}


def _lab1(run, train_subset, test_subset, epochs, resume_cut, loader_batches, shown=24):
    """The computation: the three models, the checkpoint, the resume, the CNN's mistakes."""
    train, test = run.load("mnist"), run.load("mnist", train=False)
    seed = run.seed
    # Data path, on the whole training set: one epoch of batches from a DataLoader (timed on
    # `loader_batches` batches, scaled to an epoch) vs cut by index from a tensor.
    data_path = time_data_paths(train, 128, loader_batches=loader_batches)
    if train_subset:
        train = train.subset(train_subset, seed=seed)
        test = test.subset(test_subset, seed=seed)
    numbers: dict = {"n_train": len(train), "n_test": len(test), "data_path": data_path}
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("softmax", "mlp", "cnn"):
            model, h = _train(name, train, test, seed, epochs, tmp / f"{name}.pt")
            runs[name] = (model, h)
            recipe = recipes.RECIPES[name]
            numbers[name] = {
                "test_acc": h.test_acc[-1], "test_acc_by_epoch": h.test_acc,
                "train_acc": h.train_acc[-1], "epochs": h.epochs, "seconds": sum(h.seconds),
                "seconds_per_epoch": sum(h.seconds) / h.epochs, "params": count_parameters(model),
                "batch_size": recipe["batch_size"], "lr": recipe["lr"],
                "optimizer": recipe["optimizer"], "scheduler": recipe["scheduler"],
            }
        state = load_checkpoint(tmp / "cnn.pt")
        numbers["checkpoint"] = {key: value for key, _what, value in describe(state)}
        numbers["checkpoint"]["size_mb"] = (tmp / "cnn.pt").stat().st_size / 1e6
        numbers["checkpoint"]["test_acc_value"] = state["test_acc"]
        numbers["checkpoint"]["keys"] = sorted(state)

        # Resume: cut a softmax run after `resume_cut` epochs, resume it, compare.
        cut = resume_cut
        full_h = runs["softmax"][1]

        def interrupt(epoch, _h):
            if epoch == cut + 1:
                raise KeyboardInterrupt  # as if the machine died during this epoch

        try:
            _train("softmax", train, test, seed, epochs, tmp / "cut.pt", on_epoch_end=interrupt)
        except KeyboardInterrupt:
            pass
        saved_epoch = load_checkpoint(tmp / "cut.pt")["epoch"]
        torch.manual_seed(seed + 1)
        _, resumed_h = _train("softmax", train, test, seed, epochs, tmp / "cut.pt", resume=True)
    numbers["resume"] = {"cut_after_epoch": saved_epoch,
                         "identical": resumed_h.test_acc == full_h.test_acc
                         and resumed_h.train_loss == full_h.train_loss,
                         "final_test_acc": resumed_h.test_acc[-1]}

    # Predictions of the CNN on the whole test set: confusion matrix and mistakes.
    cnn = runs["cnn"][0]
    pred = predict(cnn, test)
    true = test.labels
    conf = confusion_matrix(true, pred)
    wrong = (pred != true).nonzero().flatten()
    off = conf.clone().fill_diagonal_(0)
    i, j = divmod(int(off.argmax()), 10)
    numbers["cnn"]["mistakes"] = len(wrong)
    numbers["cnn"]["top_confusion"] = {"true": i, "pred": j, "count": int(off[i, j])}
    soft_conf = confusion_matrix(true, predict(runs["softmax"][0], test))
    numbers["softmax"]["mistakes"] = int(len(true) - soft_conf.diag().sum())

    mistakes = wrong[:shown]
    return {"numbers": numbers, "conf": conf, "soft_conf": soft_conf,
            "histories": {name: h.to_dict() for name, (_m, h) in runs.items()},
            "resumed": resumed_h.to_dict(),
            "mistakes": {"images": test.images[mistakes, 0].numpy(),
                         "labels": test.labels[mistakes].numpy(),
                         "pred": pred[mistakes].numpy()}}


def _curves(ctx, lang, runs):
    # Stacked 6.4-in panels: side by side, the page would shrink the text under 11 px.
    fig, (ax_l, ax_a) = plt.subplots(2, 1, figsize=(6.4, 6.8), sharex=True)
    for c, (name, h) in zip(COLORS, runs.items()):
        ep = np.arange(1, h.epochs + 1)
        label = tr(lang, *MODEL_NAMES[name])
        ax_l.plot(ep, h.train_loss, "-o", color=c, ms=4, label=tr(lang, f"{label} 훈련",
                                                                  f"{label} train"))
        ax_l.plot(ep, h.test_loss, "--s", color=c, ms=4, label=tr(lang, f"{label} 테스트",
                                                                  f"{label} test"))
        ax_a.plot(ep, h.train_acc, "-o", color=c, ms=4)
        ax_a.plot(ep, h.test_acc, "--s", color=c, ms=4)
    ax_l.set_yscale("log")
    log_ticks(ax_l, "y")
    ax_l.set_ylabel(tr(lang, "교차 엔트로피 손실 (로그 축)", "cross-entropy loss (log scale)"))
    ax_a.set_ylabel(tr(lang, "정확도", "accuracy"))
    ax_a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax_a.set_xlabel(tr(lang, "에폭", "epoch"))
    ax_a.xaxis.set_major_locator(MaxNLocator(integer=True))
    # Below both panels: inside, it would cover the curves.
    fig.legend(*ax_l.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8.5,
               frameon=False)
    ax_l.set_title(tr(lang, "실선: 훈련, 점선: 테스트 (매 에폭 학습 루프 안에서 측정)",
                      "solid: train, dashed: test (measured inside the loop every epoch)"),
                   fontsize=9)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    ctx.save(fig, lang, part="curves")
    plt.close(fig)


def _confusion(ctx, lang, soft_conf, cnn_conf):
    fig, axes = plt.subplots(2, 1, figsize=(6.4, 12.0))  # stacked: cell counts stay legible
    for ax, conf, name in zip(axes, (soft_conf, cnn_conf), ("softmax", "cnn")):
        c = conf.numpy().astype(float)
        shown = np.log10(1 + c)  # the diagonal holds ~1000s, mistakes 0..50: log colours
        ax.imshow(shown, cmap="Blues")
        for (r, k), v in np.ndenumerate(conf.numpy()):
            if v:
                ax.text(k, r, str(v), ha="center", va="center", fontsize=8.5,
                        color="white" if shown[r, k] > 0.6 * shown.max() else "black")
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.grid(False)
        ax.set_xlabel(tr(lang, "예측한 숫자", "predicted digit"))
        ax.set_ylabel(tr(lang, "정답 숫자", "true digit"))
        wrong = int(conf.sum() - conf.diag().sum())
        ax.set_title(tr(lang, f"{MODEL_NAMES[name][0]}: 오답 {wrong}개",
                        f"{MODEL_NAMES[name][1]}: {wrong} mistakes"), fontsize=10)
    fig.tight_layout()
    ctx.save(fig, lang, part="confusion")
    plt.close(fig)


def _mistakes(ctx, lang, m, rows=4, cols=6):
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.15, rows * 1.35))
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(m["labels"]):
            ax.imshow(m["images"][k], cmap="gray_r", vmin=0, vmax=255)
            ax.set_title(tr(lang, f"정답 {int(m['labels'][k])} → {int(m['pred'][k])}",
                            f"true {int(m['labels'][k])} → {int(m['pred'][k])}"), fontsize=8.5,
                         color=COLORS[1])
    fig.suptitle(tr(lang, "CNN이 틀린 테스트 이미지 (테스트 집합 순서대로 처음 몇 장)",
                    "test images the CNN gets wrong (the first few, in test-set order)"),
                 fontsize=10)
    fig.tight_layout()
    ctx.save(fig, lang, part="mistakes")
    plt.close(fig)


def _resume(ctx, lang, full_h, resumed_h, saved_epoch):
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ep = np.arange(1, full_h.epochs + 1)
    ax.plot(ep, full_h.test_acc, "-", lw=6, alpha=0.35, color=COLORS[0],
            label=tr(lang, "한 번에 끝까지", "uninterrupted"))
    ax.plot(ep, resumed_h.test_acc, "--o", color=COLORS[1],
            label=tr(lang, f"{saved_epoch} 에폭 뒤 중단 → 체크포인트에서 재개",
                     f"stopped after epoch {saved_epoch} → resumed from checkpoint"))
    ax.axvline(saved_epoch + 0.5, color="#888888", lw=1, ls=":")
    ax.set_xlabel(tr(lang, "에폭", "epoch"))
    ax.set_ylabel(tr(lang, "테스트 정확도", "test accuracy"))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8.5)
    fig.tight_layout()
    ctx.save(fig, lang, part="resume")
    plt.close(fig)
