# Random crop (padding 4) and horizontal flip on a whole batch at once.
import torch

from gdsc_book import data
from gdsc_book.augment import FlipCrop

batch = data.load("cifar10", train=False).subset(256).float_images()
aug = FlipCrop(padding=4, flip=True)
g = torch.Generator().manual_seed(0)  # train_model passes one seeded by (seed, epoch)
out = aug(batch, g)
print(out.shape, "changed images:", (out != batch).flatten(1).any(1).sum().item(), "of", len(out))
