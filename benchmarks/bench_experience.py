"""Chapter 1's "P improves with E" runs: one batched model against one ``train_model`` per run.

Anchor: the runs one at a time through ``gdsc_book.train.train_model`` (what
``ch01_experience`` did before). Ours: ``gdsc_book.experience.train_softmax_runs``, every run
at once. Both train the same plans (sizes, seeds, updates) here, on one thread, and the ratio
is printed; the final weights of the two agree to float32 round-off.

    python benchmarks/bench_experience.py                     # ch01's full plan, 18 runs
    python benchmarks/bench_experience.py --sizes 100 1000 --seeds 1
"""

from __future__ import annotations

import argparse
import os
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000, 10000, 60000])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--updates", type=int, default=2400)
    ap.add_argument("--anchor-runs", type=int, default=None,
                    help="time only this many runs of the anchor and scale up (it is slow)")
    args = ap.parse_args()
    torch.set_num_threads(1)

    from gdsc_book import data, experience
    from gdsc_book.models import SoftmaxRegression
    from gdsc_book.train import train_model

    tr = data.load("mnist", True)
    x, y = tr.float_images(), tr.labels.long()
    plans = experience.plan_sizes(len(y), args.sizes, args.seeds, args.updates, 128)

    t0 = time.perf_counter()
    w, _ = experience.train_softmax_runs(x, y, [p for *_, p in plans], lr=0.05)
    ours = time.perf_counter() - t0

    chosen = plans if args.anchor_runs is None else plans[:: max(1, len(plans) // args.anchor_runs)]
    t0 = time.perf_counter()
    diff = 0.0
    for n, s, p in chosen:
        torch.manual_seed(s)
        model = SoftmaxRegression()
        train_model(model, (x[p.rows], y[p.rows]), epochs=p.epochs, batch_size=128,
                    optimizer="sgd", lr=0.05, seed=s)
        r = plans.index((n, s, p))
        diff = max(diff, (model.linear.weight.detach().T - w[r]).abs().max().item())
    anchor = (time.perf_counter() - t0) * len(plans) / len(chosen)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(plans)} runs, load {load:.1f}: train_model one by one {anchor:.1f} s"
          f"{'' if chosen is plans else f' (scaled from {len(chosen)} runs)'}, batched "
          f"{ours:.1f} s, ratio {anchor / ours:.1f}x; largest weight difference {diff:.1e}")


if __name__ == "__main__":
    main()
