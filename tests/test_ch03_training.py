"""Chapter 3 on real MNIST: the slide's batch, the linear neural network, CE vs MSE training."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import has_dataset

from .pages import record_numbers as _record

pytestmark = [pytest.mark.data,
              pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST is not available")]


@pytest.fixture(scope="module")
def mnist():
    from gdsc_book.data import load

    return load("mnist", train=True), load("mnist", train=False)


def test_slide_batch(mnist):
    from gdsc_book.figures.ch03_classification import slide_batch

    x, y, idx = slide_batch(mnist[0])
    assert x.shape == torch.Size([6, 1, 28, 28])
    assert y.tolist() == [2, 9, 7, 6, 8, 0]
    assert all(int(mnist[0].labels[i]) == int(v) for i, v in zip(idx, y))


def test_softmax_regression_is_a_linear_network():
    from gdsc_book.models import SoftmaxRegression

    torch.manual_seed(0)
    model = SoftmaxRegression(in_shape=(1, 28, 28), num_classes=10)
    assert sum(p.numel() for p in model.parameters()) == 10 * 784 + 10
    x = torch.randn(5, 1, 28, 28)
    w, b = model.linear.weight, model.linear.bias
    # ŷ^(d) = Σ_p W_dp x_p + b_d, exactly.
    assert torch.allclose(model(x), x.flatten(1) @ w.T + b, atol=1e-5)


def _train(mnist, loss: str, init_scale: float, n: int = 3000, epochs: int = 2) -> float:
    from gdsc_book.figures.ch03_classification import TRAIN
    from gdsc_book.models import SoftmaxRegression
    from gdsc_book.train import train_model

    torch.manual_seed(0)
    model = SoftmaxRegression()
    with torch.no_grad():
        model.linear.weight.mul_(init_scale)
    hist = train_model(model, mnist[0].subset(n), mnist[1].subset(3000), epochs=epochs,
                       loss=loss, seed=0, device="cpu", **TRAIN)
    return hist.test_acc[-1]


@pytest.mark.slow
def test_ce_beats_mse_from_a_saturated_start(mnist):
    """Same data, budget and optimizer: from a saturated start CE recovers and MSE stalls."""
    from gdsc_book.figures.ch03_classification import SATURATED_SCALE

    ce = _train(mnist, "ce", SATURATED_SCALE)
    mse = _train(mnist, "mse", SATURATED_SCALE)
    assert ce > mse + 0.2, (ce, mse)




def test_recorded_training_numbers_back_the_page():
    rec = _record("ch03_ce_vs_mse")
    sat, default = rec["saturated"], rec["default"]
    # The page: both runs of a pair start from the same weights ...
    for start in (sat, default):
        assert start["ce"]["initial_test_acc"] == start["mse"]["initial_test_acc"]
    # ... from the saturated start CE is far ahead after one epoch and still ahead at the end ...
    assert sat["ce"]["test_acc"][0] - sat["mse"]["test_acc"][0] > 0.3
    assert sat["ce_minus_mse"] > 0.1
    # ... while from the default start the two end close together (within 2 points).
    assert abs(default["ce_minus_mse"]) < 0.02
    w = _record("ch03_weights")
    assert w["test_acc"] == rec["default"]["ce"]["final_test_acc"]  # one run, two figures
    assert w["test_acc"] > 0.88 and w["n_params"] == 7850
    assert w["zero_centre_mean"] < 0 < w["zero_ring_mean"]  # W_0: blue centre, red ring
    batch = _record("ch03_mnist_batch")
    assert batch["shape"] == "torch.Size([6, 1, 28, 28])" and batch["labels"] == [2, 9, 7, 6, 8, 0]
    bars = _record("ch03_softmax_bars")
    assert bars["logit_min"] < 0 and bars["p_sum"] == pytest.approx(1.0, abs=1e-6)
