"""The book's recipes: a model plus the settings ``train_model`` trains it with, for both labs.

Lab 1 (MNIST), one recipe per model, named after it (``gdsc-book train --model cnn`` uses
``cnn``): few epochs, a one-cycle learning rate and label smoothing reach good accuracy fast,
which is what a CPU needs (``benchmarks/bench_mnist.py`` measures them).

Lab 2 (CIFAR-10), for ``gdsc-book repeat --recipe``:

- ``quick``: a narrow network for one epoch, for tests and CI (seconds on a subset).
- ``default``: the lab's recipe, a small CNN whose first layer is fixed patch whitening
  (:func:`gdsc_book.models.patch_whitening`), for 3 epochs, tested on six views (the image,
  its mirror, both shifted a pixel each way); made to train faster than PyTorch's CIFAR-10
  tutorial, in float32 too (``benchmarks/bench_cifar10.py --runs 5``).
- ``full``: a ResNet-9 for 16 epochs whose test accuracy averages each image with its mirror
  image, for a GPU or a patient CPU (aims at 90%; the figure ``lab2_full`` records what one
  run reaches, ``benchmarks/bench_cifar10.py --recipe full`` measures it against the tutorial).

All three share what makes short training work: batch normalization, a one-cycle learning
rate (warm up, then anneal), flip-and-crop augmentation and label smoothing.

The command line, the figures, the benchmarks and the labs all build runs from this one table
through :func:`get_recipe`, :func:`build` and :func:`run`.
"""

from __future__ import annotations

import time
from copy import deepcopy

import torch

from gdsc_book import augment
from gdsc_book.augment import FlipCrop
from gdsc_book.config import TrainConfig
from gdsc_book.errors import BookError
from gdsc_book.models import build_model
from gdsc_book.train import History, as_tensors, predict_logits, train_model

# What a recipe leaves out: train_model's defaults, no augmentation, no test-time flip.
_DEFAULTS = {"model_kwargs": {}, "momentum": 0.9, "weight_decay": 0.0, "scheduler": None,
             "label_smoothing": 0.0, "channels_last": False, "crop_padding": 0, "flip": False,
             "test_flip": False, "test_shift": 0, "logit_scale": None}

_COMMON = {"optimizer": "sgd", "momentum": 0.9, "scheduler": "onecycle",
           "label_smoothing": 0.1, "crop_padding": 4, "flip": True, "channels_last": True,
           "test_flip": False}

RECIPES: dict[str, dict] = {
    # Lab 1: MNIST
    "softmax": {"model": "softmax", "epochs": 10, "batch_size": 256, "optimizer": "adam",
                "lr": 0.01, "scheduler": "onecycle"},
    "mlp": {"model": "mlp", "epochs": 5, "batch_size": 128, "optimizer": "sgd", "lr": 0.1,
            "scheduler": "onecycle", "label_smoothing": 0.1, "model_kwargs": {"widths": (512,)}},
    "cnn": {"model": "cnn", "epochs": 3, "batch_size": 128, "optimizer": "sgd", "lr": 0.4,
            "scheduler": "onecycle", "weight_decay": 5e-4, "label_smoothing": 0.1,
            "channels_last": True,
            "model_kwargs": {"width": 14, "first_width": 8, "pools": 3, "mixed_precision": True}},
    # Lab 2: CIFAR-10
    "quick": dict(_COMMON, model="cifarnet", model_kwargs={"width": 16, "mixed_precision": True},
                  epochs=1, batch_size=256, lr=0.2, weight_decay=5e-4),
    # A frozen patch-whitening first layer, small batches and a light crop for 3 epochs.
    "default": dict(_COMMON, model="cifarnet",
                    model_kwargs={"width": 24, "first_width": 16, "mixed_precision": True,
                                  "pool_first": True, "whiten": True},
                    epochs=3, batch_size=64, lr=0.1, weight_decay=5e-4, crop_padding=2,
                    test_flip=True, test_shift=1),
    # As the DAWNBench ResNet-9: logits times 1/8 keep a peak rate of 0.4 stable.
    "full": dict(_COMMON, model="resnet9", model_kwargs={"width": 64, "mixed_precision": True},
                 epochs=16, batch_size=512, lr=0.4, weight_decay=5e-4, label_smoothing=0.2,
                 logit_scale=0.125, test_flip=True),
}
LAB1 = ("softmax", "mlp", "cnn")
LAB2 = ("quick", "default", "full")


def train_kwargs(recipe: dict) -> dict:
    """The recipe's ``train_model`` settings (the model and the augmentation are built here)."""
    return {k: v for k, v in recipe.items() if k in TrainConfig.__dataclass_fields__}


def model_recipe(model: str) -> dict:
    """The Lab 1 recipe named after ``model`` (what ``gdsc-book train --model`` uses), or {}."""
    if model in RECIPES and RECIPES[model]["model"] == model:
        return get_recipe(model)
    return {}


def get_recipe(name: str, **overrides) -> dict:
    """A copy of recipe ``name`` with ``overrides`` (``None`` values are ignored)."""
    if name not in RECIPES:
        raise BookError(f"unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}")
    recipe = deepcopy(dict(_DEFAULTS, **RECIPES[name]))
    for k, v in overrides.items():
        if v is None:
            continue
        if k not in recipe:
            raise BookError(f"recipe has no setting {k!r}; settings: {', '.join(recipe)}")
        recipe[k] = v
    recipe["name"] = name
    TrainConfig.from_keywords(train_kwargs(recipe))  # an override train_model would refuse
    return recipe


class Scale(torch.nn.Module):
    """Multiply by a constant: the ResNet-9's last layer, which keeps early logits small."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = float(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


def build(recipe: dict, in_shape, num_classes: int, seed: int) -> torch.nn.Module:
    """The recipe's model, its initial weights drawn from ``seed``."""
    torch.manual_seed(seed)
    model = build_model(recipe["model"], in_shape, num_classes, **recipe["model_kwargs"])
    if recipe.get("logit_scale"):
        model.head = torch.nn.Sequential(model.head, Scale(recipe["logit_scale"]))
    return model


def _mirrors(dataset: str) -> bool:
    # A mirrored digit is another symbol: only natural images get flipped.
    return dataset in ("cifar10",)


def augmentation(recipe: dict, dataset: str = "cifar10") -> FlipCrop | None:
    flip = recipe["flip"] and _mirrors(dataset)
    if recipe["crop_padding"] <= 0 and not flip:
        return None
    return FlipCrop(recipe["crop_padding"], flip=flip)


@torch.no_grad()
def flip_accuracy(model: torch.nn.Module, test_set, plain_logits: torch.Tensor | None = None,
                  shift: int = 0) -> float:
    """Test accuracy from the average of the logits of each image and its mirror image.

    Test-time augmentation with the flip the model was trained on: the two views do not
    always go wrong on the same images, so their sum is often right where the plain answer
    is not (nothing is retrained). ``shift > 0`` adds both views moved ``shift`` pixels
    diagonally each way (two of the training crops), at half weight: six views in all.
    ``plain_logits``: the model's logits on ``test_set`` when they are at hand
    (``History.test_logits``), so that the plain images are not run again.
    """
    x, y = as_tensors(test_set)
    logits = view_logits(model, x, plain_logits, shift)
    return (logits.argmax(1) == y).float().mean().item()


@torch.no_grad()
def view_logits(model: torch.nn.Module, x: torch.Tensor, plain_logits: torch.Tensor | None = None,
                shift: int = 0) -> torch.Tensor:
    """The summed logits of :func:`flip_accuracy`'s views of the images ``x``."""
    if plain_logits is None:
        plain_logits = predict_logits(model, x)
    logits = plain_logits + predict_logits(model, x.flip(3))
    if shift:
        for view in (x, x.flip(3)):
            for d in (shift, -shift):
                logits += 0.5 * predict_logits(model, augment.shift(view, d, d))
    return logits


def run(recipe: dict, train_set, test_set, seed: int = 0, *, model: torch.nn.Module | None = None,
        **train_kw) -> tuple[torch.nn.Module, History, dict]:
    """Train the recipe once with ``seed``; return the model, its history and a summary.

    ``model`` replaces the recipe's fresh model (fine-tuning passes a pretrained one);
    ``train_kw`` go to :func:`train_model` (``checkpoint``, ``resume``, ``on_epoch_end``...).
    """
    if model is None:
        model = build(recipe, tuple(train_set.images.shape[1:]), len(train_set.classes), seed)
        if getattr(model, "whiten", False):  # pixel statistics only: no labels are used
            model.whiten_stem(as_tensors(train_set)[0])
    kw = train_kwargs(recipe)
    kw.update(train_kw)
    t0, c0 = time.perf_counter(), time.process_time()
    history = train_model(model, train_set, test_set, seed=seed,
                          augment=augmentation(recipe, train_set.name), **kw)
    test_acc = history.final_test_acc
    if recipe["test_flip"] and _mirrors(train_set.name) and history.test_acc:
        test_acc = flip_accuracy(model, test_set, history.test_logits, recipe["test_shift"])
    info = {
        "test_acc": test_acc,
        # The last epoch's test accuracy without the test-time flip.
        "test_acc_plain": history.final_test_acc,
        "seconds": time.perf_counter() - t0,
        # CPU seconds of all threads: with a busy machine, wall time says little, and
        # cpu_seconds / threads estimates the wall time on an idle one.
        "cpu_seconds": time.process_time() - c0,
        "threads": torch.get_num_threads(),
        "epochs": history.epochs,
    }
    return model, history, info
