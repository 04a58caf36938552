"""train_model: test accuracy inside the loop, checkpoints, resume, validation, NaN."""

from __future__ import annotations

import math

import pytest
import torch

from gdsc_book import data
from gdsc_book.checkpoint import (
    FORMAT,
    CheckpointError,
    describe,
    load_checkpoint,
    save_checkpoint,
)
from gdsc_book.errors import BookError
from gdsc_book.models import build_model
from gdsc_book.train import (
    History,
    TrainingDiverged,
    evaluate,
    load_model,
    predict,
    train_model,
)

from .conftest import has_dataset


@pytest.fixture(scope="module")
def digits():
    return data.load("digits"), data.load("digits", train=False)


def _mlp(seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return build_model("mlp", (1, 8, 8), 10, widths=(32,), dropout=dropout)


def test_test_accuracy_is_computed_every_epoch(digits):
    train, test = digits
    m = _mlp()
    h = train_model(m, train, test, epochs=3, batch_size=64, lr=0.05)
    assert isinstance(h, History) and h.epochs == 3
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "lr"):
        assert len(getattr(h, key)) == 3, key
    assert h.val_acc == [] and h.best_epoch is None
    # The last epoch's test numbers are those of the returned model.
    loss, acc = evaluate(m, test)
    assert acc == pytest.approx(h.test_acc[-1]) and loss == pytest.approx(h.test_loss[-1])
    assert acc == pytest.approx((predict(m, test) == test.labels).float().mean().item())
    assert h.test_acc[-1] > 0.85 and h.train_loss[-1] < h.train_loss[0]


def test_the_history_hands_back_the_returned_models_test_logits(digits, tmp_path):
    from gdsc_book.train import predict_logits

    train, test = digits
    m = _mlp()
    h = train_model(m, train, test, epochs=2, batch_size=64, lr=0.05)
    assert torch.equal(h.test_logits, predict_logits(m, test))  # bit for bit: no second pass
    # With a validation split they are the best epoch's, as the returned weights are.
    m = _mlp()
    h = train_model(m, train, test, epochs=6, batch_size=64, lr=0.05, val_fraction=0.2)
    assert h.best_epoch == 5 and torch.equal(h.test_logits, predict_logits(m, test))
    # They are never saved, and a finished run resumed trains nothing and has none.
    ck = tmp_path / "run.pt"
    h = train_model(_mlp(), train, test, epochs=1, checkpoint=ck)
    assert "test_logits" not in h.to_dict() and "test_logits" not in load_checkpoint(ck)["history"]
    assert train_model(_mlp(), train, test, epochs=1, checkpoint=ck, resume=True).test_logits is None


def test_tuple_data_and_mse_loss_train_too(digits):
    train, test = digits
    xy_train = (train.float_images(), train.labels)
    xy_test = (test.float_images(), test.labels)
    h = train_model(_mlp(), xy_train, xy_test, epochs=3, batch_size=64, lr=0.5, loss="mse")
    assert h.test_acc[-1] > 0.5  # far above chance (0.1): MSE on softmax learns, if slowly
    assert all(0 <= v <= 2 for v in h.train_loss)  # MSE between probability vectors is <= 2


def test_checkpoint_holds_what_quiz_1_asks_and_loads_weights_only(digits, tmp_path):
    train, test = digits
    ck = tmp_path / "run.pt"
    h = train_model(_mlp(), train, test, epochs=2, batch_size=64, lr=0.05, checkpoint=ck,
                    scheduler="onecycle", seed=3)
    state = torch.load(ck, weights_only=True)  # no pickled code needed to read it
    assert state["format"] == FORMAT
    for key in ("model", "optimizer", "test_acc", "epoch", "config", "seed", "rng", "versions",
                "scheduler", "history"):
        assert key in state, key
    assert state["test_acc"] == h.test_acc[-1] and state["epoch"] == 2 and state["seed"] == 3
    assert state["optimizer"]["state"]  # momentum buffers, not an empty shell
    assert state["config"]["optimizer"] == "sgd" and state["config"]["epochs"] == 2
    assert state["versions"]["torch"] == str(torch.__version__)
    assert isinstance(state["rng"]["torch"], torch.Tensor)
    assert [r[0] for r in describe(state)][:2] == ["model", "model_spec"]
    m = load_model(ck)
    assert evaluate(m, test)[1] == pytest.approx(h.test_acc[-1])
    assert list(tmp_path.iterdir()) == [ck]  # no temporary files left behind


def test_checkpoint_writes_are_atomic(tmp_path, monkeypatch):
    ck = tmp_path / "c.pt"
    save_checkpoint({"format": FORMAT, "epoch": 1, "model": {}, "optimizer": {},
                     "test_acc": 0.5}, ck)
    before = ck.read_bytes()

    def crash(obj, f, *a, **k):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
        save_checkpoint({"format": FORMAT, "epoch": 2}, ck)
    assert ck.read_bytes() == before  # the old checkpoint survives intact
    assert list(tmp_path.iterdir()) == [ck]  # and the half-written file is gone


def test_corrupt_or_foreign_checkpoints_are_refused_clearly(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(CheckpointError, match="not a gdsc-book checkpoint"):
        load_checkpoint(foreign)


def test_resume_ends_on_the_same_numbers_as_an_uninterrupted_run(digits, tmp_path):
    train, test = digits
    # Dropout (global RNG), momentum (optimizer state) and a schedule (scheduler state):
    # everything that a resume must restore.
    kw = dict(epochs=4, batch_size=64, lr=0.1, scheduler="onecycle", seed=7, val_fraction=0.1)
    full = _mlp(dropout=0.3)
    h_full = train_model(full, train, test, checkpoint=tmp_path / "full.pt", **kw)

    ck = tmp_path / "cut.pt"

    def crash_during_epoch_3(epoch, history):
        if epoch == 3:
            raise KeyboardInterrupt  # the machine dies before epoch 3 is saved

    with pytest.raises(KeyboardInterrupt):
        train_model(_mlp(dropout=0.3), train, test, checkpoint=ck,
                    on_epoch_end=crash_during_epoch_3, **kw)
    assert load_checkpoint(ck)["epoch"] == 2
    torch.manual_seed(123)  # a different global RNG state and other initial weights
    resumed = _mlp(seed=99, dropout=0.3)
    h_res = train_model(resumed, train, test, checkpoint=ck, resume=True, **kw)
    assert h_res.to_dict() | {"seconds": None} == h_full.to_dict() | {"seconds": None}
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    # A finished run resumes to itself without training again.
    again = train_model(_mlp(dropout=0.3), train, test, checkpoint=ck, resume=True, **kw)
    assert again.test_acc == h_full.test_acc


def test_resume_refuses_other_settings(digits, tmp_path):
    train, test = digits
    ck = tmp_path / "r.pt"
    train_model(_mlp(), train, test, epochs=1, batch_size=64, checkpoint=ck)
    before = ck.read_bytes()
    with pytest.raises(BookError, match="it holds another run .batch_size: checkpoint 64, now 32"):
        train_model(_mlp(), train, test, epochs=1, batch_size=32, checkpoint=ck, resume=True)
    assert ck.read_bytes() == before


def test_resume_refuses_other_data_or_another_model_naming_what_differs(digits, tmp_path):
    """Field by field: the data's fingerprint and the model's spec are in the checkpoint."""
    train, test = digits
    ck = tmp_path / "r.pt"
    train_model(_mlp(), train, test, epochs=1, batch_size=64, checkpoint=ck)
    before = ck.read_bytes()
    other = train.subset(len(train) - 1, seed=1)
    with pytest.raises(BookError, match=r"train data n: checkpoint \d+, now \d+.*"
                                        r"train data subset: checkpoint None, now \d+"):
        train_model(_mlp(), other, test, epochs=1, batch_size=64, checkpoint=ck, resume=True)
    flipped = (train.float_images().flip(3), train.labels)  # same sizes, other pixels
    with pytest.raises(BookError, match=r"train data dataset: checkpoint 'digits', now None"):
        train_model(_mlp(), flipped, test, epochs=1, batch_size=64, checkpoint=ck, resume=True)
    torch.manual_seed(0)
    wider = build_model("mlp", (1, 8, 8), 10, widths=(48,))
    with pytest.raises(BookError, match=r"model kwargs: checkpoint \{'widths': \[32\]"):
        train_model(wider, train, test, epochs=1, batch_size=64, checkpoint=ck, resume=True)
    plain = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))  # no spec
    with pytest.raises(BookError, match="model weights: the checkpoint's 4 tensors do not fit"):
        train_model(plain, train, test, epochs=1, batch_size=64, checkpoint=ck, resume=True)
    assert ck.read_bytes() == before


def test_channels_last_with_flat_tensors_and_a_validation_split():
    """The channels-last conversion touches 4-D images only (it once raised on x2d)."""
    torch.manual_seed(0)
    x, y = torch.randn(40, 6), torch.randint(0, 3, (40,))
    m = torch.nn.Linear(6, 3)
    h = train_model(m, (x, y), epochs=1, channels_last=True, val_fraction=0.2, batch_size=8)
    assert h.epochs == 1 and len(h.val_acc) == 1


def test_a_non_finite_test_loss_is_not_a_good_epoch(digits, tmp_path):
    """NaN on the test (or validation) split stops like a NaN training loss: the epoch is
    neither kept as the best nor saved as the last good checkpoint."""
    train, test = digits
    ck = tmp_path / "t.pt"
    state = {"epoch": 0}

    def nan_in_epoch_2_test(logits, y):
        loss = torch.nn.functional.cross_entropy(logits, y)
        if not logits.requires_grad and state["epoch"] == 2 and len(y) <= len(test):
            return loss * float("nan")
        return loss

    def count(epoch, _h):
        state["epoch"] = epoch + 1

    for split, val_fraction in (("test", 0.0), ("validation", 0.1)):
        state["epoch"] = 1
        m = _mlp()
        with pytest.raises(TrainingDiverged, match=f"{split} loss became nan after epoch 2") as err:
            train_model(m, train, test, epochs=3, batch_size=64, lr=0.05, checkpoint=ck,
                        loss=nan_in_epoch_2_test, on_epoch_end=count, val_fraction=val_fraction)
        assert "last good checkpoint (epoch 1)" in str(err.value)
        saved = load_checkpoint(ck)
        assert saved["epoch"] == 1 and len(saved["history"]["test_loss"]) == 1
        if val_fraction:
            assert saved["best"]["epoch"] == 1
        for a, b in zip(m.state_dict().values(), saved["model"].values()):
            assert torch.equal(a, b)  # the model is put back to epoch 1's weights


def test_validation_picks_the_best_epoch_and_early_stopping_stops(digits):
    train, test = digits
    m = _mlp()
    h = train_model(m, train, test, epochs=6, batch_size=64, lr=0.05, val_fraction=0.2)
    assert len(h.val_acc) == 6 and h.best_epoch is not None
    best = max(range(6), key=lambda i: (h.val_acc[i], -h.val_loss[i]))
    assert h.best_epoch == best + 1  # chosen on validation, not on test
    assert h.final_test_acc == h.test_acc[best]
    assert evaluate(m, test)[1] == pytest.approx(h.test_acc[best])  # best weights restored
    # With lr=0 nothing improves after epoch 1: patience=2 stops after epoch 3.
    h0 = train_model(_mlp(), train, test, epochs=10, lr=0.0, val_fraction=0.2, patience=2)
    assert h0.stopped_early and h0.epochs == 3 and h0.best_epoch == 1
    with pytest.raises(BookError, match="validation split"):
        train_model(_mlp(), train, test, epochs=1, patience=2)


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint(digits, tmp_path):
    train, test = digits
    ck = tmp_path / "nan.pt"
    calls = {"n": 0}
    per_epoch = len(train) // 64 + 1

    def loss_that_explodes(logits, y):
        calls["n"] += logits.requires_grad  # count training batches, not evaluation
        loss = torch.nn.functional.cross_entropy(logits, y)
        return loss * float("nan") if calls["n"] > per_epoch + 3 else loss

    m = _mlp()
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 2, batch 4") as err:
        train_model(m, train, test, epochs=3, batch_size=64, lr=0.05, checkpoint=ck,
                    loss=loss_that_explodes)
    assert "last good checkpoint (epoch 1)" in str(err.value)
    state = load_checkpoint(ck)
    assert state["epoch"] == 1 and math.isfinite(state["test_acc"])
    assert all(torch.isfinite(p).all() for p in m.parameters())  # weights rolled back
    for a, b in zip(m.state_dict().values(), state["model"].values()):
        assert torch.equal(a, b)
    # on_nan="stop" records it and returns instead of raising.
    calls["n"] = 0
    h = train_model(_mlp(), train, test, epochs=3, batch_size=64, lr=0.05,
                    loss=loss_that_explodes, on_nan="stop")
    assert h.epochs == 1 and "nan" in h.diverged


def test_a_huge_learning_rate_is_caught_as_divergence(digits):
    train, test = digits
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        train_model(_mlp(), train, test, epochs=3, batch_size=64, lr=1e12, momentum=0.0)


def test_augment_gets_a_seeded_generator(digits):
    train, test = digits
    seen = []

    def jitter(x, g):
        noise = torch.randn(x.shape, generator=g, device=x.device)
        seen.append(noise[0, 0, 0, 0].item())
        return x + 0.1 * noise

    h1 = train_model(_mlp(), train, test, epochs=1, batch_size=256, augment=jitter)
    first = list(seen)
    seen.clear()
    h2 = train_model(_mlp(), train, test, epochs=1, batch_size=256, augment=jitter)
    assert seen == first and h1.test_acc == h2.test_acc


def test_bad_settings_are_refused_before_training(digits):
    train, test = digits
    with pytest.raises(BookError, match="epochs"):
        train_model(_mlp(), train, test, epochs=-1)
    with pytest.raises(BookError, match="optimizer"):
        train_model(_mlp(), train, test, epochs=1, optimizer="lbfgs")
    with pytest.raises(BookError, match="scheduler"):
        train_model(_mlp(), train, test, epochs=1, scheduler="triangle")
    with pytest.raises(CheckpointError):
        train_model(_mlp(), train, test, epochs=1, checkpoint="/nonexistent/x.pt", resume=True)


def test_optimizers_and_schedules_all_run(digits):
    train, test = digits
    for opt, lr, sched in [("adam", 1e-2, "cosine"), ("adadelta", 1.0, "warmup_cosine"),
                           ("adamw", 1e-2, "onecycle"),
                           (lambda p: torch.optim.SGD(p, lr=0.05), 0.05, None)]:
        h = train_model(_mlp(), train, test, epochs=2, batch_size=64, optimizer=opt, lr=lr,
                        scheduler=sched)
        assert h.test_acc[-1] > 0.7, (opt, sched)


@pytest.mark.data
@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_softmax_regression_learns_mnist_subset():
    train = data.load("mnist").subset(2000, seed=0)
    test = data.load("mnist", train=False).subset(1000, seed=0)
    torch.manual_seed(0)
    h = train_model(build_model("softmax"), train, test, epochs=2, lr=0.05)
    assert h.test_acc[-1] > 0.8


@pytest.mark.parametrize("layout", ["flat", "nchw", "channels_last"])
def test_batches_are_the_rows_of_the_permutation(layout):
    from gdsc_book.train import batches

    x = torch.randn(50, 3, 4, 4) if layout != "flat" else torch.randn(50, 7)
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.arange(50)
    perm = torch.randperm(50, generator=torch.Generator().manual_seed(0))
    got = list(batches(x, y, perm, 16))
    assert [len(yb) for _, yb in got] == [16, 16, 16, 2]
    for b, (xb, yb) in enumerate(got):
        idx = perm[16 * b:16 * (b + 1)]
        assert torch.equal(xb, x[idx]) and torch.equal(yb, y[idx])
        if layout == "channels_last":
            assert xb.is_contiguous(memory_format=torch.channels_last)
    assert len(list(batches(x, y, perm, 16, steps=3))) == 3  # the last batch dropped


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_batches_by_index_beat_a_dataloader_by_far():
    from gdsc_book.train import time_data_paths

    r = time_data_paths(data.load("mnist"), 128, loader_batches=20, reps=1)
    assert r["loader_batches_timed"] == 20 and r["batches"] == 469
    assert r["speedup"] > 20  # ~100x on an idle CPU; generous for a shared one


def test_runs_on_the_device_it_is_given(digits):
    from gdsc_book.train import default_device

    train, test = digits
    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert default_device().type == want
    m = _mlp()
    train_model(m, train, test, epochs=1, device="cpu")
    assert next(m.parameters()).device.type == "cpu"


def test_train_model_sweeps_what_a_killed_save_left(digits, tmp_path):
    train, test = digits
    ck = tmp_path / "run.pt"
    stale = tmp_path / ".run.pt.k1ll3d.tmp"  # write_atomically's temporary name
    other = tmp_path / ".other.pt.k1ll3d.tmp"  # another checkpoint's: not ours to delete
    stale.write_bytes(b"half a checkpoint")
    other.write_bytes(b"half")
    train_model(_mlp(), train.subset(100), test, epochs=1, batch_size=64, checkpoint=ck)
    assert not stale.exists() and other.exists() and ck.exists()


def test_lab1_page_compares_the_cnn_recipe_with_the_pytorch_example_on_both_kinds_of_cpu():
    """The Lab 1 page quotes two benchmark records of today's CNN recipe (one with the CPU's
    bfloat16 units, one capped to AVX2 in float32), and what it concludes from them holds."""
    from gdsc_book.recipes import get_recipe, train_kwargs

    from .pages import DOCS, record_numbers

    fast, avx2 = record_numbers("bench_mnist"), record_numbers("bench_mnist_avx2")
    want = get_recipe("cnn")
    for n, bf16 in ((fast, True), (avx2, False)):
        assert n["bf16"] is bf16 and n["cnn"]["recipe"] == train_kwargs(want)
        assert n["cnn"]["model_kwargs"] == dict(want["model_kwargs"], mixed_precision=bf16)
        runs = [r for r in n["runs"] if r["model"] == "cnn"]
        assert [r["seed"] for r in runs] == [0, 1, 2] and all(r["bf16"] is bf16 for r in runs)
        assert not n["anchor"]["extrapolated"]  # the page says one epoch of the example
        assert n["cnn"]["time_ratio"] == pytest.approx(
            max(r["wall_s"] for r in runs) / n["anchor"]["epoch_s"])
        assert n["cnn"]["mean_acc"] == pytest.approx(sum(r["test_acc"] for r in runs) / 3)
    assert "no ISA cap" in fast["isa"] and "ONEDNN_MAX_CPU_ISA=AVX2" in avx2["isa"]
    for page in ("ch09-lab1-mnist.md", "ch09-lab1-mnist.en.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        for ref in ('num("bench_mnist", "cnn.time_ratio"', 'num("bench_mnist_avx2", "cnn.time_ratio"',
                    'num("bench_mnist_avx2", "cnn.mean_acc"', 'refp("pytorch_examples_mnist")'):
            assert ref in text, (page, ref)
        for ref in ('num("bench_mnist", "cnn.goal_acc"', 'num("bench_mnist", "cnn.goal_ratio"'):
            assert ref in text, (page, ref)
    # "Both records meet the book's goal": the goal the page quotes from one record is the
    # other's too, and each record's own numbers reach it.
    assert avx2["cnn"]["goal_acc"] == fast["cnn"]["goal_acc"] == 0.993
    assert avx2["cnn"]["goal_ratio"] == fast["cnn"]["goal_ratio"] == 0.38
    for n in (fast, avx2):
        assert n["cnn"]["met"] and n["cnn"]["mean_acc"] >= n["cnn"]["goal_acc"]
        assert n["cnn"]["time_ratio"] <= n["cnn"]["goal_ratio"]
