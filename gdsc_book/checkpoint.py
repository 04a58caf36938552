"""Checkpoints: save atomically, load safely, describe for people.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(path, weights_only=True)`` (no arbitrary code runs on load). It is written to a
temporary file in the same folder and then renamed over the target: a crash mid-write leaves
the previous checkpoint intact, never a half-written file.
"""

from __future__ import annotations

import os
import platform
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


def _tensor_summary(sd: dict) -> str:
    n = sum(v.numel() for v in sd.values() if isinstance(v, torch.Tensor))
    return f"{len(sd)} tensors, {n:,} numbers"


def describe(state: dict) -> list[tuple[str, str, str]]:
    """Rows ``(key, what it is, value)`` explaining a checkpoint: for ``inspect`` and Lab 1."""
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
        ("test_acc", "test accuracy after that epoch", f"{state['test_acc']:.4f}"),
        ("test_loss", "test loss after that epoch", f"{state.get('test_loss', float('nan')):.4f}"),
        ("history", "per-epoch curves", ", ".join(k for k, v in hist.items() if v) or "none"),
        ("best", "best epoch by validation accuracy",
         f"epoch {best['epoch']}, val_acc {best['val_acc']:.4f}, test_acc {best['test_acc']:.4f}"
         if best else "no validation split"),
        ("config", "training settings",
         ", ".join(f"{k}={v}" for k, v in cfg.items() if k in
                   ("optimizer", "lr", "batch_size", "epochs", "scheduler", "loss"))),
        ("seed", "random seed", str(state.get("seed"))),
        ("rng", "random number generator states", ", ".join(state.get("rng", {})) or "none"),
        ("versions", "library versions", ", ".join(f"{k} {v}" for k, v in
                                                   state.get("versions", {}).items())),
    ]
    return rows
