"""``gdsc-book repeat``: train one recipe with N seeds; report mean, std and a 95% interval.

Quiz 2 asks for the mean test accuracy of 5 runs on CIFAR-10::

    gdsc-book repeat --dataset cifar10 --runs 5 --recipe default --out cifar10-default.json

Every finished run is saved to ``--out`` at once and each run checkpoints every epoch in
``--out``'s ``.ckpt`` folder, so running the same command again after an interruption
continues where it stopped.
"""

from __future__ import annotations

import math
import shlex
import sys
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
                   help="Lab 2: quick (seconds), default (the lab's), full (ResNet-9, for a "
                        "GPU); Lab 1: softmax, mlp, cnn (default: default)")
    p.add_argument("--epochs", type=int, help="override the recipe's number of epochs")
    p.add_argument("--subset", type=int, help="train on a random subset of this many images")
    p.add_argument("--out", type=Path, help="result JSON (default: repeat-DATASET-RECIPE.json)")
    p.add_argument("--no-checkpoints", action="store_true",
                   help="do not checkpoint each epoch (a killed run then restarts from scratch)")
    p.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from gdsc_book import config, inputs, outputs, recipes
    from gdsc_book.repeat import repeat
    from gdsc_book.report import percent, rewrite_repeat_file, summary_line

    # Check everything before loading data or touching any file.
    if args.runs < 1:
        raise BookError(f"--runs must be at least 1, got {args.runs}. Pass e.g. --runs 5")
    if args.epochs is not None:
        config.check_epochs(args.epochs, minimum=1)
    config.check_subset(args.subset)
    config.check_seed(args.seed)
    config.check_seed(args.seed + args.runs - 1)
    if not (math.isfinite(args.confidence) and 0 < args.confidence < 1):
        raise BookError(f"--confidence must be between 0 and 1, got {args.confidence}. "
                        f"Pass e.g. --confidence 0.95")
    recipe = recipes.get_recipe(args.recipe, epochs=args.epochs)
    out = outputs.check_file(args.out or Path(f"repeat-{args.dataset}-{args.recipe}.json"),
                             "--out")
    finished = {r["seed"]: r for r in inputs.repeat_runs(out)}  # a malformed file: refused
    ckpt_dir = None if args.no_checkpoints else out.with_name(out.name + ".ckpt")
    if ckpt_dir is not None:
        outputs.check_folder(ckpt_dir, "--out (its checkpoint folder)")
    outputs.report_swept(outputs.sweep_temporaries(out), out)

    train_set = inputs.load_split(args.dataset, True, args.data_root)
    test_set = inputs.load_split(args.dataset, False, args.data_root)
    if args.subset:
        train_set = train_set.subset(args.subset, seed=0)
    config.check_split(len(train_set), 0.0)
    run_config = {"dataset": args.dataset, "recipe": recipe, "n_train": len(train_set),
                  "n_test": len(test_set), "data_note": train_set.note,
                  "data_sha256": train_set.sha256}
    if train_set.note:
        print(f"note: {train_set.note}")

    seeds = list(range(args.seed, args.seed + args.runs))
    for i, seed in enumerate(seeds):
        if seed in finished:
            print(f"run {i + 1}/{len(seeds)} (seed {seed}): finished before, test accuracy "
                  f"{percent(finished[seed]['test_acc'])}")

    def one(seed: int) -> dict:
        # repeat() has just saved the previous run as it stands: make that file strict JSON.
        rewrite_repeat_file(out)
        kw = {"progress": not args.no_progress}
        if ckpt_dir is not None:
            ck = ckpt_dir / f"seed{seed}.pt"
            outputs.report_swept(outputs.sweep_temporaries(ck), ck)
            kw.update(checkpoint=ck, resume=ck.exists())
        _, history, info = recipes.run(recipe, train_set, test_set, seed, **kw)
        print(f"run {seeds.index(seed) + 1}/{len(seeds)} (seed {seed}): test accuracy "
              f"{percent(info['test_acc'])} ({info['seconds']:.0f} s)")
        return dict(info, history=history.to_dict())

    try:
        res = repeat(one, seeds, path=out, config=run_config, confidence=args.confidence)
    except KeyboardInterrupt:
        rewrite_repeat_file(out)
        kept = f"finished runs are kept in {out}" if out.exists() else "no run had finished"
        ck = f", and the unfinished run's last epoch in {ckpt_dir}/" if ckpt_dir else ""
        again = shlex.join(["gdsc-book", *getattr(args, "_argv", [])])
        print(f"gdsc-book repeat: interrupted; {kept}{ck}. Continue with the same command:\n"
              f"  {again}", file=sys.stderr)
        return 130
    rewrite_repeat_file(out)
    s = res.summary
    print(f"\n{args.dataset} / recipe {args.recipe}: {s.n} runs")
    for r in res.runs:
        took = f"  ({r['seconds']:.0f} s)" if isinstance(r.get("seconds"), (int, float)) else ""
        print(f"  seed {r['seed']:>3}: test accuracy {percent(r['test_acc'])}{took}")
    print(summary_line(s))
    print(f"saved {out}")
    return 0
