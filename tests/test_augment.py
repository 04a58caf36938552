"""Batched flip-and-crop augmentation (Lab 2)."""

from __future__ import annotations

import pytest
import torch

from gdsc_book.augment import FlipCrop, random_crop, random_flip, shift
from gdsc_book.train import train_model

pytestmark = pytest.mark.usefixtures("one_thread")


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_flip_probability_one_and_zero():
    x = torch.randn(6, 3, 8, 8)
    assert torch.equal(random_flip(x, _gen(), p=1.0), x.flip(3))
    assert torch.equal(random_flip(x, _gen(), p=0.0), x)


def test_flip_mirrors_about_half_the_images():
    x = torch.arange(4.0).view(1, 1, 1, 4).repeat(2000, 1, 1, 1)
    out = random_flip(x, _gen())
    flipped = (out[:, 0, 0, 0] == 3).float().mean().item()
    assert 0.45 < flipped < 0.55
    assert torch.equal(out.sort(dim=3).values, x)  # same pixels, only mirrored


def test_crop_is_a_window_of_the_padded_image():
    x = torch.randn(12, 3, 8, 8)
    out = random_crop(x, 2, _gen(1))
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    offsets = set()
    for i in range(len(x)):
        hits = [(r, c) for r in range(5) for c in range(5)
                if torch.equal(out[i], padded[i, :, r:r + 8, c:c + 8])]
        assert hits, f"image {i} is not a crop of its padded image"
        offsets.add(hits[0])
    assert len(offsets) > 3  # offsets vary between images


def test_crop_offsets_cover_every_shift_uniformly():
    # A single bright pixel in the centre moves to where the offset puts it.
    x = torch.zeros(9000, 1, 9, 9)
    x[:, :, 4, 4] = 1
    out = random_crop(x, 4, _gen(2))
    visible = out.flatten(1).sum(1) == 1
    pos = out[visible].flatten(1).argmax(1)
    counts = torch.bincount(pos, minlength=81).float()
    # Each of the 81 offsets keeps the pixel inside the 9x9 window: all appear, about equally.
    assert visible.all()
    assert counts.min() > 0.6 * counts.mean() and counts.max() < 1.4 * counts.mean()


def test_padding_zero_is_identity():
    x = torch.randn(3, 3, 5, 5)
    assert torch.equal(random_crop(x, 0, _gen()), x)


def test_same_generator_seed_same_batch_and_formats_kept():
    x = torch.randn(16, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    aug = FlipCrop(4)
    a, b, c = aug(x, _gen(5)), aug(x, _gen(5)), aug(x, _gen(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.is_contiguous(memory_format=torch.channels_last)
    y = torch.randn(4, 1, 28, 28)
    assert aug(y, _gen()).is_contiguous()


def test_flipcrop_names_its_settings_and_can_skip_the_flip():
    assert "padding=4" in FlipCrop(4).__qualname__
    assert "flip=False" in repr(FlipCrop(2, flip=False))
    x = torch.arange(16.0).view(1, 1, 4, 4).repeat(64, 1, 1, 1)
    out = FlipCrop(0, flip=False)(x, _gen())
    assert torch.equal(out, x)


def test_train_model_with_augmentation_is_reproducible():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(96, 3, 8, 8, generator=g)
    y = (x[:, 0].mean((1, 2)) > 0).long()

    def fit():
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                                  torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                  torch.nn.Linear(4, 2))
        return train_model(net, (x, y), (x, y), epochs=2, batch_size=32, lr=0.05,
                           augment=FlipCrop(2), seed=3, device="cpu").train_loss

    assert fit() == fit()


def test_shift_moves_every_pixel_and_fills_the_border_with_zeros():
    x = torch.arange(2 * 3 * 5 * 6, dtype=torch.float32).view(2, 3, 5, 6) + 1
    for dx, dy in ((1, 1), (-1, -1), (2, -1), (0, 0)):
        out = shift(x, dx, dy)
        assert out.shape == x.shape
        for i in range(5):
            for j in range(6):
                src_i, src_j = i - dy, j - dx
                inside = 0 <= src_i < 5 and 0 <= src_j < 6
                want = x[:, :, src_i, src_j] if inside else torch.zeros(2, 3)
                assert torch.equal(out[:, :, i, j], want), (dx, dy, i, j)
    cl = x.contiguous(memory_format=torch.channels_last)
    assert shift(cl, 1, 1).is_contiguous(memory_format=torch.channels_last)
