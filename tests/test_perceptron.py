"""Chapter 4 claims: hyperplanes, the perceptron on OR and XOR, and an MLP solving XOR."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdsc_book.models import MLP
from gdsc_book.perceptron import (
    INPUTS,
    TRUTH_TABLES,
    blobs,
    collapse_linear_mlp,
    fit_xor_mlp,
    handmade_xor_net,
    heaviside,
    hidden_features,
    is_linearly_separable,
    linear_classifier,
    pairwise_hyperplanes,
    train_perceptron,
    xor_data,
)


def test_truth_tables_match_the_slide():
    # (T,T) (T,F) (F,T) (F,F) on the slide; INPUTS lists (0,0) (0,1) (1,0) (1,1)
    x = INPUTS.astype(bool)
    assert (TRUTH_TABLES["OR"] == (x[:, 0] | x[:, 1])).all()
    assert (TRUTH_TABLES["XOR"] == (x[:, 0] ^ x[:, 1])).all()


def test_heaviside_is_a_step():
    assert heaviside(np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])).tolist() == [0, 0, 0, 1, 1]
    assert heaviside(torch.tensor([-1.0, 1.0])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("gate", ["OR", "AND"])
def test_perceptron_converges_on_separable_gates(gate):
    run = train_perceptron(INPUTS, TRUTH_TABLES[gate], epochs=100)
    assert run.converged and run.mistakes[-1] == 0
    assert (run.predict(INPUTS) == TRUTH_TABLES[gate]).all()


def test_perceptron_never_separates_xor():
    run = train_perceptron(INPUTS, TRUTH_TABLES["XOR"], epochs=1000)
    assert not run.converged
    # The state (w, b) repeated: the rule now replays the same epochs forever, each with mistakes.
    assert run.cycle is not None
    assert min(run.mistakes[-run.cycle:]) > 0
    assert (run.predict(INPUTS) != TRUTH_TABLES["XOR"]).any()


def test_separability_by_linear_programming():
    assert is_linearly_separable(INPUTS, TRUTH_TABLES["OR"])
    assert is_linearly_separable(INPUTS, TRUTH_TABLES["AND"])
    assert not is_linearly_separable(INPUTS, TRUTH_TABLES["XOR"])


def test_softmax_regression_boundaries_are_hyperplanes():
    x, y = blobs([[-2, -1], [2, -1], [0, 2]], n_per_class=40, spread=0.5, seed=0)
    model = linear_classifier(x, y, num_classes=3, steps=200)
    pred = model(x).argmax(1)
    assert (pred == y).float().mean() > 0.97
    planes = pairwise_hyperplanes(model)
    assert len(planes) == 3  # k classes -> k(k-1)/2 pairwise hyperplanes
    # On each side of the (0, 1) hyperplane, class 0 beats class 1 or the reverse: exactly.
    w, b = planes[(0, 1)]
    logits = model(x).detach().double().numpy()
    side = x.double().numpy() @ w + b
    assert ((side > 0) == (logits[:, 0] > logits[:, 1])).all()


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_with_a_nonlinearity_solves_xor(activation):
    for seed in range(3):
        _, acc = fit_xor_mlp(activation, seed=seed)
        assert acc == 1.0, (activation, seed)


def test_mlp_without_activation_cannot_solve_xor():
    x, y = xor_data()
    for seed in range(3):
        model, acc = fit_xor_mlp("identity", seed=seed)
        assert acc <= 0.75
        a, c = collapse_linear_mlp(model)  # the whole stack is one affine map
        assert torch.allclose(model(x), x @ a.T + c, atol=1e-5)
        # cross-entropy's best affine answer on XOR is "1/2 everywhere"
        p = torch.softmax(model(x), 1)[:, 1]
        assert (p - 0.5).abs().max() < 0.05
    # and no affine map of any kind gets all four right
    assert not is_linearly_separable(INPUTS, TRUTH_TABLES["XOR"])


def test_deeper_linear_stack_still_collapses():
    torch.manual_seed(0)
    model = MLP(2, widths=(16, 16, 16), num_classes=2, activation="identity")
    x = torch.randn(50, 2)
    a, c = collapse_linear_mlp(model)
    assert a.shape == (2, 2)
    assert torch.allclose(model(x), x @ a.T + c, atol=1e-5)


def test_handmade_xor_net_and_its_hidden_space():
    x, y = xor_data()
    model = handmade_xor_net()
    assert model(x)[:, 0].tolist() == y.float().tolist()
    h = hidden_features(model, x).double().numpy()
    assert np.allclose(h[1], h[2])  # (0,1) and (1,0) land on the same hidden point
    assert is_linearly_separable(h, y.numpy())  # separable after the transform
