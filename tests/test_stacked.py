"""A stack of MLPs trains each member exactly as training it alone would (to float rounding)."""

from __future__ import annotations

import pytest
import torch

from gdsc_book.models import MLP
from gdsc_book.perceptron import fit_full_batch
from gdsc_book.stacked import MLPStack, fit_stack_full_batch, train_stack
from gdsc_book.train import train_model


def _data(n, d=12, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    return x, (x[:, :k].argmax(1) + (torch.rand(n, generator=g) < 0.2).long()) % k


def _members(widths, d=12, k=4, dropout=0.0):
    out = []
    for i, w in enumerate(widths):
        torch.manual_seed(i)
        out.append(MLP(d, widths=(w,), num_classes=k, dropout=dropout))
    return out


@pytest.mark.parametrize("widths,optimizer,wd,seeds", [
    ([3, 8, 5], "adam", 0.0, 0),                # different widths: one concatenated layer
    ([6, 6, 6], "sgd", [0.0, 1e-3, 1e-1], 0),   # equal widths (bmm), own weight decays
    ([6, 6], "sgd", 1e-2, [0, 1]),              # own seeds: own shuffles, own batches
])
def test_stack_trains_each_member_as_train_model_does(widths, optimizer, wd, seeds):
    train, test = _data(100), _data(50, seed=1)
    models = _members(widths)
    stack = MLPStack(models)
    hist = train_stack(stack, train, test, epochs=4, batch_size=16, optimizer=optimizer,
                       lr=0.01, weight_decay=wd, seeds=seeds)
    wds = wd if isinstance(wd, list) else [wd] * len(widths)
    ss = seeds if isinstance(seeds, list) else [seeds] * len(widths)
    for model, h, lam, s, got in zip(models, hist, wds, ss, stack.members()):
        ref = train_model(model, train, test, epochs=4, batch_size=16, optimizer=optimizer,
                          lr=0.01, weight_decay=lam, seed=s, device="cpu")
        for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
            assert getattr(h, key) == pytest.approx(getattr(ref, key), rel=1e-4, abs=1e-5), key
        for a, b in zip(got.state_dict().values(), model.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_dropout_is_per_member_and_off_in_evaluation():
    (x, _), models = _data(64), _members([5, 5]) + _members([5], dropout=0.5)
    stack = MLPStack(models)
    stack.train()
    torch.manual_seed(0)
    out = stack(x)
    ref = torch.stack([m.eval()(x) for m in models])
    torch.testing.assert_close(out[:2], ref[:2])  # p = 0: untouched
    assert not torch.allclose(out[2], ref[2])  # p = 0.5: units dropped
    torch.testing.assert_close(stack.eval()(x), ref)


def test_full_batch_fit_matches_fit_full_batch():
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = torch.sin(3 * x)
    models = _members([2, 7, 16], d=1, k=1)
    stack = MLPStack(models)
    fit_stack_full_batch(stack, x, y, steps=60, lr=0.01, cosine=True)
    for model, got in zip(models, stack.members()):
        fit_full_batch(model, x, y, steps=60, lr=0.01, loss="mse", cosine=True)
        torch.testing.assert_close(got(x), model(x), rtol=1e-4, atol=1e-5)


def test_bad_stacks_say_what_to_do():
    with pytest.raises(ValueError, match="equal widths"):
        train_stack(MLPStack(_members([3, 4])), _data(20), epochs=1, seeds=[0, 1])
    with pytest.raises(ValueError, match="2 values for 3 members"):
        train_stack(MLPStack(_members([3, 3, 3])), _data(20), epochs=1, weight_decay=[0, 1])
