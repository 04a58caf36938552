"""Loss-landscape slices (gdsc_book.landscape) and what chapter 8 says about them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gdsc_book import landscape as ls


def _trained_looking(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every parameter and BN buffer non-trivial values, as training would."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5 + 0.1)
        for name, b in model.named_buffers():
            if name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
    return model


@pytest.mark.parametrize("model", [
    ls.DeepMLP(12, 5, layers=3, skip=True),
    nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(16, 2)),
], ids=["mlp", "conv"])
def test_each_filter_of_a_direction_has_the_norm_of_its_weight_filter(model):
    model = _trained_looking(model)
    d = ls.filter_normalized_direction(model, torch.Generator().manual_seed(1))
    weights = dict(model.named_parameters())
    assert set(d) == set(weights)
    for name, w in weights.items():
        assert d[name].shape == w.shape
        if w.dim() <= 1:  # biases and batch-norm scales/shifts stay put
            assert torch.count_nonzero(d[name]) == 0, name
            continue
        dims = tuple(range(1, w.dim()))  # one filter per output unit / channel
        want = torch.linalg.vector_norm(w.detach(), dim=dims)
        assert torch.allclose(torch.linalg.vector_norm(d[name], dim=dims), want, rtol=1e-5), name
        # rescaled per filter, not per layer: the filters' norms differ, and so do the direction's
        assert want.std() > 0
    # filter_norms reports the same thing
    for name, norms in ls.filter_norms(d).items():
        assert torch.allclose(norms, ls.filter_norms({name: weights[name].detach()})[name], rtol=1e-5)


def test_a_direction_is_random_but_reproducible():
    model = _trained_looking(ls.DeepMLP(12, 5, layers=2, skip=False))
    a = ls.filter_normalized_direction(model, torch.Generator().manual_seed(3))
    b = ls.filter_normalized_direction(model, torch.Generator().manual_seed(3))
    c = ls.filter_normalized_direction(model, torch.Generator().manual_seed(4))
    name = "stem.1.weight"
    assert torch.equal(a[name], b[name]) and not torch.equal(a[name], c[name])


def _data(n=64, d=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.randint(0, 10, (n,), generator=g)


@pytest.mark.parametrize("skip", [False, True])
def test_the_slice_at_the_origin_is_the_trained_models_loss(skip):
    model = _trained_looking(ls.DeepMLP(12, 8, layers=3, skip=skip))
    x, y = _data()
    g = torch.Generator().manual_seed(1)
    dirs = (ls.filter_normalized_direction(model, g), ls.filter_normalized_direction(model, g))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grid = ls.loss_slice(model, x, y, dirs, np.array([-1.0, 0.0, 1.0]), batch_size=24)
    model.eval()
    with torch.no_grad():
        want = float(nn.functional.cross_entropy(model(x), y))
    assert grid[1, 1] == pytest.approx(want, rel=1e-6)
    # the model is left as it was, and the other points are other losses
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert np.all(np.abs(np.delete(grid.ravel(), 4) - want) > 1e-6)


def test_a_slice_point_is_the_loss_of_the_moved_weights():
    """grid[i, j] is at b = coords[i] (rows) and a = coords[j] (columns)."""
    model = _trained_looking(ls.DeepMLP(12, 8, layers=2, skip=True))
    x, y = _data()
    g = torch.Generator().manual_seed(2)
    d1, d2 = ls.filter_normalized_direction(model, g), ls.filter_normalized_direction(model, g)
    coords = np.array([-0.5, 0.25, 1.0])
    grid = ls.loss_slice(model, x, y, (d1, d2), coords)
    a, b = coords[2], coords[0]
    with torch.no_grad():
        for k, p in model.named_parameters():
            p.add_(a * d1[k] + b * d2[k])
        want = float(nn.functional.cross_entropy(model.eval()(x), y))
    assert grid[0, 2] == pytest.approx(want, rel=1e-6)


def _surface(f, n=21):
    c = np.linspace(-1, 1, n)
    a, b = np.meshgrid(c, c)
    return f(a, b)


def test_roughness_measures_on_known_surfaces():
    bowl = _surface(lambda a, b: a ** 2 + 2 * b ** 2 + 0.5 * a * b)
    assert ls.local_minima(bowl) == 1
    assert ls.nonconvex_fraction(bowl) == 0.0
    saddle = _surface(lambda a, b: a ** 2 - b ** 2)
    assert ls.nonconvex_fraction(saddle) == 1.0
    # An egg crate: cos(4πa)cos(4πb) = -1 where one factor is 1 (a or b in {0, ±1/2, ±1}: 5
    # values) and the other -1 (±1/4, ±3/4: 4 values), all on the 1/16 grid: 5·4 + 4·5 minima.
    egg = _surface(lambda a, b: np.cos(4 * np.pi * a) * np.cos(4 * np.pi * b), n=33)
    assert ls.local_minima(egg) == 40
    assert 0.0 < ls.nonconvex_fraction(egg) < 1.0
    # the second differences of a quadratic are its constant curvatures times h²
    h = 2 / 20
    d2 = ls.second_differences(bowl)
    assert np.allclose(d2[0], 2 * h ** 2) and np.allclose(d2[1], 4 * h ** 2)


# ---------------------------------------------------------------- what chapter 8 says


def test_what_chapter_8_says_about_the_slices_is_what_the_record_shows():
    from gdsc_book.literature import cite
    from tests.pages import record_numbers, says

    r = record_numbers("ch08_landscape")
    shallow, plain, residual = r["shallow"], r["plain"], r["residual"]
    # the three nets: shallow, and one deep depth without and with skip connections
    assert shallow["layers"] < plain["layers"] == residual["layers"]
    assert not shallow["skip"] and not plain["skip"] and residual["skip"]
    # "only the net without skip connections failed to fit its training data"
    assert shallow["train_acc"] > 0.99 and residual["train_acc"] > 0.99 > plain["train_acc"]
    assert plain["centre_loss"] > 10 * max(shallow["centre_loss"], residual["centre_loss"])
    # "has the shallow net's bowl ... the one without is not convex at more than half the points"
    assert plain["nonconvex_fraction"] > 0.5
    assert max(shallow["nonconvex_fraction"], residual["nonconvex_fraction"]) < 0.1
    # "every slice has one local minimum on the grid, the one at the centre"
    for net in (shallow, plain, residual):
        assert net["local_minima"] == 1 and net["lowest_at_centre"]
        assert net["centre_loss"] < net["edge_loss"]
    # "with tens of thousands of parameters": every net of the figure has 10^4 to 10^5 of them
    for net in (shallow, plain, residual):
        model = ls.DeepMLP(3 * r["image_size"] ** 2, r["width"], net["layers"], net["skip"])
        assert 10_000 <= sum(p.numel() for p in model.parameters()) < 100_000
    # "a depth at which Li et al.'s landscape without skip connections was still benign"
    assert plain["layers"] <= cite("li2018", "benign_noshort_layers")
    says("ch08-sgd",
         ko=("파라미터는 수만 차원이므로", "스킵 연결이 없는 신경망만 훈련 데이터를 다 맞추지 못했습니다",
             "절반이 넘는 점에서 볼록하지 않습니다", "국소 최솟값은",
             "Li 등의 실험에서도 스킵 연결 없이 지형이 아직 순하던 깊이입니다"),
         en=("With tens of thousands of parameters", "only the net without skip connections failed to fit its training data",
             "is not convex at more than half of the points", "local minimum on the grid",
             "a depth at which Li et al.'s landscape without skip connections was still benign"))

