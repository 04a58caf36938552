"""Fine-tuning (Quiz 2's challenge): reuse the Lab 1 CNN trained on MNIST for CIFAR-10.

The MNIST network expects 1x28x28 gray digits and predicts 10 digits; CIFAR-10 gives 3x32x32
colour photos of 10 objects. Two parts need adapting:

- **Input.** Only the first convolution sees the channels. We *inflate* its 1-channel kernel
  to 3 channels, each a third of the original: on a gray image (R = G = B = v) the new layer
  computes exactly what the old one computed on v, and on colour it sees the luminance
  (mean of R, G, B). The image size needs nothing: the network ends in global average
  pooling, so 32x32 gives a longer pooled sum, not a shape error.
- **Head.** The final linear layer maps features to digit classes; its rows mean "zero",
  "one", ... and nothing about airplanes. It is replaced by a freshly initialized one.

Then either all layers train (``"finetune"``) or only the new head does (``"frozen"``):
the features stay fixed, including batch normalization's running statistics, so the network
is the MNIST feature extractor followed by a linear classifier.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from gdsc_book.errors import BookError

MODES = ("scratch", "finetune", "frozen")


def inflate_first_conv(conv: nn.Conv2d, in_channels: int = 3) -> nn.Conv2d:
    """A copy of ``conv`` that takes ``in_channels`` channels, equal on gray images."""
    if conv.in_channels != 1:
        raise BookError(f"expected a 1-channel first convolution, got {conv.in_channels}")
    new = nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                    conv.padding, conv.dilation, conv.groups, conv.bias is not None)
    with torch.no_grad():
        new.weight.copy_(conv.weight.repeat(1, in_channels, 1, 1) / in_channels)
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    return new


class TransferNet(nn.Module):
    """Pretrained ``features`` + a new ``head``; ``frozen`` keeps the features fixed."""

    def __init__(self, features: nn.Module, head: nn.Linear, frozen: bool = False):
        super().__init__()
        self.features = features
        self.head = head
        self.frozen = bool(frozen)
        if self.frozen:
            for p in self.features.parameters():
                p.requires_grad_(False)
            self.features.eval()

    def train(self, mode: bool = True) -> TransferNet:
        super().train(mode)
        if self.frozen:
            # train_model calls model.train() every epoch; batch normalization in the frozen
            # trunk must keep its MNIST running statistics, so it stays in eval mode.
            self.features.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def transfer(pretrained: nn.Module, mode: str, in_channels: int = 3,
             num_classes: int = 10, seed: int = 0) -> nn.Module:
    """A CIFAR model from an MNIST-trained CNN (with ``.features``, ``.head``, ``first_conv``).

    ``mode`` is ``"finetune"`` (train all layers) or ``"frozen"`` (train the new head only).
    The pretrained model is not modified; ``seed`` draws the new head's weights.
    """
    if mode not in ("finetune", "frozen"):
        raise BookError(f"mode must be 'finetune' or 'frozen', got {mode!r}")
    features = copy.deepcopy(pretrained.features)
    first = features[0][0]  # conv_bn_relu(...)[0]: the first convolution
    if first.in_channels != in_channels:
        features[0][0] = inflate_first_conv(first, in_channels)
    torch.manual_seed(seed)
    head = nn.Linear(pretrained.head.in_features, num_classes)
    return TransferNet(features, head, frozen=(mode == "frozen"))


def trainable_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
