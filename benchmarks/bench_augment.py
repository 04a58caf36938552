"""Lab 2 augmentation benchmark: batched flip-and-crop against torchvision's per-image pipeline.

Anchor: what a DataLoader over torchvision's CIFAR10 does for every image of an epoch,
``RandomCrop(32, padding=4)``, ``RandomHorizontalFlip()``, ``ToTensor()`` and ``Normalize``
on a PIL image, then a collate into batches of 256. Ours: ``gdsc_book.augment.FlipCrop`` on
batches of 256 cut from the standardized tensor that ``train_model`` already holds. Both run
here, on the same images, one thread each (a CPU's other core trains), and the ratio is printed.

    python benchmarks/bench_augment.py              # one epoch of 50,000 images each
    python benchmarks/bench_augment.py --images 5000
"""

from __future__ import annotations

import argparse
import os
import time

import torch


def anchor(images: torch.Tensor, batch_size: int) -> float:
    """Seconds for torchvision's per-image PIL transforms and the collate, over ``images``."""
    import torchvision.transforms as T
    from PIL import Image

    from gdsc_book.data import MEAN_STD

    tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize(*MEAN_STD["cifar10"])])
    pil = [Image.fromarray(img.permute(1, 2, 0).numpy()) for img in images]  # decoded once
    t0 = time.perf_counter()
    for i in range(0, len(pil), batch_size):
        torch.stack([tf(p) for p in pil[i:i + batch_size]])
    return time.perf_counter() - t0


def ours(x: torch.Tensor, batch_size: int) -> float:
    from gdsc_book.augment import FlipCrop

    aug, g = FlipCrop(4, flip=True), torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for i in range(0, len(x), batch_size):
        aug(x[i:i + batch_size], g)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    from gdsc_book import data

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=50_000, help="images per pass (default: 50,000)")
    p.add_argument("--batch-size", type=int, default=256)
    args = p.parse_args(argv)
    if args.images < args.batch_size or args.batch_size < 1:
        p.error("--images must be at least --batch-size, and --batch-size at least 1")
    torch.set_num_threads(1)
    train = data.load("cifar10", True)
    train = train.subset(min(args.images, len(train)), seed=0)
    x = train.float_images().contiguous(memory_format=torch.channels_last)
    a = anchor(train.images, args.batch_size)
    o = ours(x, args.batch_size)
    n = len(train)
    print(f"data: {train.note or 'original CIFAR-10'}; {n:,} images, batches of "
          f"{args.batch_size}, 1 thread; load average {os.getloadavg()[0]:.1f}")
    print(f"anchor (torchvision RandomCrop + RandomHorizontalFlip + ToTensor + Normalize per "
          f"PIL image): {a:.2f} s, {n / a:,.0f} images/s")
    print(f"gdsc_book.augment.FlipCrop on batched tensors: {o:.2f} s, {n / o:,.0f} images/s")
    print(f"ratio (anchor time / ours): {a / o:.1f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
