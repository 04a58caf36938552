"""Lab 2's two five-seed figures: their training is a stored computation that no drawing code
reaches, and what their captions count and state is what that computation holds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gdsc_book.figures import ch10_lab2, keys, registry

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
MODULE = ch10_lab2.__name__


def _reached(fn) -> set[str]:
    """The units a computation's key is made of (as ``registry.compute_key`` reads them)."""
    module, name, _ = keys.func_location(fn)
    node, label = keys.function_node(module, name)
    return set(keys.reach([(module, node, label)], keys.PIPELINE | keys.DRAWING))


@pytest.mark.parametrize("compute, drawing", [
    (ch10_lab2._five_runs, ("lab2_cifar10", "_runs_plot", "_curves_band", "_grid",
                            "GRID_ROWS", "GRID_COLS", "CLASSES_KO")),
    (ch10_lab2._transfer_runs, ("lab2_finetune", "_bars", "_transfer_curves", "MODE_LABELS")),
])
def test_a_new_label_or_layout_reruns_no_training(compute, drawing):
    reached = _reached(compute)
    assert f"{MODULE}:{compute.__name__}" in reached
    assert "gdsc_book.train:train_model" in reached  # it does reach the training it runs
    leaked = sorted(u for u in reached if u.split(":", 1)[1] in drawing and u.startswith(MODULE))
    assert not leaked, f"drawing code in {compute.__name__}'s key: {leaked}"


def _stored(name: str) -> tuple[dict, dict]:
    rec = json.loads((RESULTS / f"{name}.json").read_text())
    (c,) = rec["computations"]  # one computation: all the training of the figure
    path = RESULTS / registry.COMPUTE_DIR / name / c["file"]
    with np.load(path, allow_pickle=False) as z:
        key = json.loads(str(z["__header__"]))["key"]
    result, _meta = registry.load_computation(path, key)
    return rec, result


def test_the_grid_caption_counts_what_the_grid_shows():
    rec, r = _stored("lab2_cifar10")
    grid, g = rec["numbers"]["grid"], r["grid"]
    n = ch10_lab2.GRID_ROWS * ch10_lab2.GRID_COLS
    assert grid["shown"] == n <= len(g["pred"]) == len(g["images"])
    assert grid["wrong"] == int((g["pred"][:n] != g["label"][:n]).sum())
    assert grid["right"] + grid["wrong"] == n
    assert g["images"].dtype == np.uint8 and g["images"].shape[1:] == (3, 32, 32)


def test_the_runs_axis_holds_every_run_and_both_intervals():
    rec, r = _stored("lab2_cifar10")
    n, axis = rec["numbers"], rec["numbers"]["runs_axis"]
    assert n["accs"] == r["accs"] and len(n["accs"]) == rec["params"]["runs"]
    shown = n["accs"] + [n["ci_low"], n["ci_high"], n["mean"] - n["std"], n["mean"] + n["std"]]
    assert axis["from"] < min(shown) and max(shown) < axis["to"]
    assert axis["from"] > 0.5  # a dot plot of a narrow range, as the caption says
