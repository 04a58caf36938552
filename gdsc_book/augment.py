"""Data augmentation on whole batches: random crop with padding and horizontal flip.

torchvision's ``RandomCrop(32, padding=4)`` and ``RandomHorizontalFlip()`` transform one PIL
image at a time inside a ``DataLoader``. Here the whole dataset is one tensor, so we transform
a batch ``N x C x H x W`` at once with a few tensor operations: no Python loop per image.

Every random choice draws from the ``generator`` that ``train_model`` passes in (seeded by
``(seed, epoch)``), so an augmented run is reproducible and resumes exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _memory_format(x: torch.Tensor) -> torch.memory_format:
    if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) \
            and not x.is_contiguous():
        return torch.channels_last
    return torch.contiguous_format


def random_flip(x: torch.Tensor, generator: torch.Generator | None = None,
                p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability ``p``."""
    mask = torch.rand(x.shape[0], generator=generator, device=x.device) < p
    return torch.where(mask.view(-1, 1, 1, 1), x.flip(3), x)


def shift(x: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """Move every image ``dx`` pixels right and ``dy`` down, filling the border with zeros
    (the mean colour, as :func:`random_crop` pads): one of the training crops, chosen."""
    p = max(abs(dx), abs(dy))
    if p == 0:
        return x
    h, w = x.shape[2:]
    padded = F.pad(x, (p, p, p, p))
    return padded[:, :, p - dy:p - dy + h, p - dx:p - dx + w].contiguous(
        memory_format=_memory_format(x))


def random_crop(x: torch.Tensor, padding: int = 4,
                generator: torch.Generator | None = None,
                fill: float | None = 0.0) -> torch.Tensor:
    """Pad each image by ``padding`` pixels of ``fill``, then cut a random ``H x W`` window:
    a random shift of up to ``padding`` pixels in x and y.

    The inputs are standardized, so a zero pad is the dataset's mean colour (torchvision pads
    with black before normalizing; either way the network sees a shifted image with a border).
    ``fill=None`` pads with the batch's minimum: the background of a digit.
    """
    if padding <= 0:
        return x
    n, c, h, w = x.shape
    fmt = _memory_format(x)
    value = float(x.min()) if fill is None else fill
    padded = F.pad(x, (padding, padding, padding, padding), value=value)
    # One random offset per image; rows/cols hold the source pixel of every output pixel.
    off = torch.randint(0, 2 * padding + 1, (2, n), generator=generator, device=x.device)
    rows = off[0].view(n, 1) + torch.arange(h, device=x.device)          # N x H
    cols = off[1].view(n, 1) + torch.arange(w, device=x.device)          # N x W
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    # Advanced indexing on dims 0, 2, 3 puts them first: the result is N x H x W x C.
    out = padded[batch, :, rows.view(n, h, 1), cols.view(n, 1, w)]
    return out.permute(0, 3, 1, 2).contiguous(memory_format=fmt)


class FlipCrop:
    """``augment=`` for :func:`gdsc_book.train.train_model`: crop with padding, then flip.

    ``flip=False`` for digits, whose mirror image is not the same digit; ``fill`` as in
    :func:`random_crop`.
    """

    def __init__(self, padding: int = 4, flip: bool = True, fill: float | None = 0.0):
        self.padding = int(padding)
        self.flip = bool(flip)
        self.fill = fill
        # train_model records an augmentation by its __qualname__ in checkpoints (and refuses
        # to resume with a different one): make that name carry the settings.
        extra = "" if fill == 0.0 else f", fill={fill}"
        self.__qualname__ = f"FlipCrop(padding={self.padding}, flip={self.flip}{extra})"

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x = random_crop(x, self.padding, generator, self.fill)
        if self.flip:
            x = random_flip(x, generator)
        return x

    def __repr__(self) -> str:
        return self.__qualname__
