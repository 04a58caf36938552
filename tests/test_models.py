"""The book's models: shapes, what they expose, and how build_model records them."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gdsc_book.models import CNN, MLP, SoftmaxRegression, build_model, count_parameters


def test_softmax_regression_is_one_linear_layer():
    m = SoftmaxRegression((1, 28, 28), 10)
    assert count_parameters(m) == 28 * 28 * 10 + 10  # W (10x784) and b (10)
    assert m(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    linear = [mod for mod in m.modules() if isinstance(mod, nn.Linear)]
    assert len(linear) == 1


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "identity"])
def test_mlp_flattens_and_uses_its_activation(act):
    m = MLP(64, widths=(32, 16), num_classes=3, activation=act, dropout=0.1)
    assert m(torch.randn(4, 1, 8, 8)).shape == (4, 3)
    assert count_parameters(m) == (64 * 32 + 32) + (32 * 16 + 16) + (16 * 3 + 3)
    kinds = {type(mod).__name__ for mod in m.modules()}
    assert {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}[act] in kinds
    assert "Dropout" in kinds


def test_mlp_rejects_unknown_activation():
    with pytest.raises(ValueError, match="activation"):
        MLP(4, activation="swish")


@pytest.mark.parametrize("size", [28, 32])
def test_cnn_takes_28_and_32_pixel_images(size):
    m = CNN(in_channels=1, num_classes=10, width=8).eval()
    assert m(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_cnn_exposes_trunk_and_head_for_fine_tuning():
    m = CNN(1, 10, width=8).eval()
    x = torch.randn(3, 1, 28, 28)
    feats = m.features(x)
    assert feats.shape == (3, m.feature_dim)
    assert torch.allclose(m.head(feats), m(x))
    assert isinstance(m.head, nn.Linear) and m.first_conv.in_channels == 1
    # Lab 2's recipe: a 3-channel first conv and a new head, the rest of the trunk kept.
    m.features[0][0] = nn.Conv2d(3, m.first_conv.out_channels, 3, padding=1, bias=False)
    m.head = nn.Linear(m.feature_dim, 10)
    assert m(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_build_model_records_a_plain_spec():
    m = build_model("mlp", (1, 8, 8), 10, widths=(16,), activation="tanh")
    assert m.spec == {"name": "mlp", "in_shape": [1, 8, 8], "num_classes": 10,
                      "kwargs": {"widths": [16], "activation": "tanh"}}
    again = build_model(m.spec["name"], m.spec["in_shape"], m.spec["num_classes"],
                        **m.spec["kwargs"])
    assert count_parameters(again) == count_parameters(m)
    assert isinstance(build_model("cnn", (3, 32, 32), 10, width=4), CNN)
    assert isinstance(build_model("softmax", (1, 28, 28), 10), SoftmaxRegression)


def test_build_model_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown model"):
        build_model("resnet", (1, 28, 28), 10)


def test_cifarnet_pool_first_pools_before_normalizing_on_the_same_weights():
    """``pool_first`` moves each 2x2 pool between the convolution and BN-ReLU: the same
    parameters, a quarter of the numbers through BN and ReLU."""
    torch.manual_seed(0)
    late = build_model("cifarnet", (3, 32, 32), 10, width=8)
    torch.manual_seed(0)
    early = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=True)
    assert count_parameters(late) == count_parameters(early)
    kinds = [type(m).__name__ for m in early.features[0]]
    assert kinds == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU"]
    assert isinstance(late.features[1], nn.MaxPool2d)  # the old layout is still the default
    bn_in = []
    hook = early.features[0][2].register_forward_hook(lambda m, i, o: bn_in.append(i[0].shape))
    assert early(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    hook.remove()
    assert bn_in == [(2, 8, 16, 16)]  # BN sees 16x16 maps, not 32x32
    assert [p.shape for p in early.parameters()] == [p.shape for p in late.parameters()]


def test_cifarnet_first_width_narrows_only_the_full_resolution_stage():
    """``first_width`` changes the first convolution's outputs (and the second's inputs) and
    nothing else; without it the network is the one built before the option existed."""
    torch.manual_seed(0)
    plain = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=True)
    torch.manual_seed(0)
    same = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=True, first_width=8)
    for a, b in zip(plain.state_dict().values(), same.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for pool_first in (True, False):
        narrow = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=pool_first,
                             first_width=4)
        convs = [m for m in narrow.modules() if isinstance(m, nn.Conv2d)]
        assert [(c.in_channels, c.out_channels) for c in convs] == [(3, 4), (4, 16), (16, 32),
                                                                    (32, 64)]
        assert narrow(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_cnn_mixed_precision_returns_float32_logits():
    model = build_model("cnn", (1, 28, 28), 10, width=4, mixed_precision=True)
    assert model(torch.randn(2, 1, 28, 28)).dtype == torch.float32
    assert model.spec["kwargs"]["mixed_precision"] is True


def test_the_lab1_cnn_has_the_layout_its_page_describes():
    """Lab 1 says the CNN's first convolution has ``first_width`` channels and that each of the
    first ``pools`` convolutions is followed by a max pool (28 -> 14 -> 7 -> 4)."""
    from gdsc_book.recipes import get_recipe

    from .pages import record_numbers

    cnn = record_numbers("lab1_mnist")["cnn"]
    kw = get_recipe("cnn")["model_kwargs"]
    assert (cnn["width"], cnn["first_width"], cnn["pools"]) == (
        kw["width"], kw["first_width"], kw["pools"])
    m = build_model("cnn", (1, 28, 28), 10, **kw).eval()
    assert m.first_conv.out_channels == cnn["first_width"]
    stages = list(m.features)[:4]
    pooled = [any(isinstance(layer, torch.nn.MaxPool2d) for layer in s) for s in stages]
    assert pooled == [True] * cnn["pools"] + [False] * (4 - cnn["pools"])
    sizes, x = [], torch.zeros(1, 1, 28, 28)
    for s in stages:
        x = s(x)
        sizes.append(x.shape[-1])
    assert sizes == [14, 7, 4, 4]
    with pytest.raises(ValueError, match="pools"):
        build_model("cnn", pools=4)


def _smooth_images(n=300, seed=0):
    """Images whose neighbouring pixels and channels correlate, as in photographs."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 20, 20, generator=g).repeat(1, 3, 1, 1) \
        + 0.3 * torch.randn(n, 3, 20, 20, generator=g)
    return nn.functional.avg_pool2d(x, 3, stride=1, padding=1) * 2.0


def test_patch_whitening_gives_uncorrelated_unit_responses_and_their_negatives():
    """The page says the frozen first layer's filters answer the image patches with
    uncorrelated responses of variance about 1 (λ / (λ + eps)), then the same negated."""
    from gdsc_book.models import patch_whitening

    x = _smooth_images()
    w = patch_whitening(x, 8, k=3, eps=5e-4)
    assert w.shape == (8, 3, 3, 3)
    assert torch.equal(w[4:], -w[:4])
    patches = nn.functional.unfold(x, 3).transpose(1, 2).reshape(-1, 27).double()
    responses = (patches - patches.mean(0)) @ w[:4].reshape(4, 27).T.double()
    cov = responses.T @ responses / len(responses)
    lam = torch.linalg.eigvalsh(torch.cov(patches.T)).flip(0)[:4]
    assert torch.allclose(cov.diagonal(), lam / (lam + 5e-4), atol=2e-3)
    assert (cov - torch.diag(cov.diagonal())).abs().max() < 2e-3
    # The largest-variance direction comes first: of the smooth images, the patch's mean.
    assert (w[0] > 0).all() or (w[0] < 0).all()
    with pytest.raises(ValueError, match="even"):
        patch_whitening(x, 7)


def test_a_whitened_cifarnet_keeps_its_first_layer_through_training():
    """``whiten=True`` draws the same initial weights as the plain network; ``whiten_stem``
    sets the first convolution, and training moves every weight but that one."""
    from gdsc_book.models import patch_whitening
    from gdsc_book.train import train_model

    torch.manual_seed(0)
    plain = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=True, first_width=8)
    torch.manual_seed(0)
    net = build_model("cifarnet", (3, 32, 32), 10, width=8, pool_first=True, first_width=8,
                      whiten=True)
    for a, b in zip(plain.state_dict().values(), net.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(64, 3, 32, 32, generator=g), torch.randint(0, 10, (64,), generator=g)
    net.whiten_stem(x)
    stem = net.features[0][0].weight
    assert torch.equal(stem, patch_whitening(x, 8))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    train_model(net, (x, y), epochs=1, batch_size=32, lr=0.1, device="cpu")
    after = net.state_dict()
    assert torch.equal(after["features.0.0.weight"], before["features.0.0.weight"])
    assert not torch.equal(after["features.1.0.weight"], before["features.1.0.weight"])
    assert not stem.requires_grad and plain.features[0][0].weight.requires_grad
