"""Step 1: the whole of MNIST as tensors in memory; a batch is just x[idx]."""

import torch

from gdsc_book.data import load

train, test = load("mnist", train=True), load("mnist", train=False)
print("images:", tuple(train.images.shape), train.images.dtype)  # N x C x H x W, uint8
print("labels:", train.labels[:6])

# Convert and standardize ONCE, outside the training loop (no per-image transform later).
x_train, y_train = train.float_images(), train.labels
print(f"after standardizing: mean {x_train.mean():.3f}, std {x_train.std():.3f}")

# One epoch = a shuffled order of all indices, cut into batches.
g = torch.Generator().manual_seed(0)
perm = torch.randperm(len(y_train), generator=g)
batch_size = 128
for step, start in enumerate(range(0, len(perm), batch_size)):
    idx = perm[start:start + batch_size]
    xb, yb = x_train[idx], y_train[idx]  # a batch: indexing, no copying of the dataset
    if step == 0:
        print("first batch:", tuple(xb.shape), tuple(yb.shape))
print(f"{step + 1} batches per epoch")
