"""A batch of six MNIST images, its labels, and the labels as one-hot vectors."""

import torch

from gdsc_book.data import load
from gdsc_book.losses import one_hot

train = load("mnist", train=True)
# The first training image of each label the slide shows, in the slide's order.
idx = [int((train.labels == c).nonzero()[0]) for c in (2, 9, 7, 6, 8, 0)]
x, y = train.float_images()[idx], train.labels[idx]
print(x.shape)
print(y)
print(one_hot(y, 10))
assert x.shape == torch.Size([6, 1, 28, 28])
