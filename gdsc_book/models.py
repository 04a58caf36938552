"""The models of the book, from the linear neural network of the slides to a small CNN.

Every model takes a batch ``N x C x H x W`` and returns *logits* (scores before softmax): the
softmax lives in the loss (``nn.CrossEntropyLoss``), which is both faster and numerically safer
than a softmax layer followed by a log.

``build_model(name, in_shape, num_classes, **kw)`` builds one by name and records how, in
``model.spec``, so a checkpoint can rebuild the same model later.
"""

from __future__ import annotations

import math

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "identity": nn.Identity,
}


class SoftmaxRegression(nn.Module):
    """Softmax regression: flatten the image, one linear layer, softmax in the loss.

    This is the slides' "linear neural network": ``logits = W x + b`` with one row of ``W``
    per class.
    """

    def __init__(self, in_shape=(1, 28, 28), num_classes: int = 10):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(math.prod(in_shape), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.flatten(x))


class MLP(nn.Module):
    """A multi-layer perceptron: flatten, then (Linear -> activation -> dropout) per width."""

    def __init__(self, in_features: int, widths=(256,), num_classes: int = 10,
                 activation: str = "relu", dropout: float = 0.0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}")
        layers: list[nn.Module] = [nn.Flatten()]
        prev = int(in_features)
        for w in widths:
            layers += [nn.Linear(prev, int(w)), ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            prev = int(w)
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution, batch normalization, ReLU: the building block of the CNN."""
    # No conv bias: batch normalization's shift makes it redundant.
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def conv_pool_bn_relu(c_in: int, c_out: int, pool: bool = False,
                      ceil: bool = False) -> nn.Sequential:
    """3x3 convolution, optional 2x2 max pool (``ceil``: rounding odd sizes up), batch
    normalization, ReLU.

    Pooling right after the convolution (before BN and ReLU) gives the same kind of block on
    4x fewer numbers, which on a CPU makes the memory-bound BN and ReLU passes ~4x cheaper.
    ``[0]`` is always the convolution.
    """
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)]
    if pool:
        layers.append(nn.MaxPool2d(2, ceil_mode=ceil))
    layers += [nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class CNN(nn.Module):
    """A small BN-ReLU convolutional network with global average pooling.

    Four 3x3 convolutions of width ``width``, ``2 width``, ``4 width``, ``4 width``; the first
    ``pools`` of them (2 or 3) are followed by a 2x2 max pool (28 -> 14 -> 7 -> 4, or
    32 -> 16 -> 8 -> 4; the third rounds up). Global average pooling makes the head
    independent of the image size, so the same network takes 28x28 MNIST and 32x32 CIFAR-10
    images. ``first_width`` narrows the first convolution alone (default ``width``), as in
    :class:`CifarNet`: it is the one at full resolution. The Lab 1 recipe uses both, since the
    large early feature maps are where a CPU spends a step's time.

    ``mixed_precision`` runs the forward pass in bfloat16 where that is fast, as in
    :class:`CifarNet`.

    ``features`` is the convolutional trunk (image -> ``feature_dim`` vector; ``features[0][0]``
    is the first convolution) and ``head`` the final linear layer: fine-tuning swaps ``head``
    and, for colour images, the first convolution.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 16,
                 dropout: float = 0.0, mixed_precision: bool = False,
                 first_width: int | None = None, pools: int = 2):
        super().__init__()
        if pools not in (2, 3):
            raise ValueError(f"pools must be 2 or 3, not {pools!r}")
        w = int(width)
        w1 = w if first_width is None else int(first_width)
        self.mixed_precision = bool(mixed_precision)  # as in CifarNet
        # Built before the first two stages: that order draws the recipe's initial weights.
        # Rounding up (7 -> 4) keeps MNIST's border row and column.
        third = conv_pool_bn_relu(2 * w, 4 * w, pool=pools == 3, ceil=True)
        self.features = nn.Sequential(
            conv_pool_bn_relu(in_channels, w1, pool=True),  # 28 -> 14 (32 -> 16)
            conv_pool_bn_relu(w1, 2 * w, pool=True),        # 14 -> 7  (16 -> 8)
            third,
            conv_pool_bn_relu(4 * w, 4 * w),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.feature_dim = 4 * w
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(self.feature_dim, num_classes)

    @property
    def first_conv(self) -> nn.Conv2d:
        return self.features[0][0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        on = self.mixed_precision and _bf16_is_fast(x.device)
        with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16, enabled=on):
            return self.head(self.dropout(self.features(x))).float()


MODELS = ("softmax", "mlp", "cnn")


def build_model(name: str, in_shape=(1, 28, 28), num_classes: int = 10, **kw) -> nn.Module:
    """Build a model by name (``softmax``, ``mlp`` or ``cnn``) for images of ``in_shape``."""
    in_shape = tuple(int(s) for s in in_shape)
    if name == "softmax":
        model = SoftmaxRegression(in_shape, num_classes, **kw)
    elif name == "mlp":
        model = MLP(math.prod(in_shape), num_classes=num_classes, **kw)
    elif name == "cnn":
        model = CNN(in_shape[0], num_classes, **kw)
    elif name in CIFAR_MODELS:  # Lab 2 (defined at the end of this module)
        model = CIFAR_MODELS[name](in_shape[0], num_classes, **kw)
    else:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    # Plain values only, so the spec can travel inside a weights_only checkpoint.
    model.spec = {"name": name, "in_shape": list(in_shape), "num_classes": int(num_classes),
                  "kwargs": {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}}
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- CIFAR-10 (Lab 2)


def _bf16_is_fast(device: torch.device) -> bool:
    """bfloat16 pays off on GPUs and on CPUs with bf16 matrix units (AVX512-BF16/AMX)."""
    if device.type == "cuda":
        return True
    return device.type == "cpu" and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


WHITEN_EPS = 5e-4  # as airbench: it keeps the faint directions from being blown up


@torch.no_grad()
def patch_whitening(images: torch.Tensor, n_filters: int, k: int = 3, eps: float = WHITEN_EPS,
                    max_images: int = 5000) -> torch.Tensor:
    """``k x k`` convolution filters that whiten the image patches: a PCA of the data.

    The ``n_filters // 2`` principal directions of the ``k x k`` patches of ``images`` with the
    largest variance ``λ``, each scaled by ``1 / sqrt(λ + eps)``, so that their responses are
    uncorrelated with variance ``λ / (λ + eps)`` (about 1); then the same filters negated, so
    that a ReLU after them keeps both signs. A first layer that starts decorrelated spares the
    first epochs from learning it (Jordan's airbench for CIFAR-10, 2024, uses 2x2 patches).
    Returns ``n_filters x C x k x k`` weights; ``max_images`` (the first ones) are enough.
    """
    if n_filters % 2:
        raise ValueError(f"patch_whitening needs an even number of filters, got {n_filters}")
    x = images[:max_images].float()
    c = x.shape[1]
    if n_filters // 2 > c * k * k:
        raise ValueError(f"{k}x{k} patches of {c} channels have only {c * k * k} directions")
    d = c * k * k
    total, sums, second = 0, torch.zeros(d, dtype=torch.float64), torch.zeros(d, d, dtype=torch.float64)
    for chunk in x.split(500):  # patches of 500 images at a time: ~50 MB, not ~500 MB
        patches = nn.functional.unfold(chunk.contiguous(), k).transpose(1, 2).reshape(-1, d).double()
        total += len(patches)
        sums += patches.sum(0)
        second += patches.T @ patches
    mean = sums / total
    cov = second / total - torch.outer(mean, mean)
    variances, directions = torch.linalg.eigh(cov)  # ascending
    top = directions[:, -(n_filters // 2):].flip(1).T * (variances[-(n_filters // 2):].flip(0)
                                                        + eps).rsqrt().unsqueeze(1)
    w = top.float().reshape(n_filters // 2, c, k, k)
    return torch.cat([w, -w])


class CifarNet(nn.Module):
    """Lab 2's fast CIFAR-10 network: BN-ReLU convolutions with *early* pooling.

    Four 3x3 conv stages of width ``w, 2w, 4w, 8w``, each followed by a 2x2 max pool
    (32 -> 16 -> 8 -> 4 -> 1 with a global max pool). Pooling right after the first layer
    keeps the expensive wide layers on small feature maps, which is what a CPU needs.
    ``first_width`` narrows the first stage alone (default ``w``): it is the only one at full
    32x32 resolution, so each of its channels costs the most memory traffic.

    ``whiten`` freezes the first convolution, to be set by :meth:`whiten_stem` from the
    training images (:func:`patch_whitening`) before training (``recipes.run`` does it); a
    checkpoint then holds those filters like any other weights.

    ``mixed_precision`` runs the forward pass in bfloat16 (``torch.autocast``) where that is
    fast (GPUs, CPUs with AMX/AVX512-BF16); the weights and the returned logits stay float32.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 32,
                 mixed_precision: bool = False, pool_first: bool = False,
                 first_width: int | None = None, whiten: bool = False):
        super().__init__()
        w = int(width)
        w1 = w if first_width is None else int(first_width)
        if pool_first:  # pool, then BN and ReLU on 4x fewer numbers (conv_pool_bn_relu)
            self.features = nn.Sequential(
                conv_pool_bn_relu(in_channels, w1, pool=True),  # 32 -> 16
                conv_pool_bn_relu(w1, 2 * w, pool=True),        # 16 -> 8
                conv_pool_bn_relu(2 * w, 4 * w, pool=True),     # 8 -> 4
                conv_pool_bn_relu(4 * w, 8 * w),
                nn.AdaptiveMaxPool2d(1), nn.Flatten(),
            )
        else:
            self.features = nn.Sequential(
                conv_bn_relu(in_channels, w1), nn.MaxPool2d(2),     # 32 -> 16
                conv_bn_relu(w1, 2 * w), nn.MaxPool2d(2),           # 16 -> 8
                conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2),        # 8 -> 4
                conv_bn_relu(4 * w, 8 * w),
                nn.AdaptiveMaxPool2d(1), nn.Flatten(),
            )
        self.feature_dim = 8 * w
        self.head = nn.Linear(self.feature_dim, num_classes)
        self.mixed_precision = bool(mixed_precision)
        self.whiten = bool(whiten)
        if self.whiten:
            self.features[0][0].weight.requires_grad_(False)

    def whiten_stem(self, images: torch.Tensor) -> None:
        """Set the frozen first convolution to the patch-whitening filters of ``images``."""
        conv = self.features[0][0]
        with torch.no_grad():
            conv.weight.copy_(patch_whitening(images, conv.out_channels, conv.kernel_size[0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        on = self.mixed_precision and _bf16_is_fast(x.device)
        with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16, enabled=on):
            return self.head(self.features(x)).float()


class Residual(nn.Module):
    """``x + f(x)`` with ``f`` two conv-BN-ReLU layers (He et al., 2016)."""

    def __init__(self, c: int):
        super().__init__()
        self.f = nn.Sequential(conv_bn_relu(c, c), conv_bn_relu(c, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.f(x)


class ResNet9(CifarNet):
    """The residual network of Lab 2's ``full`` recipe (the DAWNBench "ResNet-9" layout).

    prep conv (w) -> conv (2w), pool, residual -> conv (4w), pool -> conv (8w), pool,
    residual -> global max pool -> linear. With ``w = 64`` it is the 6.5M-parameter network
    of Page's DAWNBench entries (2018); the ``full`` recipe adds their final logit scale of 1/8
    (:func:`gdsc_book.recipes.build`).
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 64,
                 mixed_precision: bool = False):
        nn.Module.__init__(self)
        w = int(width)
        self.features = nn.Sequential(
            conv_bn_relu(in_channels, w),
            conv_bn_relu(w, 2 * w), nn.MaxPool2d(2), Residual(2 * w),
            conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2),
            conv_bn_relu(4 * w, 8 * w), nn.MaxPool2d(2), Residual(8 * w),
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )
        self.feature_dim = 8 * w
        self.head = nn.Linear(self.feature_dim, num_classes)
        self.mixed_precision = bool(mixed_precision)


CIFAR_MODELS = {"cifarnet": CifarNet, "resnet9": ResNet9}
MODELS = MODELS + tuple(CIFAR_MODELS)
