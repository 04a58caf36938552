"""The settings of one ``gdsc-book train`` run: one frozen value that checks itself.

:class:`RunConfig` is built once from the command line (a recipe plus what was overridden);
building it refuses every setting that would end in a traceback later (a negative learning
rate, a seed torch cannot hold, a split that leaves nothing to train on), so a bad call stops
before any data is read or any file is touched. A resume compares the checkpoint's settings
with it field by field (:func:`resume_differences`).

Only the command line builds runs from it so far; figures, labs and benchmarks still call
``train_model`` with keywords.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from types import MappingProxyType

from gdsc_book.errors import BookError

# train_model derives per-epoch generator seeds as seed * 1_000_003 + epoch (+ 7919), which
# must fit in a signed 64-bit integer; 32 bits is the usual range of a seed (numpy's too).
SEED_MAX = 2**32 - 1
DEVICE_TYPES = ("cpu", "cuda", "mps")


def _fail(problem: str, fix: str) -> BookError:
    return BookError(f"{problem}. {fix}")


def check_seed(seed: int) -> None:
    if not 0 <= seed <= SEED_MAX:
        raise _fail(f"--seed must be a whole number from 0 to {SEED_MAX}, got {seed}",
                    "Pick a smaller seed, e.g. --seed 0")


def check_epochs(epochs: int, minimum: int = 0) -> None:
    if epochs < minimum:
        raise _fail(f"--epochs must be >= {minimum}, got {epochs}", "Pass e.g. --epochs 3")


def check_subset(subset: int | None) -> None:
    if subset is not None and subset < 2:
        raise _fail(f"--subset must be >= 2, got {subset}",
                    "Pass a number of training examples such as --subset 1000, or leave it out")


def training_examples(n: int, val_fraction: float) -> int:
    """How many of ``n`` examples ``train_model`` trains on after holding out its split."""
    return n - (max(1, round(n * val_fraction)) if val_fraction > 0 else 0)


def check_split(n: int, val_fraction: float, what: str = "the training set") -> None:
    """At least two examples must remain to train on (one example is no batch)."""
    left = training_examples(n, val_fraction)
    if left < 2:
        raise _fail(f"--val-fraction {val_fraction:g} of {what} ({n} examples) leaves {left} "
                    f"to train on", "Use a larger --subset or a smaller --val-fraction")


def resolve_device(name: str | None):
    """The ``torch.device`` for ``--device``, refused unless it exists here."""
    import torch

    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    fix = "Use --device cpu, or leave --device out to use a GPU when there is one"
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        raise _fail(f"--device {name!r} is not a device name", fix) from None
    if dev.type not in DEVICE_TYPES:
        raise _fail(f"--device {name!r}: training runs on {', '.join(DEVICE_TYPES)} only", fix)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise _fail(f"--device {name}: no CUDA GPU is usable here "
                        f"(torch.cuda.is_available() is False)", fix)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise _fail(f"--device {name}: this machine has {torch.cuda.device_count()} "
                        f"GPU(s), numbered from 0", fix)
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise _fail(f"--device {name}: Apple's MPS backend is not available here", fix)
    return dev


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides what one ``train`` run computes; invalid values are refused."""

    dataset: str
    model: str
    epochs: int
    seed: int = 0
    val_fraction: float = 0.0
    patience: int | None = None
    subset: int | None = None
    # The train_model keywords of the recipe (batch_size, lr, optimizer, ...), read-only.
    train: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    model_kwargs: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self):
        object.__setattr__(self, "train", MappingProxyType(dict(self.train)))
        object.__setattr__(self, "model_kwargs", MappingProxyType(dict(self.model_kwargs)))
        check_epochs(self.epochs)
        check_seed(self.seed)
        check_subset(self.subset)
        if not (math.isfinite(self.val_fraction) and 0 <= self.val_fraction < 1):
            raise _fail(f"--val-fraction must be at least 0 and below 1, got {self.val_fraction}",
                        "Pass e.g. --val-fraction 0.1, or leave it out")
        if self.patience is not None:
            if self.val_fraction <= 0:
                raise _fail("--patience needs a validation split to watch",
                            "Pass --val-fraction (e.g. 0.1) as well, or leave --patience out")
            if self.patience < 1:
                raise _fail(f"--patience must be >= 1, got {self.patience}",
                            "Pass e.g. --patience 2")
        if self.subset is not None:
            check_split(self.subset, self.val_fraction, f"--subset {self.subset}")
        bs = self.train.get("batch_size", 1)
        if not isinstance(bs, int) or bs < 1:
            raise _fail(f"--batch-size must be >= 1, got {bs}", "Pass e.g. --batch-size 128")
        lr = self.train.get("lr", 0.1)
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise _fail(f"--lr must be a positive number, got {lr}",
                        "Pass e.g. --lr 0.1, or leave it out to use the recipe's rate")

    @classmethod
    def from_recipe(cls, dataset: str, model: str, recipe: dict, *, seed: int = 0,
                    val_fraction: float = 0.0, patience: int | None = None,
                    subset: int | None = None, **overrides) -> RunConfig:
        """``recipe`` as in ``gdsc_book.train.RECIPES``; ``overrides`` that are None are unset.

        ``overrides`` are the recipe's own settings given on the command line (``epochs``,
        ``batch_size``, ``lr``, ``optimizer``, ``scheduler``; ``"none"`` means no scheduler).
        """
        recipe = dict(recipe)
        model_kwargs = recipe.pop("model_kwargs", {})
        recipe.pop("model", None)
        for key, value in overrides.items():
            if value is not None:
                recipe[key] = None if value == "none" else value
        if "epochs" not in recipe:
            raise _fail(f"model {model} has no default recipe", "Pass --epochs N")
        epochs = recipe.pop("epochs")
        return cls(dataset, model, epochs, seed, val_fraction, patience, subset,
                   train=recipe, model_kwargs=model_kwargs)

    def train_kwargs(self) -> dict:
        """Keywords for ``train_model`` (besides data, checkpoint, device and progress)."""
        return dict(self.train, epochs=self.epochs, seed=self.seed,
                    val_fraction=self.val_fraction, patience=self.patience)


def _train_defaults() -> dict:
    from gdsc_book.train import train_model

    return {k: p.default for k, p in inspect.signature(train_model).parameters.items()
            if p.default is not inspect.Parameter.empty}


# What a checkpoint's "config" records of the settings a RunConfig decides.
_COMPARED = ("epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "scheduler",
             "label_smoothing", "val_fraction", "patience", "seed")


def resume_differences(state: dict, cfg: RunConfig, model_spec: dict | None,
                       n_train: int | None = None, n_test: int | None = None) -> list[str]:
    """What differs between a checkpoint and the run about to continue it, field by field."""
    old = state.get("config") or {}
    diff = []
    if old.get("dataset") not in (None, cfg.dataset):
        diff.append(f"dataset: checkpoint {old['dataset']}, now {cfg.dataset}")
    spec = state.get("model_spec") or {}
    if isinstance(spec, dict) and spec.get("name") not in (None, cfg.model):
        diff.append(f"model: checkpoint {spec['name']}, now {cfg.model}")
    elif isinstance(spec, dict) and spec and model_spec:
        for key in ("kwargs", "in_shape", "num_classes"):
            if spec.get(key) != model_spec.get(key):
                diff.append(f"model {key}: checkpoint {spec.get(key)!r}, now "
                            f"{model_spec.get(key)!r}")
    now = dict(_train_defaults(), **cfg.train_kwargs())
    for key in _COMPARED:
        if key in old and old[key] != now.get(key):
            diff.append(f"{key}: checkpoint {old[key]!r}, now {now.get(key)!r}")
    for key, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and key in old and old[key] != value:
            diff.append(f"{key} (examples): checkpoint {old[key]}, now {value}")
    return diff
