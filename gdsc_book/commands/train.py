"""``gdsc-book train``: train a model of the book on a dataset, with a checkpoint to resume.

The order is what makes a bad call cheap: check every option (:class:`gdsc_book.config.RunConfig`),
the device and the checkpoint location; then load the data and build the model; then compare a
resumed checkpoint with both; only then train.
"""

from __future__ import annotations

import shlex
import sys
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
    p.add_argument("--seed", type=int, default=0, help="0 to 2**32-1 (default: 0)")
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
    p.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: a GPU if there is one)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def resume_command(argv: list[str]) -> str:
    """The command line that continues this run: the same options, ``--resume``, no ``--force``."""
    args = [a for a in argv if a != "--force"]
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join(["gdsc-book", *args])


def _interrupted(args, ck: Path | None, epochs: int) -> int:
    from gdsc_book.checkpoint import load_checkpoint

    if ck is None:
        msg = ("interrupted. Nothing was saved (no --checkpoint was given), so the run cannot "
               "be resumed; pass --checkpoint FILE next time to keep every finished epoch")
    elif not ck.exists():
        msg = (f"interrupted before the first epoch finished: no checkpoint was written to {ck}. "
               f"Run the same command again to start over")
    else:
        epoch = load_checkpoint(ck)["epoch"]
        msg = (f"interrupted. Kept checkpoint {ck} (epoch {epoch} of {epochs} finished). "
               f"Resume with:\n  {resume_command(getattr(args, '_argv', []))}")
    print(f"gdsc-book train: {msg}", file=sys.stderr)
    return 130


def _write_failed(ck: Path | None, exc: BaseException) -> BookError:
    reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:160]
    where = f"the checkpoint {ck}" if ck is not None else "a file"
    return BookError(f"could not write {where} ({reason}); is the disk full? The previous "
                     f"checkpoint, if any, is intact. Free some space or pass another "
                     f"--checkpoint, then resume")


def _refuse_other_run(state: dict, cfg, ck: Path) -> None:
    """Settings, dataset and model name, known before any data is read; ``train_model``
    then compares the data's fingerprint and the model's spec as well."""
    from gdsc_book.checkpoint import mismatch_message, resume_differences

    diff = resume_differences(state, cfg.train_config().record(), dataset=cfg.dataset,
                              model_name=cfg.model)
    if diff:
        raise BookError(mismatch_message(ck, diff))


def run(args) -> int:
    from gdsc_book import config, inputs, outputs, recipes
    from gdsc_book.checkpoint import load_checked_checkpoint
    from gdsc_book.models import build_model
    from gdsc_book.report import percent

    # -- check everything before any work, so a bad call overwrites nothing
    cfg = config.RunConfig.from_recipe(
        args.dataset, args.model, recipes.model_recipe(args.model), seed=args.seed,
        val_fraction=args.val_fraction, patience=args.patience, subset=args.subset,
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
        scheduler=args.scheduler)
    device = config.resolve_device(args.device)
    if args.resume and args.checkpoint is None:
        raise BookError("--resume needs the checkpoint to continue. Pass --checkpoint PATH")
    ck = args.checkpoint
    resumed = None
    if ck is not None:
        outputs.check_file(ck, "--checkpoint")
        if args.resume:
            resumed = load_checked_checkpoint(ck)  # missing or corrupt: a clear error
        elif ck.exists() and not args.force:
            raise BookError(f"{ck} exists. Pass --resume to continue it or --force to replace it")
        if resumed is not None:
            _refuse_other_run(resumed, cfg, ck)  # settings and dataset: before loading any data
        outputs.report_swept(outputs.sweep_temporaries(ck), ck)

    t0 = time.perf_counter()
    train = inputs.load_split(args.dataset, True, args.data_root)
    test = inputs.load_split(args.dataset, False, args.data_root)
    if cfg.subset:
        train = train.subset(cfg.subset, seed=cfg.seed)
    config.check_split(len(train), cfg.val_fraction)
    import torch

    torch.manual_seed(cfg.seed)  # the same seed gives the same initial weights
    model = build_model(cfg.model, tuple(train.images.shape[1:]), len(train.classes),
                        **cfg.model_kwargs)
    import gdsc_book.train as train_mod  # looked up now: tests replace train_model

    try:
        history = train_mod.train_model(
            model, train, test, checkpoint=ck, resume=resumed is not None, device=device,
            progress=not args.no_progress, **cfg.train_kwargs())
    except KeyboardInterrupt:
        return _interrupted(args, ck, cfg.epochs)
    except OSError as exc:
        raise _write_failed(ck, exc) from None
    except RuntimeError as exc:
        # torch.save on a full disk: "PytorchStreamWriter failed ... inline_container.cc"
        if "inline_container" in str(exc) or "PytorchStreamWriter" in str(exc):
            raise _write_failed(ck, exc) from None
        raise
    wall = time.perf_counter() - t0
    if not history.test_acc:
        print(f"{cfg.dataset} {cfg.model}: 0 epochs, nothing trained")
        return 0
    i = (history.best_epoch or history.epochs) - 1
    which = f"best epoch {i + 1} of {history.epochs}" if history.best_epoch else \
        f"epoch {history.epochs}"
    stop = ", stopped early" if history.stopped_early else ""
    saved = f", checkpoint {ck}" if ck is not None else ""
    print(f"{cfg.dataset} {cfg.model} seed {cfg.seed}: test accuracy "
          f"{percent(history.test_acc[i])}, test loss {history.test_loss[i]:.4f} ({which}{stop}), "
          f"{sum(history.seconds):.1f} s training, {wall:.1f} s wall{saved}")
    return 0
