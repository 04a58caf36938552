"""Chapter 6: the mechanics of each regularizer, and the claims the page makes about its runs."""

from __future__ import annotations

import torch
from torch import nn

from gdsc_book import regularization as reg
from gdsc_book.models import MLP
from gdsc_book.train import train_model

from .pages import record_numbers as _record

# ---------------------------------------------------------------- weight decay


def _one_sgd_step(weight_decay: float, lr: float):
    """One torch.optim.SGD step on L(w) = ½‖Xw − y‖²/n; returns (w0, ∇L(w0), w1)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 5, generator=g), torch.randn(8, generator=g)
    w = torch.randn(5, generator=g, requires_grad=True)
    w0 = w.detach().clone()
    opt = torch.optim.SGD([w], lr=lr, momentum=0.0, weight_decay=weight_decay)
    loss = 0.5 * ((x @ w - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    grad = w.grad.detach().clone()
    opt.step()
    return w0, grad, w.detach().clone()


def test_torch_weight_decay_is_the_slides_update():
    """SGD(weight_decay=λ) gives (1 − ηλ)w − η∇L: the slide's update as written."""
    lr, lam = 0.03, 0.1  # the slide's own example: SGD(lr=0.03, weight_decay=0.1)
    w0, grad, w1 = _one_sgd_step(lam, lr)
    assert torch.allclose(w1, reg.weight_decay_step(w0, grad, lr, lam), atol=1e-7)
    assert torch.allclose(w1, (1 - lr * lam) * w0 - lr * grad, atol=1e-7)


def test_the_slides_penalty_has_a_factor_two():
    """Gradient descent on L + λ‖w‖² shrinks by (1 − 2ηλ); torch's λ corresponds to λ/2."""
    lr, lam = 0.03, 0.1
    w0, grad, w_torch = _one_sgd_step(lam, lr)
    # autograd on the slide's loss, taken literally
    w = w0.clone().requires_grad_(True)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 5, generator=g), torch.randn(8, generator=g)
    (0.5 * ((x @ w - y) ** 2).mean() + lam * w.pow(2).sum()).backward()
    w_penalty = w0 - lr * w.grad
    assert torch.allclose(w_penalty, reg.penalty_step(w0, grad, lr, lam), atol=1e-7)
    assert not torch.allclose(w_penalty, w_torch, atol=1e-4)  # literally, they differ ...
    _, _, w_torch_2lam = _one_sgd_step(2 * lam, lr)
    assert torch.allclose(w_penalty, w_torch_2lam, atol=1e-7)  # ... by exactly the factor 2


def _steps(opt_cls, penalty: float, steps: int = 1, **kw):
    """``steps`` steps of ``opt_cls`` on L(w) + (penalty/2)‖w‖², L = ½‖Xw − y‖²/n; returns w0, w."""
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(8, 5, generator=g), torch.randn(8, generator=g)
    w = torch.randn(5, generator=g, requires_grad=True)
    w0 = w.detach().clone()
    opt = opt_cls([w], **kw)
    for _ in range(steps):
        loss = 0.5 * ((x @ w - y) ** 2).mean() + 0.5 * penalty * w.pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w0, w.detach().clone(), x, y


def test_l2_penalty_equals_weight_decay_for_sgd_only():
    """The page's condition: (λ/2)‖w‖² ≡ decay by (1 − ηλ) holds for SGD, not for Adam.

    Loshchilov & Hutter 2019: Adam divides the penalty's gradient λw by √v̂ like every other
    gradient, so the L2 penalty no longer shrinks w by (1 − ηλ); AdamW decouples the decay.
    """
    lr, lam = 0.03, 0.1
    # plain SGD: the penalty, SGD(weight_decay=λ) and the decoupled decay (1 − ηλ)w − η∇L agree
    w0, w_pen, x, y = _steps(torch.optim.SGD, lam, lr=lr)
    _, w_wd, _, _ = _steps(torch.optim.SGD, 0.0, lr=lr, weight_decay=lam)
    grad = x.T @ (x @ w0 - y) / len(y)
    assert torch.allclose(w_pen, w_wd, atol=1e-7)
    assert torch.allclose(w_pen, (1 - lr * lam) * w0 - lr * grad, atol=1e-7)
    # with momentum torch's weight_decay is still the penalty's gradient, over many steps
    _, w_pen_m, _, _ = _steps(torch.optim.SGD, lam, steps=20, lr=lr, momentum=0.9)
    _, w_wd_m, _, _ = _steps(torch.optim.SGD, 0.0, steps=20, lr=lr, momentum=0.9, weight_decay=lam)
    assert torch.allclose(w_pen_m, w_wd_m, atol=1e-6)

    # Adam: the penalty (= torch's Adam(weight_decay=λ)) is not the decay formula ...
    eps = 1e-8
    _, w_adam_pen, _, _ = _steps(torch.optim.Adam, lam, lr=lr, eps=eps)
    _, w_adam_wd, _, _ = _steps(torch.optim.Adam, 0.0, lr=lr, eps=eps, weight_decay=lam)
    assert torch.allclose(w_adam_pen, w_adam_wd, atol=1e-7)
    g_pen = grad + lam * w0  # Adam's first step is lr · ĝ/(|ĝ| + ε): the decay is normalized away
    assert torch.allclose(w_adam_pen, w0 - lr * g_pen / (g_pen.abs() + eps), atol=1e-6)
    decoupled = (1 - lr * lam) * w0 - lr * grad / (grad.abs() + eps)
    assert (w_adam_pen - decoupled).abs().max() > 1e-3
    # ... and AdamW's decoupled decay is exactly (1 − ηλ)w − η·(Adam's step on L alone)
    _, w_adamw, _, _ = _steps(torch.optim.AdamW, 0.0, lr=lr, eps=eps, weight_decay=lam)
    assert torch.allclose(w_adamw, decoupled, atol=1e-6)


def test_dropout_prediction_is_the_subnetwork_average():
    """Dropout before a linear head: eval logits = mask-weighted mean of all 2ⁿ subnetworks' logits.

    Hence eval softmax = the subnetworks' normalized geometric mean (Srivastava et al. 2014), while
    the arithmetic mean of their probabilities differs: the page's "exact here, approximate deeper".
    """
    import itertools

    torch.manual_seed(0)
    n, p = 6, 0.5
    m = MLP(4, widths=(n,), num_classes=3, dropout=p).eval()
    x = torch.randn(5, 4)
    h = m.body(x)  # eval: no dropout
    logits, logp, probs = 0.0, 0.0, 0.0
    for mask in itertools.product((0.0, 1.0), repeat=n):
        mask = torch.tensor(mask)
        prob_mask = (1 - p) ** mask.sum() * p ** (n - mask.sum())
        z = m.head(h * mask / (1 - p))  # one thinned subnetwork, scaled as nn.Dropout does
        logits = logits + prob_mask * z
        logp = logp + prob_mask * torch.log_softmax(z, dim=1)
        probs = probs + prob_mask * torch.softmax(z, dim=1)
    assert torch.allclose(logits, m(x), atol=1e-5)
    assert torch.allclose(torch.softmax(logp, dim=1), torch.softmax(m(x), dim=1), atol=1e-5)
    assert (probs - torch.softmax(m(x), dim=1)).abs().max() > 1e-3


def test_weight_decay_shrinks_weights_in_training():
    torch.manual_seed(0)
    x, y = torch.randn(256, 1, 4, 4), torch.randint(0, 10, (256,))
    norms = []
    for wd in (0.0, 0.05):
        torch.manual_seed(0)
        m = MLP(16, widths=(32,))
        train_model(m, (x, y), epochs=5, lr=0.05, weight_decay=wd, device="cpu")
        norms.append(reg.weight_norm(m))
    assert norms[1] < 0.9 * norms[0]


# ---------------------------------------------------------------- dropout


def test_dropout_train_vs_eval():
    p = 0.5
    x = torch.ones(200_000)
    train_out, eval_out = reg.dropout_demo(p, x)
    dropped = (train_out == 0).float().mean().item()
    assert abs(dropped - p) < 0.01  # about p of the units are zeroed ...
    kept = train_out[train_out != 0]
    assert torch.allclose(kept, torch.full_like(kept, 1 / (1 - p)))  # ... survivors scaled
    assert abs(train_out.mean().item() - 1.0) < 0.01  # so the expectation is unchanged
    assert torch.equal(eval_out, x)  # evaluation: the identity


def test_dropout_model_is_random_in_train_mode_and_deterministic_in_eval():
    torch.manual_seed(0)
    m = MLP(16, widths=(64,), dropout=0.5)
    x = torch.randn(4, 16)
    m.train()
    assert not torch.equal(m(x), m(x))
    m.eval()
    assert torch.equal(m(x), m(x))
    assert any(isinstance(layer, nn.Dropout) for layer in m.modules())


# ---------------------------------------------------------------- augmentation


def test_random_shift_moves_pixels_and_keeps_shape():
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 4, 4] = 1.0
    out = reg.random_shift(1)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert torch.all(out.sum(dim=(1, 2, 3)) == 1)  # an interior pixel is never lost
    pos = out[:, 0].flatten(1).argmax(1)
    rows, cols = pos // 8, pos % 8
    assert rows.min() == 3 and rows.max() == 5 and cols.min() == 3 and cols.max() == 5
    assert len(set(pos.tolist())) == 9  # all nine shifts happen
    background = torch.full((16, 1, 4, 4), -0.4)  # standardized digits: the border is negative
    assert torch.all(reg.random_shift(2)(background, torch.Generator().manual_seed(0)) == -0.4)


# ---------------------------------------------------------------- early stopping


def test_early_stopping_rule_matches_train_model():
    """Where patience stops, by our rule, is where train_model(patience=...) stops."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(300, 1, 4, 4, generator=g), torch.randint(0, 10, (300,), generator=g)
    kw = dict(epochs=30, lr=0.1, val_fraction=0.3, device="cpu", seed=0)
    torch.manual_seed(0)
    full = train_model(MLP(16, widths=(64,)), (x, y), **kw)
    best, stop = reg.early_stopping(full.val_acc, full.val_loss, patience=3)
    torch.manual_seed(0)
    early = train_model(MLP(16, widths=(64,)), (x, y), patience=3, **kw)
    assert early.epochs == stop and early.best_epoch == best
    assert stop < 30  # random labels: validation stops improving quickly


def test_early_stopping_rule_on_a_hand_made_curve():
    best, stop = reg.early_stopping([0.5, 0.7, 0.6, 0.6, 0.65], [1, 0.8, 0.9, 0.9, 0.85], 3)
    assert (best, stop) == (2, 5)


# ---------------------------------------------------------------- ensembles, implicit SGD


def test_ensemble_averages_probabilities():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    x = torch.randn(5, 3)
    p = reg.ensemble_probs([a, b], x)
    with torch.no_grad():
        expected = (a(x).softmax(1) + b(x).softmax(1)) / 2
    assert torch.allclose(p, expected)
    assert torch.allclose(p.sum(1), torch.ones(5))


def test_sgd_from_zero_finds_the_minimum_norm_interpolant():
    d = reg.implicit_sgd_demo()
    assert d["train_mse_sgd"] < 1e-12 and d["train_mse_other"] < 1e-12  # both fit exactly
    assert d["dist_sgd_min"] < 1e-6 * d["norm_min"]  # SGD lands on the min-norm solution
    assert d["norm_other"] > 2 * d["norm_sgd"]


# ---------------------------------------------------------------- the page's claims


def test_weight_decay_run_claims():
    r = _record("ch06_weight_decay")["runs"]
    none, strongest = r[0], r[-1]
    assert none["wd"] == 0 and none["train_acc"] > 0.95  # memorizes the noisy labels
    assert strongest["test_acc"] > none["test_acc"]  # weight decay generalizes better
    assert strongest["weight_norm"] < none["weight_norm"]


def test_dropout_run_claims():
    r = _record("ch06_dropout")["runs"]
    assert r[1]["test_acc"] > r[0]["test_acc"]
    assert r[1]["train_acc"] < r[0]["train_acc"]


def test_augmentation_run_claims():
    r = _record("ch06_augmentation")["runs"]
    assert r["shift"]["test_acc"] > r["none"]["test_acc"]
    assert r["shift"]["train_acc"] < r["none"]["train_acc"]


def test_early_stopping_run_claims():
    r = _record("ch06_early_stopping")
    assert r["best_epoch"] < r["stop_epoch"] <= r["epochs"]
    assert r["test_acc_best"] > r["test_acc_last"]


def test_ensemble_run_claims():
    r = _record("ch06_ensemble")
    assert r["ensemble_acc"][-1] > r["mean_member_acc"]  # better than the average member
