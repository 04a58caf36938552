"""Chapter 7's early-stopping claims (and chapter 6's, which quotes them), computed again from
the stored sweep and from the record the pages quote.

The stored computation is read directly (no training): the per-epoch test errors of every width.
"""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pytest

from gdsc_book import double_descent as dd

from .pages import DOCS, page
from .pages import record_numbers as _record

NAME = "ch07_double_descent"


@pytest.fixture(scope="module")
def rec():
    return _record(NAME)


@pytest.fixture(scope="module")
def sweep():
    files = sorted((DOCS / "results" / "compute" / NAME).glob("sweep-*.npz"))
    if not files:
        pytest.skip("no stored ch07 sweep: run `gdsc-book figures ch07_double_descent`")
    with np.load(files[0], allow_pickle=False) as z:
        return dd.Sweep(**json.loads(str(z["__header__"]))["result"])


def test_gain_is_final_minus_best_seen_from_the_stored_run(rec, sweep):
    last = rec["last"]
    for i, w in enumerate(rec["widths"]):
        curve = sweep.curve(i)
        final, best = np.mean(curve[-last:]), min(curve)
        assert rec["early_stopping"]["gain"][i] == pytest.approx(final - best, abs=1e-12)
        assert rec["early_stopping"]["best_epoch"][i] == int(np.argmin(curve)) + 1
        if str(w) in rec["epochwise"]:
            assert rec["epochwise"][str(w)]["gain"] == rec["early_stopping"]["gain"][i]
    gain = rec["early_stopping"]["gain"]
    assert rec["early_stopping"]["max_gain"] == max(gain)
    assert rec["early_stopping"]["max_gain_width"] == rec["widths"][int(np.argmax(gain))]


def test_gain_is_largest_near_the_threshold_and_smallest_for_the_smallest_models(rec):
    """The text: largest near the interpolation threshold, least for the smallest models, and the
    largest model gains more than width 8 (against 'pays off most for small models')."""
    gain, widths = rec["early_stopping"]["gain"], rec["widths"]
    thr = rec["threshold_fit_width"]
    assert thr / 2 <= rec["early_stopping"]["max_gain_width"] <= 2 * thr
    assert gain[0] == min(gain)
    small = [g for w, g in zip(widths, gain) if w <= 8]
    assert max(small) < min(g for w, g in zip(widths, gain) if w > 8)
    assert rec["epochwise"][str(widths[-1])]["gain"] > rec["epochwise"]["8"]["gain"]


def test_best_seen_curve_has_no_peak_while_the_final_curve_has_one(rec):
    best, final = rec["best_seen_test_err"], rec["test_err"]
    i_peak = rec["widths"].index(rec["peak_width"])
    p = best[i_peak]
    se = math.sqrt(p * (1 - p) / rec["n_test"])
    assert rec["early_stopping"]["best_seen_se"] == pytest.approx(se)
    rises = [b - a for a, b in zip(best, best[1:])]
    assert rec["early_stopping"]["best_seen_max_rise"] == pytest.approx(max(0.0, *rises))
    assert max(rises) < se  # no rise between neighbouring widths beyond the noise ...
    assert best[-1] == min(best) and best[0] == max(best)  # ... and it falls from end to end
    # the final-epoch curve's bump, by contrast, is many standard errors high
    assert rec["peak_test_err"] - min(final[:i_peak]) > 5 * se


def test_large_model_gets_worse_from_its_best_epoch_to_the_end(rec, sweep):
    """'Long training helps large models' does not hold here: the widest model's smoothed test
    error rises from its minimum to the last epoch, while it memorizes the noisy labels."""
    w = rec["widths"][-1]
    e = rec["epochwise"][str(w)]
    i = sweep.sizes.index(w)
    c = np.array(dd.smooth(sweep.curve(i), rec["window"]))
    i_min = int(np.argmin(c))
    assert e["min_epoch"] == i_min + 1 < rec["epochs"] / 10
    after = c[i_min:]
    assert int(np.argmax(after)) + i_min + 1 == e["peak_epoch"] >= rec["epochs"] - 1
    # "only rises": it never falls back by more than a tenth of its rise
    assert (np.maximum.accumulate(after) - after).max() < 0.1 * (after[-1] - after[0])
    assert e["final_err"] - e["min_err"] > 0.05
    # why: at its best it gets wrong about the noisy fraction of the training labels, at the end none
    train = dd.smooth(sweep.curve(i, "train"), rec["window"])
    assert e["train_err_at_min"] == pytest.approx(train[i_min])
    assert abs(e["train_err_at_min"] - rec["noise"]) < 0.02
    assert e["final_train_err"] == 0.0


def test_setup_numbers_are_what_the_run_used(rec):
    """The page quotes the optimizer, batch size and number of wrong labels from the record."""
    sig = inspect.signature(dd.width_sweep).parameters
    assert rec["setup"]["batch_size"] == sig["batch_size"].default
    assert rec["setup"]["optimizer"] == sig["optimizer"].default
    import torch

    _, flipped = dd.noisy_labels(torch.zeros(rec["n_train"], dtype=torch.long), rec["noise"])
    assert rec["setup"]["noisy_labels"] == int(flipped.sum())


def test_pages_no_longer_say_early_stopping_pays_off_most_for_small_models():
    for slug in ("ch06-generalization", "ch07-double-descent"):
        for lang, phrases in (("ko", ("작은 모델과 임계점 근처의 모델에서 가장", "이중 하강(double descent)과는 모순됩니다",
                                       "작은 모델과 임계점 근처의 모델에는 조기 종료가")),
                              ("en", ("most for small models", "clear win for small models",
                                      "stop, and it contradicts the"))):
            text = " ".join(page(slug, lang).split())
            for phrase in phrases:
                assert " ".join(phrase.split()) not in text, f"{slug} ({lang}) still says {phrase!r}"
