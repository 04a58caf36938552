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

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gdsc_book import checkpoint as checkpoint_mod
from gdsc_book.config import EVAL_BATCH, TrainConfig
from gdsc_book.errors import BookError
from gdsc_book.outputs import sweep_temporaries
from gdsc_book.schedules import SCHEDULES
from gdsc_book.schedules import make_scheduler as named_schedule


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
    # The returned model's test logits (on the CPU), from the loop's last evaluation; None after
    # a resume with nothing left to train. A test-time flip then adds one pass, not two. A plain
    # attribute, not a field: to_dict (the checkpoint) leaves it out.
    test_logits = None

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

    def add(self, train_loss: float, train_acc: float, lr: float, val, test,
            seconds: float) -> None:
        """Append one finished epoch (``val``/``test``: ``(loss, accuracy)`` or None)."""
        self.train_loss.append(train_loss)
        self.train_acc.append(train_acc)
        self.lr.append(lr)
        if val is not None:
            self.val_loss.append(val[0])
            self.val_acc.append(val[1])
        if test is not None:
            self.test_loss.append(test[0])
            self.test_acc.append(test[1])
        self.seconds.append(seconds)

    def postfix(self, epochs: int) -> dict:
        """What the progress bar shows after an epoch."""
        from gdsc_book.report import percent

        post = {"epoch": f"{self.epochs}/{epochs}", "loss": f"{self.train_loss[-1]:.4f}"}
        if self.test_acc:
            post["test_acc"] = percent(self.test_acc[-1])
        return post

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


@torch.no_grad()
def _eval_tensors(model, x, y, loss_fn, batch_size: int, keep_logits: bool = False):
    """``(mean loss, accuracy)``, plus the logits (on ``x``'s device) with ``keep_logits``."""
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=x.device, dtype=torch.float64)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    kept = []
    for i in range(0, len(y), batch_size):
        logits = model(x[i:i + batch_size])
        yb = y[i:i + batch_size]
        total_loss += loss_fn(logits, yb).double() * len(yb)
        correct += (logits.argmax(1) == yb).sum()
        if keep_logits:
            kept.append(logits)
    model.train(was_training)
    n = max(len(y), 1)
    result = (total_loss.item() / n, correct.item() / n)
    return result + (torch.cat(kept),) if keep_logits else result


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
    if scheduler not in SCHEDULES:
        raise BookError(f"unknown scheduler {scheduler!r}; use one of {', '.join(SCHEDULES)}, "
                        f"None or a function f(optimizer, total_steps)")
    return named_schedule(scheduler, opt, max(total_steps, 2))


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


# ---------------------------------------------------------------- the data of one run


def on_device(x: torch.Tensor, dev, channels_last: bool) -> torch.Tensor:
    """``x`` on ``dev``, images (N×C×H×W) channels-last when asked; the one place this happens."""
    fmt = torch.channels_last if channels_last and x.dim() == 4 else torch.contiguous_format
    return x.to(dev).contiguous(memory_format=fmt)


@dataclass
class RunData:
    """The tensors of one run on its device: training, validation (held out) and test."""

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor] | None
    test: tuple[torch.Tensor, torch.Tensor] | None

    @classmethod
    def prepare(cls, train_set, test_set, cfg: TrainConfig, dev) -> RunData:
        x, y = as_tensors(train_set)
        val = None
        if cfg.val_fraction > 0:  # the held-out split, drawn from the seed
            perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(cfg.seed))
            n_val = max(1, round(len(y) * cfg.val_fraction))
            val = x[perm[:n_val]], y[perm[:n_val]]
            x, y = x[perm[n_val:]], y[perm[n_val:]]
        test = as_tensors(test_set) if test_set is not None else None
        return cls(*[None if s is None else (on_device(s[0], dev, cfg.channels_last), s[1].to(dev))
                     for s in ((x, y), val, test)])

    def steps(self, batch_size: int) -> int:
        """Batches per epoch; a last batch of one example would break batch norm: dropped."""
        n = len(self.train[1])
        return n // batch_size + (1 if n % batch_size > 1 else 0)

    def record(self, train_set, test_set) -> dict:
        """What the checkpoint stores of the data, for a resume to compare."""
        n = {k: 0 if s is None else len(s[1]) for k, s in
             (("n_train", self.train), ("n_val", self.val), ("n_test", self.test))}
        return dict(n, train=checkpoint_mod.data_record(train_set),
                    test=None if test_set is None else checkpoint_mod.data_record(test_set))


class _NotFinite(Exception):
    """A loss became NaN or infinite: the epoch is not a good one."""


# ---------------------------------------------------------------- one epoch


def train_one_epoch(model, opt, sched, data: RunData, loss_fn, cfg: TrainConfig, epoch: int,
                    bar=None) -> tuple[float, float]:
    """One pass over the training split; returns its mean loss and accuracy."""
    # --8<-- [start:train_one_epoch]
    x, y = data.train
    model.train()
    # Seeded by (seed, epoch): a resumed run shuffles exactly as an uninterrupted one.
    g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
    perm = torch.randperm(len(y), generator=g).to(x.device)
    aug_g = (torch.Generator(device=x.device).manual_seed(cfg.seed * 1_000_003 + epoch + 7919)
             if cfg.augment is not None else None)
    sum_loss = torch.zeros((), device=x.device, dtype=torch.float64)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    seen = 0
    for b, (xb, yb) in enumerate(batches(x, y, perm, cfg.batch_size, data.steps(cfg.batch_size))):
        if cfg.augment is not None:
            xb = cfg.augment(xb, aug_g)
        logits = model(xb)                       # forward
        loss = loss_fn(logits, yb)               # loss
        if not torch.isfinite(loss).item():
            raise _NotFinite(f"loss became {loss.item()} at epoch {epoch + 1}, batch {b + 1} "
                             f"(lr {opt.param_groups[0]['lr']:.3g})")
        opt.zero_grad(set_to_none=True)
        loss.backward()                          # backward
        if cfg.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
        opt.step()                               # step
        if sched is not None:
            sched.step()
        sum_loss += loss.detach().double() * len(yb)
        correct += (logits.detach().argmax(1) == yb).sum()
        seen += len(yb)
        # --8<-- [end:train_one_epoch]
        if bar is not None:
            bar.update(1)
            if b % 20 == 0:
                bar.set_postfix(epoch=f"{epoch + 1}/{cfg.epochs}", loss=f"{loss.item():.4f}",
                                refresh=False)
    return sum_loss.item() / seen, correct.item() / seen


def _evaluate_split(model, split, loss_fn, batch_size, what: str, epoch: int,
                    keep_logits: bool = False):
    """``(loss, accuracy)`` on a split (``None`` without one), plus its logits with
    ``keep_logits``; a NaN or inf is no good epoch."""
    if split is None:
        return None
    result = _eval_tensors(model, *split, loss_fn, batch_size, keep_logits)
    if not math.isfinite(result[0]):
        raise _NotFinite(f"{what} loss became {result[0]} after epoch {epoch + 1}")
    return result


def _better(best: dict | None, val_acc: float, val_loss: float) -> bool:
    """Higher validation accuracy wins; a tie goes to the lower validation loss."""
    return (best is None or val_acc > best["val_acc"]
            or (val_acc == best["val_acc"] and val_loss < best["val_loss"]))


def _snapshot(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _progress_bar(enabled: bool, total: int, initial: int):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=True)


# ---------------------------------------------------------------- the loop


def train_model(model: nn.Module, train_set, test_set=None, *, device=None,
                checkpoint: str | Path | None = None, resume: bool = False,
                progress: bool = False, on_epoch_end: Callable | None = None,
                **settings) -> History:
    """Train ``model`` and return its :class:`History`.

    ``settings`` are the fields of :class:`gdsc_book.config.TrainConfig` (``epochs`` is
    required; ``batch_size``, ``optimizer``, ``lr``, ``scheduler``, ``loss``,
    ``val_fraction``, ``patience``, ``seed``, ...). Test accuracy is computed inside the loop
    after every epoch; with ``checkpoint`` the model, the optimizer, the test accuracy, the
    epoch, the settings, the data's fingerprint, the RNG states and the library versions are
    written (atomically) after every epoch, and ``resume=True`` continues from it.

    ``val_fraction`` holds out part of the training set: the epoch with the best validation
    accuracy is the one returned (``restore_best``) and ``patience`` epochs without
    improvement stop training. A NaN or infinite loss (training, validation or test) stops
    training: ``on_nan="raise"`` raises :class:`TrainingDiverged`, ``"stop"`` records it in
    ``history.diverged`` and returns; either way the model is put back to its last good weights
    and the last good checkpoint is kept. ``on_epoch_end(epoch, history)`` (1-based epoch)
    returning True stops training.
    """
    # -- check the settings before touching anything (a bad call overwrites nothing)
    cfg = TrainConfig.from_keywords(settings)
    if resume and checkpoint is None:
        raise BookError("resume=True needs a checkpoint path")
    loss_fn = make_loss(cfg.loss, cfg.label_smoothing)
    eval_loss_fn = make_loss(cfg.loss, 0.0)  # report plain losses, whatever the smoothing
    resumed = checkpoint_mod.load_checked_checkpoint(checkpoint) if resume else None
    if checkpoint is not None:  # what a save killed mid-write left (this run owns the file)
        sweep_temporaries(checkpoint)

    # -- model and data on the device, once
    dev = torch.device(device) if device is not None else default_device()
    torch.manual_seed(cfg.seed)  # dropout and any other global randomness start from the seed
    model.to(dev)
    if cfg.channels_last:
        model.to(memory_format=torch.channels_last)
    data = RunData.prepare(train_set, test_set, cfg, dev)
    steps = data.steps(cfg.batch_size)

    # -- optimizer and schedule; then where a resumed run left off
    opt = make_optimizer(cfg.optimizer, model.parameters(), cfg.lr, cfg.momentum,
                         cfg.weight_decay)
    sched = make_scheduler(cfg.scheduler, opt, cfg.epochs * steps)
    config = cfg.record()
    data_rec = data.record(train_set, test_set) if checkpoint is not None else None
    history, start, best, bad_epochs = History(), 0, None, 0
    test, best_logits = None, None
    if resumed is not None:
        checkpoint_mod.check_resume(checkpoint, resumed, config, data_rec, model)
        r = checkpoint_mod.restore(resumed, model, opt, sched)
        history, best, bad_epochs = History.from_dict(r["history"]), r["best"], r["bad_epochs"]
        start = cfg.epochs if r["finished"] else r["epoch"]  # finished: nothing left to do
    last_good = _snapshot(model)

    bar = _progress_bar(progress, cfg.epochs * steps, start * steps)
    try:
        for epoch in range(start, cfg.epochs):
            # --8<-- [start:epoch]
            t0 = time.perf_counter()
            train_loss, train_acc = train_one_epoch(model, opt, sched, data, loss_fn, cfg,
                                                    epoch, bar)
            val = _evaluate_split(model, data.val, eval_loss_fn, cfg.eval_batch_size,
                                  "validation", epoch)
            # Quiz 1: the test accuracy, computed inside the training loop every epoch.
            test = _evaluate_split(model, data.test, eval_loss_fn, cfg.eval_batch_size,
                                   "test", epoch, keep_logits=True)
            history.add(train_loss, train_acc, opt.param_groups[0]["lr"], val, test,
                        time.perf_counter() - t0)
            if val is not None:  # keep the best epoch by validation accuracy
                if _better(best, val[1], val[0]):
                    best = {"epoch": epoch + 1, "val_acc": val[1], "val_loss": val[0],
                            "test_acc": test[1] if test else float("nan"),
                            "model": _snapshot(model)}
                    best_logits = test[2] if test else None
                    bad_epochs = 0
                else:
                    bad_epochs += 1
                history.best_epoch = best["epoch"]
                history.stopped_early = cfg.patience is not None and bad_epochs >= cfg.patience
            if bar is not None:
                bar.set_postfix(history.postfix(cfg.epochs))
            if on_epoch_end is not None and on_epoch_end(epoch + 1, history):
                history.stopped_early = True
            if checkpoint is not None:  # save: every finished epoch survives a crash
                checkpoint_mod.save_checkpoint(checkpoint_mod.training_state(
                    epoch=epoch + 1, finished=history.stopped_early or epoch + 1 == cfg.epochs,
                    model=model, optimizer=opt, scheduler=sched, history=history.to_dict(),
                    best=best, bad_epochs=bad_epochs, config=config, data=data_rec), checkpoint)
            last_good = _snapshot(model)
            if history.stopped_early:
                break
            # --8<-- [end:epoch]
    except _NotFinite as exc:
        return _diverged(model, last_good, history, str(exc), epoch, checkpoint, cfg.on_nan)
    finally:
        if bar is not None:
            bar.close()
    history.test_logits = test[2].cpu() if test else None  # None: no epoch ran here
    if cfg.restore_best and best is not None:
        model.load_state_dict(best["model"])
        history.test_logits = None if best_logits is None else best_logits.cpu()
    return history


def _diverged(model, last_good, history: History, msg: str, epoch: int, checkpoint,
              on_nan: str) -> History:
    """Put the last good weights back and say which checkpoint is kept."""
    model.load_state_dict(last_good)
    msg += ": training stopped"
    if checkpoint is not None:
        msg += (f"; the last good checkpoint (epoch {epoch}) is kept at {checkpoint}"
                if epoch > 0 and Path(checkpoint).exists() else "; no checkpoint was written")
    history.diverged = msg
    if on_nan == "raise":
        raise TrainingDiverged(msg + ". Try a smaller learning rate.")
    return history


def load_model(path: str | Path, which: str = "best", map_location="cpu") -> nn.Module:
    """Rebuild the model saved in a checkpoint; ``which`` is ``"best"`` (val split) or ``"last"``."""
    from gdsc_book.models import build_model

    state = checkpoint_mod.load_checkpoint(path, map_location=map_location)
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
