"""``gdsc-book inspect``: show what a training checkpoint holds."""

from __future__ import annotations

from pathlib import Path

HELP = "print what a checkpoint holds (model, optimizer, test accuracy, epoch, config, ...)"


def add_arguments(p) -> None:
    p.add_argument("checkpoint", type=Path)


def run(args) -> int:
    from gdsc_book.checkpoint import describe, load_checked_checkpoint
    from gdsc_book.report import percent

    state = load_checked_checkpoint(args.checkpoint)  # wrong types: a clear error, not a trace
    print(f"{args.checkpoint}  ({args.checkpoint.stat().st_size / 1e6:.2f} MB, loaded with "
          f"torch.load(weights_only=True))")
    rows = describe(state)
    w = max(len(k) for k, _, _ in rows)
    for key, what, value in rows:
        print(f"  {key:<{w}}  {value}    # {what}")
    hist = state.get("history", {})
    if hist.get("train_loss"):
        print("  per epoch:")
        for e in range(len(hist["train_loss"])):
            cols = [f"epoch {e + 1:>3}", f"train_loss {hist['train_loss'][e]:.4f}",
                    f"train_acc {percent(hist['train_acc'][e])}"]
            if hist.get("val_acc"):
                cols.append(f"val_acc {percent(hist['val_acc'][e])}")
            if hist.get("test_acc"):
                cols.append(f"test_acc {percent(hist['test_acc'][e])}")
            cols.append(f"{hist['seconds'][e]:.1f} s")
            print("    " + "  ".join(cols))
    return 0
