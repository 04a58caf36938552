"""``gdsc-book train``: train a model of the book on a dataset, with a checkpoint to resume."""

from __future__ import annotations

import time
from pathlib import Path

from gdsc_book.errors import BookError

HELP = "train softmax regression, an MLP or a CNN (Lab 1) with checkpoints and resume"


def add_arguments(p) -> None:
    from gdsc_book.data import DATASETS
    from gdsc_book.models import MODELS
    from gdsc_book.schedules import SCHEDULES

    p.add_argument("--dataset", default="mnist", choices=DATASETS)
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--epochs", type=int, help="epochs (default: the model's recipe)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", type=Path, help="checkpoint file, written after every epoch")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint")
    p.add_argument("--force", action="store_true",
                   help="start over even if --checkpoint exists (it is replaced)")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")
    p.add_argument("--batch-size", type=int, help="default: the model's recipe")
    p.add_argument("--lr", type=float, help="(peak) learning rate; default: the model's recipe")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "adadelta"])
    p.add_argument("--scheduler", choices=["none", *SCHEDULES])
    p.add_argument("--val-fraction", type=float, default=0.0,
                   help="hold out this share of the training set to pick the best epoch")
    p.add_argument("--patience", type=int, help="stop after this many epochs without a better "
                   "validation accuracy (needs --val-fraction)")
    p.add_argument("--subset", type=int, help="train on a random subset of this many examples")
    p.add_argument("--device", help="cpu, cuda, ... (default: a GPU if there is one)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from gdsc_book import data
    from gdsc_book.checkpoint import load_checkpoint
    from gdsc_book.models import build_model
    from gdsc_book.train import RECIPES, train_model

    # -- check everything before any work, so a bad call overwrites nothing
    if args.epochs is not None and args.epochs < 0:
        raise BookError(f"--epochs must be >= 0, got {args.epochs}")
    if args.subset is not None and args.subset < 2:
        raise BookError(f"--subset must be >= 2, got {args.subset}")
    if args.patience is not None and args.val_fraction <= 0:
        raise BookError("--patience needs a validation split: pass --val-fraction (e.g. 0.1)")
    if args.resume and args.checkpoint is None:
        raise BookError("--resume needs --checkpoint PATH")
    ck = args.checkpoint
    if ck is not None:
        if ck.is_dir():
            raise BookError(f"--checkpoint {ck} is a folder; give a file path")
        if args.resume:
            load_checkpoint(ck)  # missing or corrupt: a clear error now, nothing written
        elif ck.exists() and not args.force:
            raise BookError(f"{ck} exists: pass --resume to continue it or --force to replace it")

    recipe = dict(RECIPES.get(args.model, {}))
    for key in ("epochs", "batch_size", "lr", "optimizer", "scheduler"):
        value = getattr(args, key)
        if value is not None:
            recipe[key] = None if value == "none" else value
    recipe.pop("model", None)
    if "epochs" not in recipe:
        raise BookError(f"model {args.model} has no default recipe: pass --epochs N")
    model_kw = recipe.pop("model_kwargs", {})

    t0 = time.perf_counter()
    train = data.load(args.dataset, train=True, data_root=args.data_root)
    test = data.load(args.dataset, train=False, data_root=args.data_root)
    if args.subset:
        train = train.subset(args.subset, seed=args.seed)
    import torch

    torch.manual_seed(args.seed)  # the same seed gives the same initial weights
    model = build_model(args.model, tuple(train.images.shape[1:]), len(train.classes), **model_kw)
    history = train_model(
        model, train, test, seed=args.seed, checkpoint=ck, resume=args.resume,
        val_fraction=args.val_fraction, patience=args.patience, device=args.device,
        progress=not args.no_progress, **recipe,
    )
    wall = time.perf_counter() - t0
    if not history.test_acc:
        print(f"{args.dataset} {args.model}: 0 epochs, nothing trained")
        return 0
    i = (history.best_epoch or history.epochs) - 1
    which = f"best epoch {i + 1} of {history.epochs}" if history.best_epoch else \
        f"epoch {history.epochs}"
    stop = ", stopped early" if history.stopped_early else ""
    saved = f", checkpoint {ck}" if ck is not None else ""
    print(f"{args.dataset} {args.model} seed {args.seed}: test accuracy "
          f"{history.test_acc[i]:.2%}, test loss {history.test_loss[i]:.4f} ({which}{stop}), "
          f"{sum(history.seconds):.1f} s training, {wall:.1f} s wall{saved}")
    return 0
