"""``train_model``: the training loop the whole book uses (and Lab 1 teaches).

One epoch = shuffle the indices, cut the in-memory tensors into batches by index, and for each
batch: forward, loss, backward, optimizer step. After every epoch the model is evaluated on the
validation split (when asked for) and on the test set, and a checkpoint is written.

- The whole dataset is a tensor on the device; a batch is cut from it by index (``batches``).
  No per-sample Python or PIL work runs inside the loop, which is what makes CPU training fast.
- Shuffling and augmentation draw from generators seeded by ``(seed, epoch)``, and the global
  torch RNG (dropout) is saved in the checkpoint, so a resumed run ends on the same numbers as
  an uninterrupted one.
- The validation split picks the best epoch and drives early stopping; the test set is only
  reported, never used to choose anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gdsc_book.checkpoint import FORMAT, library_versions, load_checkpoint, save_checkpoint
from gdsc_book.errors import BookError


class TrainingDiverged(BookError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class History:
    """Per-epoch curves of one run (lists have one entry per completed epoch)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    best_epoch: int | None = None  # 1-based, chosen on the validation split
    stopped_early: bool = False
    diverged: str | None = None  # the message, when the loss became NaN/inf

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    @property
    def final_test_acc(self) -> float | None:
        """Test accuracy of the model ``train_model`` returns (the best epoch's, with a val split)."""
        if not self.test_acc:
            return None
        i = (self.best_epoch or len(self.test_acc)) - 1
        return self.test_acc[i]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in d.items()
                      if k in cls.__dataclass_fields__})


# ---------------------------------------------------------------- data, loss, evaluation


def as_tensors(data) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)`` from a :class:`gdsc_book.data.Dataset` (standardized) or an ``(x, y)`` pair."""
    if hasattr(data, "float_images") and hasattr(data, "labels"):
        return data.float_images(), data.labels.long()
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
        x = torch.as_tensor(x)
        return (x if x.is_floating_point() else x.float()), torch.as_tensor(y).long()
    raise BookError(f"expected a gdsc_book.data.Dataset or an (x, y) pair, got {type(data).__name__}")


def batches(x: torch.Tensor, y: torch.Tensor, perm: torch.Tensor, batch_size: int,
            steps: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(xb, yb)`` in the order ``perm``: the data path of ``train_model``.

    Each batch of ``x`` is one ``index_select`` on a 2-D view of its storage (an example is one
    block to copy, about twice as fast as ``x[idx]`` for small batches), in ``x``'s memory
    format; the labels are put in order once per epoch and sliced. ``steps`` stops early
    (``train_model`` drops a last batch of one). ``benchmarks/bench_mnist.py`` times this.
    """
    y = y.index_select(0, perm)
    src = x.permute(0, 2, 3, 1) if (x.dim() == 4 and not x.is_contiguous()
                                    and x.is_contiguous(memory_format=torch.channels_last)) else x
    rows = src.reshape(len(src), -1)  # a view when src is contiguous, as the dataset is
    shape = src.shape[1:]
    n = len(perm) if steps is None else min(len(perm), steps * batch_size)
    for b in range(0, n, batch_size):
        xb = rows.index_select(0, perm[b:b + batch_size]).view(-1, *shape)
        yield (xb.permute(0, 3, 1, 2) if src is not x else xb), y[b:b + batch_size]


def make_loss(loss="ce", label_smoothing: float = 0.0) -> Callable:
    """The loss as ``f(logits, y) -> mean loss``: cross-entropy, MSE on softmax, or your own."""
    if callable(loss):
        return loss
    if loss == "ce":
        return lambda logits, y: F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    if loss == "mse":
        # Squared error between softmax probabilities and one-hot targets (chapter 3).
        def mse(logits, y):
            p = logits.softmax(dim=1)
            t = F.one_hot(y, p.shape[1]).to(p.dtype)
            if label_smoothing:
                t = t * (1 - label_smoothing) + label_smoothing / p.shape[1]
            return (p - t).pow(2).sum(dim=1).mean()
        return mse
    raise BookError(f"unknown loss {loss!r}; use 'ce', 'mse' or a function f(logits, y)")


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


# Evaluation batches: on a CPU, 256 images keep the first layers' activations in cache; 1024
# made Lab 2's test pass ~40% slower (CifarNet, bf16) with the same numbers.
EVAL_BATCH = 256


@torch.no_grad()
def _eval_tensors(model, x, y, loss_fn, batch_size: int) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=x.device, dtype=torch.float64)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    for i in range(0, len(y), batch_size):
        logits = model(x[i:i + batch_size])
        yb = y[i:i + batch_size]
        total_loss += loss_fn(logits, yb).double() * len(yb)
        correct += (logits.argmax(1) == yb).sum()
    model.train(was_training)
    n = max(len(y), 1)
    return total_loss.item() / n, correct.item() / n


def evaluate(model: nn.Module, data, batch_size: int = EVAL_BATCH, loss="ce") -> tuple[float, float]:
    """``(mean loss, accuracy)`` of ``model`` on a Dataset or an ``(x, y)`` pair."""
    dev = _model_device(model)
    x, y = as_tensors(data)
    return _eval_tensors(model, x.to(dev), y.to(dev), make_loss(loss), batch_size)


@torch.no_grad()
def predict_logits(model: nn.Module, data, batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """Logits for every example (on the CPU); ``data`` is a Dataset, an (x, y) pair or x."""
    dev = _model_device(model)
    x = data if isinstance(data, torch.Tensor) else as_tensors(data)[0]
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i:i + batch_size].to(dev)).cpu()
                     for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def predict(model: nn.Module, data, batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """Predicted class of every example."""
    return predict_logits(model, data, batch_size).argmax(1)


# ---------------------------------------------------------------- optimizer and schedule


def make_optimizer(optimizer, params, lr: float, momentum: float, weight_decay: float):
    if callable(optimizer):
        return optimizer(params)
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, weight_decay=weight_decay)
    raise BookError(f"unknown optimizer {optimizer!r}; use sgd, adam, adamw, adadelta or a function")


def make_scheduler(scheduler, opt, total_steps: int):
    """A learning-rate schedule stepped once per batch (``None`` keeps the rate constant).

    Named schedules are the ones chapter 8 plots (:mod:`gdsc_book.schedules`), so the book
    trains with exactly the curves it shows.
    """
    if scheduler is None:
        return None
    if callable(scheduler):
        return scheduler(opt, total_steps)
    from gdsc_book.schedules import SCHEDULES
    from gdsc_book.schedules import make_scheduler as named_schedule

    if scheduler not in SCHEDULES:
        raise BookError(f"unknown scheduler {scheduler!r}; use one of {', '.join(SCHEDULES)}, "
                        f"None or a function f(optimizer, total_steps)")
    return named_schedule(scheduler, opt, max(total_steps, 2))


def _name(x) -> object:
    """A stable, loadable description of a setting (functions by name, not by address)."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return getattr(x, "__qualname__", type(x).__name__)


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# Settings that change the numbers: a resume must match all of them.
_RESUME_KEYS = ("epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay",
                "scheduler", "loss", "label_smoothing", "val_fraction", "patience", "augment",
                "seed", "max_grad_norm", "n_train", "n_val", "n_test")


# ---------------------------------------------------------------- the loop


def train_model(
    model: nn.Module,
    train_set,
    test_set=None,
    *,
    epochs: int,
    batch_size: int = 128,
    optimizer="sgd",
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    scheduler=None,
    loss="ce",
    label_smoothing: float = 0.0,
    val_fraction: float = 0.0,
    patience: int | None = None,
    augment: Callable | None = None,
    seed: int = 0,
    device=None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: bool = False,
    max_grad_norm: float | None = None,
    on_nan: str = "raise",
    restore_best: bool = True,
    eval_batch_size: int = EVAL_BATCH,
    channels_last: bool = False,
    on_epoch_end: Callable | None = None,
) -> History:
    """Train ``model`` and return its :class:`History`.

    Test accuracy is computed inside the loop after every epoch; with ``checkpoint`` a file
    holding the model, the optimizer, the test accuracy, the epoch, the config, the seed, the
    RNG states and the library versions is written (atomically) after every epoch.

    ``val_fraction`` holds out part of the training set: the epoch with the best validation
    accuracy is the one returned (``restore_best``) and ``patience`` epochs without
    improvement stop training. ``on_nan="raise"`` raises :class:`TrainingDiverged` when the
    loss becomes NaN/inf; ``"stop"`` records it in ``history.diverged`` and returns. Either
    way the model is put back to its last good weights and the last checkpoint is kept.
    ``on_epoch_end(epoch, history)`` (1-based epoch) returning True stops training.
    """
    # -- check the settings before touching anything (a bad call overwrites nothing)
    if not isinstance(epochs, int) or epochs < 0:
        raise BookError(f"epochs must be a whole number >= 0, got {epochs!r}")
    if batch_size < 1:
        raise BookError(f"batch_size must be >= 1, got {batch_size}")
    if not 0.0 <= val_fraction < 1.0:
        raise BookError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if patience is not None and val_fraction <= 0:
        raise BookError("patience (early stopping) needs a validation split: set val_fraction")
    if on_nan not in ("raise", "stop"):
        raise BookError(f"on_nan must be 'raise' or 'stop', got {on_nan!r}")
    if resume and checkpoint is None:
        raise BookError("resume=True needs a checkpoint path")
    loss_fn = make_loss(loss, label_smoothing)
    eval_loss_fn = make_loss(loss, 0.0)  # report plain losses, whatever the training smoothing
    resumed = load_checkpoint(checkpoint) if resume else None

    dev = torch.device(device) if device is not None else default_device()
    torch.manual_seed(seed)  # dropout and any other global randomness start from the seed
    model.to(dev)
    mem = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model.to(memory_format=mem)

    # -- the data, once: standardized float tensors on the device
    x_all, y_all = as_tensors(train_set)
    x_val = y_val = None
    if val_fraction > 0:
        perm = torch.randperm(len(y_all), generator=torch.Generator().manual_seed(seed))
        n_val = max(1, round(len(y_all) * val_fraction))
        x_val, y_val = x_all[perm[:n_val]], y_all[perm[:n_val]]
        x_all, y_all = x_all[perm[n_val:]], y_all[perm[n_val:]]
        x_val, y_val = x_val.to(dev).contiguous(memory_format=mem), y_val.to(dev)
    x_tr = x_all.to(dev).contiguous(memory_format=mem) if x_all.dim() == 4 else x_all.to(dev)
    y_tr = y_all.to(dev)
    x_te = y_te = None
    if test_set is not None:
        x_te, y_te = as_tensors(test_set)
        x_te = x_te.to(dev).contiguous(memory_format=mem) if x_te.dim() == 4 else x_te.to(dev)
        y_te = y_te.to(dev)
    n = len(y_tr)
    # A last batch of one example would break batch normalization: drop it.
    steps = n // batch_size + (1 if n % batch_size > 1 else 0)

    opt = make_optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
    sched = make_scheduler(scheduler, opt, epochs * steps)
    config = {
        "epochs": epochs, "batch_size": batch_size, "optimizer": _name(optimizer), "lr": lr,
        "momentum": momentum, "weight_decay": weight_decay, "scheduler": _name(scheduler),
        "loss": _name(loss), "label_smoothing": label_smoothing, "val_fraction": val_fraction,
        "patience": patience, "augment": _name(augment), "seed": seed,
        "max_grad_norm": max_grad_norm, "n_train": n, "n_val": 0 if y_val is None else len(y_val),
        "n_test": 0 if y_te is None else len(y_te), "device": str(dev),
        "dataset": getattr(train_set, "name", None),
    }

    history = History()
    start = 0
    best: dict | None = None
    bad_epochs = 0
    if resumed is not None:
        old = resumed.get("config", {})
        diff = [f"{k}: checkpoint {old.get(k)!r} vs now {config[k]!r}"
                for k in _RESUME_KEYS if old.get(k) != config[k]]
        if diff:
            raise BookError(f"cannot resume from {checkpoint}: settings differ\n  "
                            + "\n  ".join(diff))
        model.load_state_dict(resumed["model"])
        opt.load_state_dict(resumed["optimizer"])
        if sched is not None and resumed.get("scheduler") is not None:
            sched.load_state_dict(resumed["scheduler"])
        history = History.from_dict(resumed["history"])
        start = int(resumed["epoch"])
        best = resumed.get("best")
        bad_epochs = int(resumed.get("bad_epochs", 0))
        rng = resumed.get("rng", {})
        if "torch" in rng:
            torch.set_rng_state(rng["torch"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(list(rng["cuda"]))
        if resumed.get("finished"):
            start = epochs  # nothing left to do

    def snapshot() -> dict:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    last_good = snapshot()

    def write_checkpoint(epoch: int, finished: bool) -> None:
        if checkpoint is None:
            return
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        save_checkpoint({
            "format": FORMAT,
            "epoch": epoch,
            "finished": finished,
            "model": model.state_dict(),
            "model_spec": getattr(model, "spec", None),
            "optimizer": opt.state_dict(),
            "scheduler": None if sched is None else sched.state_dict(),
            "test_acc": history.test_acc[-1] if history.test_acc else float("nan"),
            "test_loss": history.test_loss[-1] if history.test_loss else float("nan"),
            "history": history.to_dict(),
            "best": best,
            "bad_epochs": bad_epochs,
            "config": config,
            "seed": seed,
            "rng": rng,
            "versions": library_versions(),
        }, checkpoint)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps, initial=start * steps, unit="batch",
                   dynamic_ncols=True, leave=True)
    try:
        for epoch in range(start, epochs):
            t0 = time.perf_counter()
            model.train()
            # Seeded by (seed, epoch): a resumed run shuffles exactly as an uninterrupted one.
            g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
            perm = torch.randperm(n, generator=g).to(dev)
            aug_g = (torch.Generator(device=dev).manual_seed(seed * 1_000_003 + epoch + 7919)
                     if augment is not None else None)
            sum_loss = torch.zeros((), device=dev, dtype=torch.float64)
            correct = torch.zeros((), device=dev, dtype=torch.long)
            seen = 0
            for b, (xb, yb) in enumerate(batches(x_tr, y_tr, perm, batch_size, steps)):
                if augment is not None:
                    xb = augment(xb, aug_g)
                logits = model(xb)
                batch_loss = loss_fn(logits, yb)
                if not torch.isfinite(batch_loss).item():
                    msg = (f"loss became {batch_loss.item()} at epoch {epoch + 1}, batch {b + 1} "
                           f"(lr {opt.param_groups[0]['lr']:.3g}): training stopped")
                    model.load_state_dict(last_good)
                    if checkpoint is not None:
                        msg += (f"; the last good checkpoint (epoch {epoch}) is kept at {checkpoint}"
                                if epoch > 0 and Path(checkpoint).exists()
                                else "; no checkpoint was written")
                    history.diverged = msg
                    if on_nan == "raise":
                        raise TrainingDiverged(msg + ". Try a smaller learning rate.")
                    return history
                opt.zero_grad(set_to_none=True)
                batch_loss.backward()
                if max_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
                opt.step()
                if sched is not None:
                    sched.step()
                sum_loss += batch_loss.detach().double() * len(yb)
                correct += (logits.detach().argmax(1) == yb).sum()
                seen += len(yb)
                if bar is not None:
                    bar.update(1)
                    if b % 20 == 0:
                        bar.set_postfix(epoch=f"{epoch + 1}/{epochs}",
                                        loss=f"{batch_loss.item():.4f}", refresh=False)
            history.train_loss.append(sum_loss.item() / seen)
            history.train_acc.append(correct.item() / seen)
            history.lr.append(opt.param_groups[0]["lr"])
            if y_val is not None:
                vl, va = _eval_tensors(model, x_val, y_val, eval_loss_fn, eval_batch_size)
                history.val_loss.append(vl)
                history.val_acc.append(va)
            if y_te is not None:
                # Quiz 1: the test accuracy, computed inside the training loop every epoch.
                tl, ta = _eval_tensors(model, x_te, y_te, eval_loss_fn, eval_batch_size)
                history.test_loss.append(tl)
                history.test_acc.append(ta)
            history.seconds.append(time.perf_counter() - t0)
            if y_val is not None:
                if (best is None or va > best["val_acc"]
                        or (va == best["val_acc"] and vl < best["val_loss"])):
                    best = {"epoch": epoch + 1, "val_acc": va, "val_loss": vl,
                            "test_acc": history.test_acc[-1] if history.test_acc else float("nan"),
                            "model": snapshot()}
                    bad_epochs = 0
                else:
                    bad_epochs += 1
                history.best_epoch = best["epoch"]
                if patience is not None and bad_epochs >= patience:
                    history.stopped_early = True
            if bar is not None:
                post = {"epoch": f"{epoch + 1}/{epochs}", "loss": f"{history.train_loss[-1]:.4f}"}
                if history.test_acc:
                    post["test_acc"] = f"{history.test_acc[-1]:.4f}"
                bar.set_postfix(post)
            stop = bool(on_epoch_end(epoch + 1, history)) if on_epoch_end else False
            history.stopped_early |= stop
            write_checkpoint(epoch + 1, history.stopped_early or epoch + 1 == epochs)
            last_good = snapshot()
            if history.stopped_early:
                break
    finally:
        if bar is not None:
            bar.close()
    if restore_best and best is not None:
        model.load_state_dict(best["model"])
    return history


def load_model(path: str | Path, which: str = "best", map_location="cpu") -> nn.Module:
    """Rebuild the model saved in a checkpoint; ``which`` is ``"best"`` (val split) or ``"last"``."""
    from gdsc_book.models import build_model

    state = load_checkpoint(path, map_location=map_location)
    spec = state.get("model_spec")
    if not spec:
        raise BookError(f"{path} has no model_spec: rebuild the model yourself and load "
                        f"state['model'] into it")
    model = build_model(spec["name"], spec["in_shape"], spec["num_classes"], **spec["kwargs"])
    weights = state["best"]["model"] if which == "best" and state.get("best") else state["model"]
    model.load_state_dict(weights)
    return model.eval()



def time_data_paths(dataset, batch_size: int = 128, loader_batches: int | None = None,
                    reps: int = 3) -> dict:
    """Seconds for one epoch of batches: torchvision's DataLoader vs indexing a tensor.

    The DataLoader path is the classic one (``datasets.MNIST`` + ``ToTensor`` + ``Normalize``,
    a PIL image per sample); ``loader_batches`` times only that many batches and extrapolates.
    The tensor path shuffles indices and cuts batches with :func:`batches` from the standardized
    tensor, as ``train_model`` does.
    Both are timed on one thread: the per-sample DataLoader work is single-threaded anyway,
    and on a CPU shared with other jobs, multi-threaded tiny copies mostly measure how long
    the threads wait for each other.
    """
    from torchvision import datasets, transforms

    from gdsc_book.data import MEAN_STD

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}.get(dataset.name)
    if cls is None:
        raise BookError(f"time_data_paths supports mnist and fashion-mnist, not {dataset.name}")
    mean, std = MEAN_STD[dataset.name]
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    tv = cls(dataset.source, train=dataset.train, download=False, transform=tf)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _time_data_paths(tv, dataset, batch_size, loader_batches, reps)
    finally:
        torch.set_num_threads(threads)


def _time_data_paths(tv, dataset, batch_size, loader_batches, reps) -> dict:
    loader = torch.utils.data.DataLoader(tv, batch_size=batch_size, shuffle=True)
    total = len(loader)
    t0 = time.perf_counter()
    done = 0
    for _xb, _yb in loader:
        done += 1
        if loader_batches and done >= loader_batches:
            break
    loader_s = (time.perf_counter() - t0) * total / done

    t0 = time.perf_counter()
    x, y = as_tensors(dataset)  # once per run, outside the loop
    prep_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for r in range(reps):
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(r))
        for _xb, _yb in batches(x, y, perm, batch_size):
            pass
    index_s = (time.perf_counter() - t0) / reps
    return {"batch_size": batch_size, "batches": total, "loader_epoch_s": loader_s,
            "loader_batches_timed": done, "index_epoch_s": index_s, "prep_s": prep_s,
            "speedup": loader_s / index_s}


# The book's MNIST recipes (benchmarks/bench_mnist.py measures them): few epochs, a one-cycle
# learning rate and label smoothing reach good accuracy fast, which is what a CPU needs.
RECIPES: dict[str, dict] = {
    "softmax": {"epochs": 10, "batch_size": 256, "optimizer": "adam", "lr": 0.01,
                "scheduler": "onecycle"},
    "mlp": {"epochs": 5, "batch_size": 128, "optimizer": "sgd", "lr": 0.1,
            "scheduler": "onecycle", "label_smoothing": 0.1, "model_kwargs": {"widths": (512,)}},
    "cnn": {"epochs": 3, "batch_size": 128, "optimizer": "sgd", "lr": 0.2,
            "scheduler": "onecycle", "weight_decay": 5e-4, "label_smoothing": 0.1,
            "channels_last": True, "model_kwargs": {"width": 16, "mixed_precision": True}},
}
