"""``gdsc-book repeat``: train one recipe with N seeds; report mean, std and a 95% interval.

Quiz 2 asks for the mean test accuracy of 5 runs on CIFAR-10::

    gdsc-book repeat --dataset cifar10 --runs 5 --recipe default --out cifar10-default.json

Every finished run is saved to ``--out`` at once and each run checkpoints every epoch in
``--out``'s ``.ckpt`` folder, so running the same command again after an interruption
continues where it stopped.
"""

from __future__ import annotations

from pathlib import Path

from gdsc_book.errors import BookError

HELP = "train a recipe with several seeds; mean, std and 95% CI of the test accuracy (resumable)"


def add_arguments(p) -> None:
    from gdsc_book import data
    from gdsc_book.recipes import RECIPES

    p.add_argument("--dataset", default="cifar10", choices=data.DATASETS)
    p.add_argument("--runs", type=int, default=5, help="number of seeds (default: 5)")
    p.add_argument("--seed", type=int, default=0, help="first seed; runs use seed, seed+1, ...")
    p.add_argument("--recipe", default="default", choices=list(RECIPES),
                   help="quick (seconds), default (the lab's), full (ResNet-9, for a GPU)")
    p.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    p.add_argument("--subset", type=int, help="train on a random subset of this many images")
    p.add_argument("--out", type=Path, help="result JSON (default: repeat-DATASET-RECIPE.json)")
    p.add_argument("--no-checkpoints", action="store_true",
                   help="do not checkpoint each epoch (a killed run then restarts from scratch)")
    p.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")
    p.add_argument("--progress", action="store_true", help="show a progress bar per run")


def run(args) -> int:
    from gdsc_book import data, recipes
    from gdsc_book.repeat import repeat

    # Check everything before loading data or touching any file.
    if args.runs < 1:
        raise BookError(f"--runs must be at least 1, got {args.runs}")
    if args.epochs is not None and args.epochs < 1:
        raise BookError(f"--epochs must be at least 1, got {args.epochs}")
    if args.subset is not None and args.subset < 2:
        raise BookError(f"--subset must be at least 2, got {args.subset}")
    if not 0 < args.confidence < 1:
        raise BookError(f"--confidence must be between 0 and 1, got {args.confidence}")
    recipe = recipes.get_recipe(args.recipe, epochs=args.epochs)
    out = args.out or Path(f"repeat-{args.dataset}-{args.recipe}.json")
    if out.exists() and out.is_dir():
        raise BookError(f"--out {out} is a folder; give a file name")
    ckpt_dir = None if args.no_checkpoints else out.with_name(out.name + ".ckpt")

    train_set = data.load(args.dataset, train=True, data_root=args.data_root)
    test_set = data.load(args.dataset, train=False, data_root=args.data_root)
    if args.subset:
        train_set = train_set.subset(args.subset, seed=0)
    config = {"dataset": args.dataset, "recipe": recipe, "n_train": len(train_set),
              "n_test": len(test_set), "data_note": train_set.note,
              "data_sha256": train_set.sha256}
    if train_set.note:
        print(f"note: {train_set.note}")

    def one(seed: int) -> dict:
        kw = {"progress": args.progress}
        if ckpt_dir is not None:
            ck = ckpt_dir / f"seed{seed}.pt"
            kw.update(checkpoint=ck, resume=ck.exists())
        _, history, info = recipes.run(recipe, train_set, test_set, seed, **kw)
        return dict(info, history=history.to_dict())

    seeds = range(args.seed, args.seed + args.runs)
    res = repeat(one, seeds, path=out, config=config, confidence=args.confidence, log=print)
    s = res.summary
    print(f"\n{args.dataset} / recipe {args.recipe}: {s.n} runs")
    for r in res.runs:
        print(f"  seed {r['seed']:>3}: test accuracy {r['test_acc']:.4f}  ({r['seconds']:.0f} s)")
    print(f"mean {s.mean:.4f}, std {s.std:.4f}, {s.confidence:.0%} CI "
          f"[{s.ci_low:.4f}, {s.ci_high:.4f}]" if s.n > 1 else
          f"mean {s.mean:.4f} (one run: no std or interval)")
    print(f"saved {out}")
    return 0
