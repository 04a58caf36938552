"""Checkpoints: what one holds, how it is saved, checked, restored and described.

Everything about the format lives here: :func:`training_state` builds the dict ``train_model``
saves after every epoch, :func:`save_checkpoint` writes it, :func:`load_checked_checkpoint`
reads it back and checks every field's type, :func:`check_resume` refuses to continue it with
other settings, other data or another model (naming what differs), and :func:`restore` puts
the weights, the optimizer, the schedule and the random number generators back.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(path, weights_only=True)`` (no arbitrary code runs on load). It is written to a
temporary file in the same folder and then renamed over the target: a crash mid-write leaves
the previous checkpoint intact, never a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import platform
from numbers import Real
from pathlib import Path

import torch

from gdsc_book.errors import BookError
from gdsc_book.files import write_atomically

FORMAT = "gdsc-book-checkpoint/1"
REQUIRED = ("format", "epoch", "model", "optimizer", "test_acc")


class CheckpointError(BookError):
    """A checkpoint is missing, unreadable or not one of ours."""


def library_versions() -> dict:
    import numpy

    from gdsc_book import __version__

    return {"gdsc_book": __version__, "torch": str(torch.__version__),
            "numpy": str(numpy.__version__),
            "python": platform.python_version()}


def save_checkpoint(state: dict, path: str | os.PathLike) -> Path:
    """Write ``state`` to ``path`` atomically (temporary file + fsync + rename)."""
    return write_atomically(path, lambda f: torch.save(state, f), durable=True)


def load_checkpoint(path: str | os.PathLike, map_location="cpu") -> dict:
    """Load a checkpoint with ``weights_only=True``; a clear :class:`CheckpointError` if bad."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is not a file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"checkpoint {path} is corrupt, truncated or not a safe PyTorch checkpoint "
            f"(torch.load(weights_only=True) failed with {type(exc).__name__})"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a gdsc-book checkpoint (no '{FORMAT}' marker)")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}")
    return state


def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def checkpoint_problems(state: dict) -> list[str]:
    """Wrong types in a checkpoint that carries our marker (what ``inspect`` would trip on)."""
    bad = []

    def need(key, ok, what, optional=False):
        if key not in state and optional:
            return
        if not ok(state.get(key)):
            bad.append(f"'{key}' should be {what}, got {type(state.get(key)).__name__}")

    need("model", lambda v: isinstance(v, dict)
         and all(isinstance(t, torch.Tensor) for t in v.values()), "a dict of tensors")
    need("optimizer", lambda v: isinstance(v, dict) and isinstance(v.get("state", {}), dict)
         and isinstance(v.get("param_groups", []), list), "an optimizer state_dict")
    need("epoch", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
         "a whole number >= 0")
    need("test_acc", _is_number, "a number")
    need("test_loss", _is_number, "a number", optional=True)
    need("config", lambda v: isinstance(v, dict), "a dict", optional=True)
    need("data", lambda v: isinstance(v, dict), "a dict", optional=True)
    need("model_spec", lambda v: v is None or isinstance(v, dict), "None or a dict",
         optional=True)
    need("rng", lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
         "a dict with string keys", optional=True)
    need("versions", lambda v: isinstance(v, dict), "a dict", optional=True)
    need("best", lambda v: v is None or (isinstance(v, dict) and all(
        _is_number(v.get(k)) for k in ("epoch", "val_acc", "test_acc"))),
        "None or a dict with numbers epoch, val_acc and test_acc", optional=True)
    hist = state.get("history", {})
    plain = (list, str, int, float, type(None))  # what has a truth value and prints
    if not (isinstance(hist, dict) and all(isinstance(k, str) and isinstance(v, plain)
                                           for k, v in hist.items())):
        bad.append("'history' should be a dict of per-epoch lists")
    elif hist.get("train_loss"):
        n = len(hist["train_loss"]) if isinstance(hist["train_loss"], list) else -1
        for key in ("train_loss", "train_acc", "seconds", "val_acc", "test_acc"):
            v = hist.get(key)
            if key in ("val_acc", "test_acc") and not v:
                continue
            if not (isinstance(v, list) and len(v) >= n > 0 and all(map(_is_number, v))):
                bad.append(f"'history.{key}' should be a list of {max(n, 1)}+ numbers")
    return bad


def load_checked_checkpoint(path: str | os.PathLike) -> dict:
    """:func:`load_checkpoint` plus a type check of every field that is read back."""
    state = load_checkpoint(path)
    bad = checkpoint_problems(state)
    if bad:
        raise CheckpointError(f"{path} carries the gdsc-book checkpoint marker but is not one "
                              f"that gdsc-book wrote: {'; '.join(bad)}. Use a checkpoint "
                              f"written by `gdsc-book train --checkpoint` or train_model")
    return state


# ---------------------------------------------------------------- what a run was made of


def data_record(data) -> dict:
    """What identifies a split: the dataset's name and file fingerprint (plus the subset
    drawn from it), or for plain tensors a hash of their bytes."""
    if hasattr(data, "sha256") and hasattr(data, "labels"):
        return {"dataset": data.name, "split": data.split, "n": len(data),
                "sha256": data.sha256, "subset": data.extra.get("subset"),
                "subset_seed": data.extra.get("subset_seed")}
    h = hashlib.sha256()
    shapes = []
    for t in data:
        t = torch.as_tensor(t).detach().cpu().contiguous()
        shapes.append(list(t.shape))
        h.update(str(t.dtype).encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return {"dataset": None, "shapes": shapes, "sha256": h.hexdigest()}


def model_record(model: torch.nn.Module) -> dict:
    """The names and shapes of a model's weights: what ``load_state_dict`` needs to agree."""
    return {k: list(v.shape) for k, v in model.state_dict().items()}


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """``key: checkpoint A, now B`` for every field that differs between two records."""
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (k not in new, str(k))):
        a, b = old.get(key, "(not recorded)"), new.get(key, "(not recorded)")
        if a != b:
            show = (lambda v: v) if isinstance(a, str) and isinstance(b, str) else repr
            out.append(f"{prefix}{key}: checkpoint {show(a)}, now {show(b)}")
    return out


def resume_differences(state: dict, config: dict, *, data: dict | None = None,
                       model_spec: dict | None = None, weights: dict | None = None,
                       dataset: str | None = None, model_name: str | None = None) -> list[str]:
    """What differs between a checkpoint and the run about to continue it, field by field:
    the settings (``TrainConfig.record()``), the data (:func:`data_record` of each split and
    the split sizes), the model's spec and its weights' names and shapes. What is not given
    is not compared: the command line checks the settings and the dataset's and model's names
    before it loads any data (``dataset``, ``model_name``), ``train_model`` all of it."""
    diff = []
    old_data = state.get("data") if isinstance(state.get("data"), dict) else None
    old_ds = ((old_data or {}).get("train") or {}).get("dataset")
    new_ds = dataset or ((data or {}).get("train") or {}).get("dataset")
    if old_ds and new_ds and old_ds != new_ds:
        diff.append(f"dataset: checkpoint {old_ds}, now {new_ds}")
    elif data is not None and old_data is None:
        diff.append("data: not recorded (the checkpoint was written by an older gdsc-book)")
    elif data is not None:
        for split in ("train", "test"):
            diff += differences(old_data.get(split) or {}, data.get(split) or {},
                                f"{split} data ")
        for key in ("n_train", "n_val", "n_test"):
            if old_data.get(key) != data.get(key):
                diff.append(f"{key} (examples): checkpoint {old_data.get(key)}, "
                            f"now {data.get(key)}")
    spec_old = state.get("model_spec") or {}
    name_new = model_name or (model_spec or {}).get("name")
    model_diff = []
    if spec_old.get("name") and name_new and spec_old["name"] != name_new:
        model_diff.append(f"model: checkpoint {spec_old['name']}, now {name_new}")
    elif model_spec and spec_old:
        model_diff += differences({k: v for k, v in spec_old.items() if k != "name"},
                                  {k: v for k, v in model_spec.items() if k != "name"}, "model ")
    if weights is not None and not model_diff:
        old_w = {k: list(v.shape) for k, v in state["model"].items()}
        if old_w != weights:
            model_diff.append(f"model weights: the checkpoint's {len(old_w)} tensors do not "
                              f"fit this model's {len(weights)} (another architecture or width)")
    diff += model_diff
    diff += differences(dict(state.get("config") or {}), config)
    return diff


def mismatch_message(path, diff: list[str]) -> str:
    return (f"cannot resume from {path}: it holds another run ({'; '.join(diff)}). Resume "
            f"with the settings, data and model it was made with (`gdsc-book inspect {path}` "
            f"shows them), or start a new run in another checkpoint file (or replace this "
            f"one: --force on the command line, resume=False in Python)")


def check_resume(path, state: dict, config: dict, data: dict, model: torch.nn.Module) -> None:
    """Refuse to continue ``state`` unless settings, data and model all match."""
    diff = resume_differences(state, config, data=data, model_spec=getattr(model, "spec", None),
                              weights=model_record(model))
    if diff:
        raise CheckpointError(mismatch_message(path, diff))


# ---------------------------------------------------------------- save and restore


def training_state(*, epoch: int, finished: bool, model, optimizer, scheduler, history: dict,
                   best: dict | None, bad_epochs: int, config: dict, data: dict) -> dict:
    """The dict ``train_model`` saves after an epoch (loads with ``weights_only=True``)."""
    rng = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    test_acc, test_loss = history.get("test_acc"), history.get("test_loss")
    return {
        "format": FORMAT,
        "epoch": epoch,
        "finished": finished,
        "model": model.state_dict(),
        "model_spec": getattr(model, "spec", None),
        "optimizer": optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "test_acc": test_acc[-1] if test_acc else float("nan"),
        "test_loss": test_loss[-1] if test_loss else float("nan"),
        "history": history,
        "best": best,
        "bad_epochs": bad_epochs,
        "config": config,
        "data": data,
        "seed": config.get("seed"),
        "rng": rng,
        "versions": library_versions(),
    }


def restore(state: dict, model, optimizer, scheduler) -> dict:
    """Put a checkpoint's weights, optimizer, schedule and RNG states back; return the rest
    (``history``, ``epoch``, ``best``, ``bad_epochs``, ``finished``) for the loop."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    rng = state.get("rng", {})
    if "torch" in rng:
        torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(list(rng["cuda"]))
    return {"history": state["history"], "epoch": int(state["epoch"]), "best": state.get("best"),
            "bad_epochs": int(state.get("bad_epochs", 0)),
            "finished": bool(state.get("finished"))}


def _tensor_summary(sd: dict) -> str:
    n = sum(v.numel() for v in sd.values() if isinstance(v, torch.Tensor))
    return f"{len(sd)} tensors, {n:,} numbers"


def _data_summary(data) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("train"), dict):
        return "not recorded"
    train = data["train"]
    name = train.get("dataset") or "tensors"
    fp = str(train.get("sha256", ""))[:12]
    return (f"{name}, {data.get('n_train')} train / {data.get('n_val')} val / "
            f"{data.get('n_test')} test examples, files {fp}…")


def describe(state: dict) -> list[tuple[str, str, str]]:
    """Rows ``(key, what it is, value)`` explaining a checkpoint: for ``inspect`` and Lab 1."""
    from gdsc_book.report import percent

    cfg = state.get("config", {})
    hist = state.get("history", {})
    best = state.get("best") or {}
    rows = [
        ("model", "model weights (state_dict)", _tensor_summary(state["model"])),
        ("model_spec", "how to rebuild the model", str(state.get("model_spec"))),
        ("optimizer", "optimizer state (e.g. momentum buffers)",
         f"{len(state['optimizer'].get('state', {}))} parameter states, "
         f"{len(state['optimizer'].get('param_groups', []))} group(s)"),
        ("scheduler", "learning-rate scheduler state",
         "none" if state.get("scheduler") is None else "saved"),
        ("epoch", "epochs completed", f"{state['epoch']} of {cfg.get('epochs', '?')}"),
        ("test_acc", "test accuracy after that epoch", percent(state["test_acc"])),
        ("test_loss", "test loss after that epoch", f"{state.get('test_loss', float('nan')):.4f}"),
        ("history", "per-epoch curves", ", ".join(k for k, v in hist.items() if v) or "none"),
        ("best", "best epoch by validation accuracy",
         f"epoch {best['epoch']}, val_acc {percent(best['val_acc'])}, "
         f"test_acc {percent(best['test_acc'])}" if best else "no validation split"),
        ("data", "what it was trained on (a resume must match)",
         _data_summary(state.get("data"))),
        ("config", "training settings",
         ", ".join(f"{k}={v}" for k, v in cfg.items() if k in
                   ("optimizer", "lr", "batch_size", "epochs", "scheduler", "loss"))),
        ("seed", "random seed", str(state.get("seed"))),
        ("rng", "random number generator states", ", ".join(state.get("rng", {})) or "none"),
        ("versions", "library versions", ", ".join(f"{k} {v}" for k, v in
                                                   state.get("versions", {}).items())),
    ]
    return rows
