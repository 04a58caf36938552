"""Chapters 5-7 benchmark: many small MLPs trained as one stack against one run each.

Anchor: what the figures did before, ``train_model`` once per model. Ours:
``gdsc_book.stacked`` (one stack, the same steps). Three workloads, each the shape of a figure's
computation at a fraction of its epochs, on synthetic data of the same size (no dataset
needed): chapter 7's width sweep (13 widths, Adam), chapter 6's ensemble (5 members with their
own shuffles, SGD) and chapter 5's width sweep (8 widths, full-batch Adam). Both run here, on
one thread, alternately, and the ratio is printed with the load average (the machine is shared).

    python benchmarks/bench_stacked.py              # 10 epochs / 200 steps each
    python benchmarks/bench_stacked.py --epochs 3 --steps 50
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from gdsc_book.models import MLP
from gdsc_book.perceptron import fit_full_batch
from gdsc_book.stacked import MLPStack, fit_stack_full_batch, train_stack
from gdsc_book.train import train_model


def _data(n, d, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.randint(0, 10, (n,), generator=g)


def _models(widths, d, k=10):
    out = []
    for w in widths:
        torch.manual_seed(0)
        out.append(MLP(d, widths=(w,), num_classes=k))
    return out


def workloads(epochs: int, steps: int):
    dd = [2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024]
    train, test = _data(1000, 100, 0), _data(2000, 100, 1)  # chapter 7: 10x10 MNIST
    yield ("ch07 width sweep (13 MLPs, Adam)",
           lambda: [train_model(m, train, test, epochs=epochs, optimizer="adam", lr=3e-3,
                                device="cpu") for m in _models(dd, 100)],
           lambda: train_stack(MLPStack(_models(dd, 100)), train, test, epochs=epochs,
                               optimizer="adam", lr=3e-3))
    train6, test6 = _data(1000, 196, 0), _data(5000, 196, 1)  # chapter 6: 14x14 MNIST
    yield ("ch06 ensemble (5 MLPs, own shuffles, SGD)",
           lambda: [train_model(m, train6, test6, epochs=epochs, lr=0.05, seed=s, device="cpu")
                    for s, m in enumerate(_models([256] * 5, 196))],
           lambda: train_stack(MLPStack(_models([256] * 5, 196)), train6, test6, epochs=epochs,
                               lr=0.05, seeds=list(range(5))))
    x = torch.linspace(-1, 1, 256).unsqueeze(1)
    y = torch.sin(6.28 * x)
    w5 = [2, 4, 8, 16, 32, 64, 128, 256]
    yield ("ch05 width sweep (8 nets, full-batch Adam)",
           lambda: [fit_full_batch(m, x, y, steps=steps, lr=0.01, loss="mse", cosine=True)
                    for m in _models(w5, 1, 1)],
           lambda: fit_stack_full_batch(MLPStack(_models(w5, 1, 1)), x, y, steps=steps,
                                        lr=0.01, cosine=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, anchor, ours in workloads(args.epochs, args.steps):
        best = {"anchor": float("inf"), "stack": float("inf")}
        for _ in range(args.reps):  # alternate, keep the best of each (a shared machine)
            for key, fn in (("anchor", anchor), ("stack", ours)):
                t0 = time.perf_counter()
                fn()
                best[key] = min(best[key], time.perf_counter() - t0)
        print(f"{name}: one run each {best['anchor']:.2f} s, one stack {best['stack']:.2f} s, "
              f"{best['anchor'] / best['stack']:.1f}x")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
