"""The settings of a training run: frozen values that check themselves.

- :class:`TrainConfig` is every setting that decides what ``train_model`` computes (epochs,
  batch size, optimizer, rate, schedule, loss, split, seed, ...). ``train_model`` builds one
  from its keywords, so a bad call stops before any tensor moves, and a checkpoint stores its
  :meth:`TrainConfig.record`: a resume compares the two field by field
  (:func:`gdsc_book.checkpoint.differences`), not through a hand-kept list of keys.
- :class:`RunConfig` is one ``gdsc-book train`` run: a dataset, a model and a
  :class:`TrainConfig`, built from a recipe of :data:`gdsc_book.recipes.RECIPES` plus what was
  given on the command line. It refuses every option that would end in a traceback later (a
  negative learning rate, a seed torch cannot hold, a split that leaves nothing to train on).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from gdsc_book.errors import BookError

# train_model derives per-epoch generator seeds as seed * 1_000_003 + epoch (+ 7919), which
# must fit in a signed 64-bit integer; 32 bits is the usual range of a seed (numpy's too).
SEED_MAX = 2**32 - 1
DEVICE_TYPES = ("cpu", "cuda", "mps")
# Evaluation batches: on a CPU, 256 images keep the first layers' activations in cache; 1024
# made Lab 2's test pass ~40% slower (CifarNet, bf16) with the same numbers.
EVAL_BATCH = 256


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


def setting_name(x) -> object:
    """A stable, loadable description of a setting (functions by name, not by address)."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return getattr(x, "__qualname__", type(x).__name__)


@dataclass(frozen=True)
class TrainConfig:
    """The settings of ``train_model`` that decide its numbers, checked when built."""

    epochs: int
    batch_size: int = 128
    optimizer: str | Callable = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 0.0
    scheduler: str | Callable | None = None
    loss: str | Callable = "ce"
    label_smoothing: float = 0.0
    val_fraction: float = 0.0
    patience: int | None = None
    augment: Callable | None = None
    seed: int = 0
    max_grad_norm: float | None = None
    on_nan: str = "raise"
    restore_best: bool = True
    eval_batch_size: int = EVAL_BATCH
    channels_last: bool = False

    def __post_init__(self):
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise BookError(f"epochs must be a whole number >= 0, got {self.epochs!r}")
        if self.batch_size < 1:
            raise BookError(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise BookError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.patience is not None and self.val_fraction <= 0:
            raise BookError("patience (early stopping) needs a validation split: set val_fraction")
        if self.on_nan not in ("raise", "stop"):
            raise BookError(f"on_nan must be 'raise' or 'stop', got {self.on_nan!r}")

    @classmethod
    def from_keywords(cls, kw: dict) -> TrainConfig:
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(kw) - set(names))
        if unknown:
            raise BookError(f"train_model got unknown setting(s) {', '.join(unknown)}; its "
                            f"settings are: {', '.join(names)}")
        if "epochs" not in kw:
            raise BookError("train_model needs epochs=N")
        return cls(**kw)

    def record(self) -> dict:
        """Every field as plain data (functions by name): what a checkpoint stores."""
        return {f.name: setting_name(getattr(self, f.name)) for f in fields(self)}


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
        self.train_config()  # and whatever else train_model would refuse

    @classmethod
    def from_recipe(cls, dataset: str, model: str, recipe: dict, *, seed: int = 0,
                    val_fraction: float = 0.0, patience: int | None = None,
                    subset: int | None = None, **overrides) -> RunConfig:
        """``recipe`` as in ``gdsc_book.recipes.RECIPES``; ``overrides`` that are None are unset.

        ``overrides`` are the recipe's own settings given on the command line (``epochs``,
        ``batch_size``, ``lr``, ``optimizer``, ``scheduler``; ``"none"`` means no scheduler).
        """
        model_kwargs = recipe.get("model_kwargs", {})
        # The recipe's train_model settings (its augmentation is the recipes module's business).
        names = {f.name for f in fields(TrainConfig)}
        recipe = {k: v for k, v in recipe.items() if k in names}
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

    def train_config(self) -> TrainConfig:
        """What ``train_model`` will record in the checkpoint for this run."""
        return TrainConfig.from_keywords(self.train_kwargs())
