"""Chapter 7: the pieces of the double-descent experiment, and the claims the page makes."""

from __future__ import annotations

import pytest
import torch

from gdsc_book import double_descent as dd
from gdsc_book.models import MLP, count_parameters

from .pages import record_numbers as _record


def test_noisy_labels_flip_exactly_the_fraction_to_other_classes():
    y = torch.arange(10).repeat(500)
    noisy, flipped = dd.noisy_labels(y, 0.2, seed=3)
    assert flipped.sum().item() == 1000
    assert torch.all(noisy[flipped] != y[flipped])  # a flipped label is always wrong
    assert torch.equal(noisy[~flipped], y[~flipped])
    counts = torch.bincount((noisy[flipped] - y[flipped]) % 10, minlength=10)
    assert counts[0] == 0 and counts[1:].min() > 70  # every wrong class is used
    again, _ = dd.noisy_labels(y, 0.2, seed=3)
    assert torch.equal(noisy, again)


def test_noisy_labels_rejects_bad_fraction():
    with pytest.raises(ValueError):
        dd.noisy_labels(torch.zeros(5, dtype=torch.long), 1.5)


@pytest.mark.parametrize("width", [1, 7, 90, 512])
def test_parameter_count_formula(width):
    assert dd.mlp_parameters(100, width) == count_parameters(MLP(100, widths=(width,)))
    assert dd.width_for_parameters(dd.mlp_parameters(100, width), 100) == pytest.approx(width)


def test_downsample_averages_pixels():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    out = dd.downsample(x, 2)
    assert out.shape == (1, 1, 2, 2)
    assert out[0, 0, 0, 0].item() == pytest.approx((0 + 1 + 4 + 5) / 4)


def test_threshold_and_peak_helpers():
    sizes = [2, 4, 8, 16, 32]
    assert dd.interpolation_threshold(sizes, [0.5, 0.2, 0.009, 0.0, 0.0], tol=0.01) == 8
    assert dd.interpolation_threshold(sizes, [0.5] * 5) is None
    assert dd.peak(sizes, [0.3, 0.2, 0.4, 0.25, 0.1]) == (8, 0.4)
    # an underfitting smallest model is not "the peak": it comes after the first descent
    assert dd.peak(sizes, [0.6, 0.2, 0.3, 0.25, 0.1]) == (8, 0.3)


def test_noise_is_not_the_validation_split():
    """Regression test: the flipped examples must not be train_model's validation split."""
    n = 1000
    _, flipped = dd.noisy_labels(torch.zeros(n, dtype=torch.long), 0.2, seed=0)
    val_idx = torch.randperm(n, generator=torch.Generator().manual_seed(0))[:200]
    assert 0.1 < flipped[val_idx].float().mean().item() < 0.3


def test_width_sweep_bigger_models_fit_more():
    """Training error falls with width on a small random-label problem (fast sanity check)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(200, 1, 4, 4, generator=g), torch.randint(0, 10, (200,), generator=g)
    s = dd.width_sweep((x, y), (x[:50], y[:50]), [2, 128], epochs=40, lr=1e-2)
    assert s.train_err[1] < s.train_err[0] - 0.3
    assert len(s.curve(0)) == 40 and s.params == [dd.mlp_parameters(16, 2), dd.mlp_parameters(16, 128)]


# ---------------------------------------------------------------- the page's claims


def test_model_wise_double_descent_claims():
    r = _record("ch07_double_descent")
    widths, test, train = r["widths"], r["test_err"], r["train_err"]
    i_peak = widths.index(r["peak_width"])
    assert 0 < i_peak < len(widths) - 1  # the peak is inside the sweep ...
    assert min(test[:i_peak]) < r["peak_test_err"] - 0.05  # ... after a first descent ...
    assert test[-1] < r["peak_test_err"] - 0.05  # ... and before a second one
    assert train[-1] == 0.0  # the biggest model fits every (noisy) label
    assert max(train[i_peak:]) < 0.02  # from the peak on, every model (nearly) interpolates
    assert r["smallest_test_err_width"] == widths[-1]  # the biggest model is the best of all
    thr = r["threshold_fit_width"]
    assert thr is not None
    # the peak sits at or just before the interpolation threshold (within a factor of 4)
    assert thr / 4 <= r["peak_width"] <= thr
    assert r["threshold_nk_params"] == r["n_train"] * 10


def test_epoch_wise_claims():
    r = _record("ch07_double_descent")["epochwise"]
    big, near, small = r[max(r, key=int)], r["32"], r["8"]
    # every model: test error first falls, then rises while it memorizes the noisy labels
    for e in (big, near, small):
        assert e["min_epoch"] < e["peak_epoch"] and e["final_err"] > e["min_err"]
    assert big["final_train_err"] == 0.0 and small["final_train_err"] > 0.1
    # near the threshold the rise is far larger than for the big model ...
    assert near["final_err"] - near["min_err"] > 2 * (big["final_err"] - big["min_err"])
    # ... and long training leaves the big model much better off
    assert big["final_err"] < near["final_err"] - 0.05
    # the page says the second, epoch-wise descent did not come within 500 epochs
    assert big["final_err"] >= big["peak_after_min"] - 0.005


def test_depth_claims():
    r = _record("ch07_depth")
    short, long_aug = r["short_test_acc"], r["long_aug_test_acc"]
    gains = [a - b for a, b in zip(long_aug, short)]
    assert all(g > 0 for g in gains)  # augmentation + longer training helps every depth ...
    assert all(b > a for a, b in zip(gains, gains[1:]))  # ... and helps deeper nets more
    assert short[-1] < short[0]  # trained briefly, the deepest net is the worst
    assert long_aug[-1] > short[0]  # trained longer with augmentation, it beats the shallow one
    # the page's caveat: for this small MLP, deeper than two hidden layers did not help
    assert r["depths"][1] == 2 and long_aug[1] == max(long_aug)
