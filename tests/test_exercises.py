"""The exercises at the end of every chapter: present in both languages, shaped alike, and right.

Each chapter and lab ends in one ``## 연습 문제`` / ``## Exercises`` section (just before the
provenance line) with self-checks (``<quiz>`` blocks, tested in a browser by
tests/test_selfcheck.py) and 4-8 problems, each with a collapsed hint and a collapsed answer.
The derivations' answers are checked here like the book's other claims: by computing them
(autograd, SymPy, exact enumeration), and the coding answers by running the page's own code.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gdsc_book import exercises

from .pages import DOCS, DOCS_SRC, record_numbers

CHAPTERS = sorted(p.name[:-3] for p in DOCS.glob("ch*.md")
                  if not p.name.endswith(".en.md") and not p.name.startswith("ch11"))
HEADING = {"ko": "## 연습 문제", "en": "## Exercises"}
SUBHEADINGS = {"ko": ["### 스스로 확인", "### 풀어 보기"], "en": ["### Self-check", "### Problems"]}
COLLAPSIBLE = {"ko": ('??? tip "힌트"', '??? success "답"'),
               "en": ('??? tip "Hint"', '??? success "Answer"')}
PROBLEM = re.compile(r"^\*\*(\d+)\. \(([^)]+)\)")
KINDS = {"ko": {"개념", "유도", "수치", "코딩"}, "en": {"Concept", "Derivation", "Numbers", "Coding"}}


def page_text(slug: str, lang: str) -> str:
    return (DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.{lang}.md")).read_text("utf-8")


def section(slug: str, lang: str) -> str:
    """The exercise section of a page: from its heading to the provenance line."""
    text = page_text(slug, lang)
    start = text.find("\n" + HEADING[lang] + "\n")
    assert start >= 0, f"{slug} ({lang}) has no {HEADING[lang]!r} section"
    return text[start + 1:text.rindex("{{ provenance() }}")]


EXERCISE_FILE = re.compile(r"""^ *--8<-- "([^"]+/exercise_\w+\.py)"$""", re.M)


def answer_files(slug: str, lang: str) -> list[str]:
    """The exercise files (``docs_src/<slug>/exercise_*.py``) the section's answers include."""
    return EXERCISE_FILE.findall(section(slug, lang))


def run_answer(slug: str, index: int = 0, **names) -> dict:
    """Run the answer file both pages include (one file: the same program in both languages)
    with ``names`` predefined, and return its namespace."""
    files = {lang: answer_files(slug, lang) for lang in ("ko", "en")}
    assert files["ko"] == files["en"], f"{slug}: the two languages include different answers"
    path = DOCS_SRC / files["en"][index]
    ns = dict(names)
    exec(compile(path.read_text("utf-8"), str(path), "exec"), ns)  # noqa: S102
    return ns


def on_both_pages(slug: str, *snippets: str) -> None:
    """The checked formula is the one the reader sees, in both languages."""
    for lang in ("ko", "en"):
        text = section(slug, lang)
        for s in snippets:
            assert s in text, f"{slug} ({lang}): the answer no longer says {s!r}"


# --- shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", CHAPTERS)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_chapter_ends_in_exercises(slug, lang):
    text, sec = page_text(slug, lang), section(slug, lang)
    assert text.count("\n" + HEADING[lang] + "\n") == 1
    assert not re.search(r"^#{1,2} ", sec.split("\n", 1)[1], re.M), "a section after the exercises"
    assert [h for h in re.findall(r"^### .+$", sec, re.M)] == SUBHEADINGS[lang]
    problems = [m for m in (PROBLEM.match(ln) for ln in sec.splitlines()) if m]
    assert 4 <= len(problems) <= 8, len(problems)
    assert [int(m.group(1)) for m in problems] == list(range(1, len(problems) + 1))
    assert {m.group(2) for m in problems} <= KINDS[lang]
    hint, answer = COLLAPSIBLE[lang]
    # One hint and one answer per problem, both collapsed until the reader opens them.
    assert sec.count(hint) == sec.count(answer) == len(problems)
    assert "???+" not in sec
    quizzes = re.findall(r"<quiz>(.*?)</quiz>", sec, re.S)
    assert 2 <= len(quizzes) <= 4, len(quizzes)
    for q in quizzes:
        options = re.findall(r"^- \[([ x])\] ", q, re.M)
        if options:  # multiple choice: a reason under every option, right or wrong
            assert "x" in options
            assert len(re.findall(r"^- \[[ x]\] .+\n> ", q, re.M)) == len(options)
        else:  # a number to type, with its explanation after the rule
            assert re.search(r"\[\[[^\]]+\]\]", q) and "\n---\n" in q


@pytest.mark.parametrize("slug", CHAPTERS)
def test_every_problem_kind_mix(slug):
    """A mix, not four of a kind: at least three of concept, derivation, numbers, coding."""
    kinds = {m.group(2) for m in (PROBLEM.match(ln) for ln in section(slug, "en").splitlines()) if m}
    assert len(kinds) >= 3, kinds


def test_calc_names_what_exists():
    assert exercises.calc("mlp_params", 784, 10) == 7850
    with pytest.raises(KeyError, match="known: .*mlp_params"):
        exercises.calc("no_such_answer")


# --- chapter 1 ----------------------------------------------------------------------------


def test_ch01_constant_model_mean_and_median():
    on_both_pages("ch01-what-is-ml", r"\theta^\star = \frac{1}{N}\sum_i y_i")
    y = np.array([0.3, 1.1, 2.0, 2.2, 9.5])  # one outlier
    grid = np.linspace(-1, 11, 120_001)
    sq = ((grid[:, None] - y) ** 2).mean(1)
    ab = np.abs(grid[:, None] - y).mean(1)
    assert grid[sq.argmin()] == pytest.approx(y.mean(), abs=1e-3)
    assert grid[ab.argmin()] == pytest.approx(np.median(y), abs=1e-3)


def test_ch01_less_experience_answer_lowers_test_accuracy():
    """The answer keeps the first 100 examples, and (as the answer says) the same model trained
    on them tests worse than on all of them."""
    from gdsc_book import exercise_checks as EC
    from gdsc_book.data import load

    ns = run_answer("ch01-what-is-ml")
    train, test = load("digits", train=True), load("digits", train=False)
    assert torch.equal(ns["y_train"], train.labels[:100]) and len(ns["x_train"]) == 100
    x_test, y_test = test.float_images().flatten(1), test.labels
    small = EC._softmax_regression(ns["x_train"], ns["y_train"], x_test, y_test)
    full = EC._softmax_regression(train.float_images().flatten(1), train.labels, x_test, y_test)
    assert small < full - 0.03, (small, full)


# --- chapter 2 ----------------------------------------------------------------------------


def test_ch02_mse_gradient_is_the_matrix_formula():
    on_both_pages("ch02-regression", r"\nabla_{\boldsymbol{\theta}}\mathcal{L} = \frac{2}{N}"
                  r"\mathbf{A}^\top(\mathbf{A}\boldsymbol{\theta} - \mathbf{y})")
    g = torch.Generator().manual_seed(0)
    A = torch.cat([torch.randn(50, 2, generator=g, dtype=torch.float64),
                   torch.ones(50, 1, dtype=torch.float64)], 1)
    y = torch.randn(50, generator=g, dtype=torch.float64)
    theta = torch.randn(3, generator=g, dtype=torch.float64, requires_grad=True)
    ((A @ theta - y) ** 2).mean().backward()
    assert torch.allclose(theta.grad, 2 / 50 * A.T @ (A @ theta.detach() - y))


def test_ch02_lstsq_answer_is_the_closed_form():
    from gdsc_book.regression import Scaler, closed_form, make_houses

    ns = run_answer("ch02-regression")
    houses = make_houses(n=200, seed=0)
    w, b = closed_form(Scaler.fit(houses.x).transform(houses.x), houses.y)
    assert np.allclose(ns["theta"], [*w.tolist(), b], atol=1e-9)
    assert (ns["w_area"], ns["w_age"], ns["b"]) == tuple(ns["theta"])


def test_ch02_gd_converges_below_two_over_lambda_max_only():
    on_both_pages("ch02-regression", r"\mathbf{e}_{t+1} = (\mathbf{I} - \eta\mathbf{H})\,\mathbf{e}_t")
    rng = np.random.default_rng(0)
    A = np.column_stack([rng.normal(size=(80, 2)) @ [[1, 0.6], [0, 0.8]], np.ones(80)])
    y = rng.normal(size=80)
    H = 2 / 80 * A.T @ A
    star = np.linalg.lstsq(A, y, rcond=None)[0]
    limit = 2 / np.linalg.eigvalsh(H).max()

    def final_error(lr):
        theta = np.zeros(3)
        for _ in range(3000):
            theta -= lr * 2 / 80 * A.T @ (A @ theta - y)
        return np.abs(theta - star).max()

    assert final_error(0.99 * limit) < 1e-6
    assert final_error(1.01 * limit) > 1e3
    assert exercises.power(1.2, 60) == pytest.approx(1.2 ** 60)


# --- chapter 3 ----------------------------------------------------------------------------


def test_ch03_softmax_cross_entropy_gradient():
    on_both_pages("ch03-classification", r"= \hat{y}^{(k)} - y^{(k)}")
    z = torch.randn(7, 10, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 10, (7,))
    F.cross_entropy(z, y, reduction="sum").backward()
    assert torch.allclose(z.grad, torch.softmax(z.detach(), 1) - F.one_hot(y, 10).double())


def test_ch03_sigmoid_squared_error_vanishes_log_loss_does_not():
    sympy = pytest.importorskip("sympy")
    on_both_pages("ch03-classification", r"-2(y - \sigma)\,\sigma(1 - \sigma)", r"= \sigma - y")
    t, y = sympy.symbols("t y", real=True)
    s = 1 / (1 + sympy.exp(-t))
    assert sympy.simplify(sympy.diff((y - s) ** 2, t) - (-2 * (y - s) * s * (1 - s))) == 0
    log_loss = -y * sympy.log(s) - (1 - y) * sympy.log(1 - s)
    assert sympy.simplify(sympy.diff(log_loss, t) - (s - y)) == 0
    # y = 0 and t large (confidently wrong): the squared error's slope vanishes, the log loss's
    # tends to 1 (numbers rather than sympy.limit, which takes seconds).
    assert abs(float(sympy.diff((0 - s) ** 2, t).subs(t, 30))) < 1e-12
    assert float(sympy.diff(log_loss.subs(y, 0), t).subs(t, 30)) == pytest.approx(1.0)


def test_ch03_stable_cross_entropy_answer_runs():
    ns = run_answer("ch03-classification")
    z, y = ns["z"], ns["y"]
    ours = ns["cross_entropy"](z, y)
    assert torch.isfinite(ours) and torch.allclose(ours, F.cross_entropy(z, y))


# --- chapter 4 ----------------------------------------------------------------------------


def _separable(labels) -> bool:
    """Is there (w1, w2, b) with w.x + b >= 1 on the 1s and <= 0 on the 0s? (linear program)"""
    from scipy.optimize import linprog

    points = [(0, 0), (0, 1), (1, 0), (1, 1)]
    a = [[-x1, -x2, -1] if t else [x1, x2, 1] for (x1, x2), t in zip(points, labels)]
    b = [-1 if t else 0 for t in labels]
    return linprog([0, 0, 0], A_ub=a, b_ub=b, bounds=[(None, None)] * 3).status == 0


def test_ch04_xor_and_xnor_are_not_linearly_separable():
    on_both_pages("ch04-nonlinear", r"$w_1 + w_2 + 2b > 0$", r"$w_1 + w_2 + 2b \le 0$")
    assert not _separable([0, 1, 1, 0])  # XOR
    assert not _separable([1, 0, 0, 1])  # XNOR (the self-check's answer)
    assert _separable([0, 1, 1, 1]) and _separable([0, 0, 0, 1]) and _separable([1, 1, 1, 0])


def test_ch04_tanh_sigmoid_identities():
    sympy = pytest.importorskip("sympy")
    on_both_pages("ch04-nonlinear", r"= 1 - \tanh^2(x)$")
    x = sympy.symbols("x", real=True)

    def sig(u):
        return 1 / (1 + sympy.exp(-u))

    assert sympy.simplify((2 * sig(2 * x) - 1 - sympy.tanh(x)).rewrite(sympy.exp)) == 0
    assert sympy.simplify(sympy.diff(sig(x), x) - sig(x) * (1 - sig(x))) == 0
    assert sympy.simplify(sympy.diff(sympy.tanh(x), x) - (1 - sympy.tanh(x) ** 2)) == 0


def test_ch04_sigmoid_chain_bound_uses_the_measured_slope():
    assert exercises.sigmoid_chain_bound(1) == record_numbers("ch04_activations")["sigmoid_grad_max"]


def test_ch04_hand_made_xor_network_answer_runs():
    ns = run_answer("ch04-nonlinear")
    with torch.no_grad():
        out = ns["net"](ns["x"]).squeeze(1)
    assert torch.equal(out, torch.tensor([0.0, 1.0, 1.0, 0.0]))


# --- chapter 5 ----------------------------------------------------------------------------


def test_ch05_pieces_of_one_layer_relu_net_at_most_k_plus_one():
    from gdsc_book import approximation as AP

    for width, seed in itertools.product((1, 3, 8, 16), range(3)):
        torch.manual_seed(seed)
        net = AP.relu_net(width)
        with torch.no_grad():  # spread the kinks over the interval, so the bound can be met
            net.body[1].bias.uniform_(-3, 3)
        assert AP.count_pieces_1d(net, -3.0, 3.0) <= exercises.max_pieces_1d(width)
    numbers = record_numbers("ch05_pieces")
    assert numbers["pieces"] == numbers["kinks_inside"] + 1 <= exercises.max_pieces_1d(numbers["width"])


def test_ch05_sawtooth_has_two_to_the_l_pieces():
    from gdsc_book import approximation as AP

    on_both_pages("ch05-universal-approximation", r"$2 \cdot 2^{L-1} = 2^L$")
    for depth in range(1, 7):
        assert AP.count_pieces_1d(AP.sawtooth_net(depth), 0.0, 1.0) == exercises.sawtooth_pieces(depth)


def test_ch05_counting_pieces_on_a_grid_answer():
    """The answer counts 2^L pieces of T^L, and (as the answer says) a kink between grid points
    is counted one piece too many."""
    on_both_pages("ch05-universal-approximation", "$2^L$")
    ns = run_answer("ch05-universal-approximation")
    x, y = ns["x"], ns["x"]
    for depth in range(1, 7):
        y = ns["tent"](y)
        assert ns["count_pieces"](x, y) == exercises.sawtooth_pieces(depth)
    assert ns["count_pieces"](x, torch.relu(x - 0.5)) == 2  # a kink on the grid
    assert ns["count_pieces"](x, torch.relu(x - 0.3001)) == 3  # one between grid points


def test_ch05_interpolant_error_below_h_squared_over_eight():
    from gdsc_book import approximation as AP

    on_both_pages("ch05-universal-approximation", r"\tfrac{h^2}{8}\max|f''|")
    f2_max = 4 * math.pi ** 2  # target = sin(2 pi x) + x / 2
    for width in (4, 16, 64, 256):
        h = 2 / width
        assert AP.max_error(AP.interpolant_net(width)) <= h ** 2 / 8 * f2_max


def test_ch05_parameter_count_matches_torch():
    from gdsc_book.models import MLP

    model = MLP(784, widths=(512, 256, 128), num_classes=10)
    assert exercises.mlp_params(784, 512, 256, 128, 10) == sum(p.numel() for p in model.parameters())


# --- chapter 6 ----------------------------------------------------------------------------


def test_ch06_weight_decay_is_half_the_literal_penalty():
    on_both_pages("ch06-generalization", r"$\lambda' = 2\lambda$")
    w0 = torch.randn(5, dtype=torch.float64)
    grad = torch.randn(5, dtype=torch.float64)
    lr, lam = 0.03, 0.1
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([w], lr=lr, weight_decay=2 * lam)
    w.grad = grad.clone()
    opt.step()
    literal = w0 - lr * (grad + 2 * lam * w0)  # gradient of L + lam ||w||^2
    assert torch.allclose(w.detach(), literal)
    assert torch.allclose(w.detach(), (1 - 2 * lr * lam) * w0 - lr * grad)


def test_ch06_dropout_mean_and_variance_exactly():
    sympy = pytest.importorskip("sympy")
    on_both_pages("ch06-generalization", r"\operatorname{Var}[\tilde{h}] = \frac{p}{1 - p}h^2")
    p, h = sympy.symbols("p h", positive=True)
    cases = [(1 - p, h / (1 - p)), (p, 0)]  # (probability, value) for m = 1 and m = 0
    mean = sum(q * v for q, v in cases)
    var = sum(q * v ** 2 for q, v in cases) - mean ** 2
    assert sympy.simplify(mean - h) == 0
    assert sympy.simplify(var - p / (1 - p) * h ** 2) == 0


def test_ch06_bias_variance_cross_terms_vanish():
    """With independent test labels the three terms add up exactly (sample averages too)."""
    rng = np.random.default_rng(0)
    n_sets, n_y = 400, 300
    x = np.linspace(0, 1, 9)
    mean_fn = np.sin(2 * np.pi * x)
    preds = []
    for _ in range(n_sets):  # a cubic fitted to each fresh training set
        xs = rng.uniform(0, 1, 12)
        preds.append(np.polyval(np.polyfit(xs, np.sin(2 * np.pi * xs) + rng.normal(0, 0.3, 12), 3), x))
    preds = np.array(preds)
    ys = mean_fn + rng.normal(0, 0.3, (n_y, x.size))
    ys -= ys.mean(0) - mean_fn  # exact E_y[y] = mean, as in the derivation
    total = ((preds[:, None, :] - ys[None]) ** 2).mean((0, 1))
    f_bar = preds.mean(0)
    parts = ((preds - f_bar) ** 2).mean(0) + (f_bar - mean_fn) ** 2 + ((ys - mean_fn) ** 2).mean(0)
    assert np.allclose(total, parts)


def test_ch06_minimum_norm_answer_runs():
    ns = run_answer("ch06-generalization")
    X, y = ns["X"], ns["y"]
    assert (X @ ns["w_min"] - y).abs().max() < 1e-9 and (X @ ns["w_other"] - y).abs().max() < 1e-9
    assert ns["w_min"].norm() < ns["w_other"].norm()
    assert torch.allclose(ns["w_other"].norm() ** 2, ns["w_min"].norm() ** 2 + ns["v"].norm() ** 2)


# --- chapter 7 ----------------------------------------------------------------------------


def test_ch07_threshold_width():
    from gdsc_book.models import MLP

    on_both_pages("ch07-double-descent", r"h = \dfrac{nK - K}{d + 1 + K}")
    numbers = record_numbers("ch07_double_descent")
    n, d = numbers["n_train"], numbers["in_features"]
    assert exercises.threshold_width(n, d, 10) == pytest.approx(numbers["threshold_nk_width"])
    for h in (8, 32, 90):
        count = sum(p.numel() for p in MLP(d, widths=(h,), num_classes=10).parameters())
        assert count == exercises.mlp_params(d, h, 10) == h * (d + 1) + 10 * (h + 1)


def test_ch07_linear_double_descent_answer_peaks_at_n():
    ns = run_answer("ch07-double-descent")
    errors = ns["errors"]
    assert max(errors, key=errors.get) == ns["n"]
    assert errors[200] < errors[60] < errors[ns["n"]]  # and comes down again beyond n


# --- chapter 8 ----------------------------------------------------------------------------


def test_ch08_robbins_monro_holds_for_p_in_half_to_one():
    sympy = pytest.importorskip("sympy")
    on_both_pages("ch08-sgd", r"$1/2 < p \le 1$")
    t = sympy.symbols("t", integer=True, positive=True)
    for p, both in [(sympy.Rational(1, 2), False), (sympy.Rational(3, 4), True), (1, True),
                    (2, False), (0, False)]:
        first = not sympy.Sum(t ** -p, (t, 1, sympy.oo)).is_convergent()
        second = sympy.Sum(t ** (-2 * p), (t, 1, sympy.oo)).is_convergent()
        assert (first and second) == both, p


def test_ch08_noise_floor():
    sympy = pytest.importorskip("sympy")
    from gdsc_book import sgd

    on_both_pages("ch08-sgd", r"= \frac{\eta\,\sigma^2}{2 - \eta}")
    v, eta, sigma = sympy.symbols("v eta sigma", positive=True)
    (solution,) = sympy.solve(sympy.Eq(v, (1 - eta) ** 2 * v + eta ** 2 * sigma ** 2), v)
    assert sympy.simplify(solution - eta * sigma ** 2 / (2 - eta)) == 0
    assert float(solution.subs({eta: 0.1, sigma: 1})) == pytest.approx(sgd.noise_floor(0.1))
    assert record_numbers("ch08_robbins_monro")["noise_floor"] == pytest.approx(sgd.noise_floor(0.1))


def test_ch08_minibatch_variance_without_replacement_exactly():
    on_both_pages("ch08-sgd", r"\frac{s^2}{B}\cdot\frac{n - B}{n - 1}")
    g = np.array([0.5, -1.0, 2.0, 3.5, -0.25, 1.0, 4.0])
    n = len(g)
    s2 = g.var()  # (1/n) sum (g_i - mean)^2
    for batch in range(1, n + 1):
        means = [np.mean(c) for c in itertools.combinations(g, batch)]  # every minibatch once
        assert np.mean((np.array(means) - g.mean()) ** 2) == pytest.approx(
            s2 / batch * (n - batch) / (n - 1))


def test_ch08_warmup_cosine_answer_runs():
    ns = run_answer("ch08-sgd")
    lrs, warmup = ns["lrs"], ns["warmup"]
    assert lrs[0] == pytest.approx(0.001) and lrs[warmup - 1] == pytest.approx(0.1)
    assert lrs[-1] < 1e-5 and max(lrs) == pytest.approx(0.1)
    assert all(a <= b + 1e-12 for a, b in zip(lrs[:warmup - 1], lrs[1:warmup]))  # rising
    assert all(a >= b - 1e-12 for a, b in zip(lrs[warmup:-1], lrs[warmup + 1:]))  # then falling


# --- lab 1 --------------------------------------------------------------------------------


def test_lab1_label_smoothing_floor():
    eps, k = 0.1, 10
    q = torch.full((1, k), eps / k, dtype=torch.float64)
    q[0, 3] += 1 - eps
    logits = q.log().requires_grad_(True)  # the model predicts the smoothed target itself
    loss = F.cross_entropy(logits, torch.tensor([3]), label_smoothing=eps)
    loss.backward()
    assert loss.item() == pytest.approx(exercises.smoothed_ce_floor(eps, k))
    assert logits.grad.abs().max() < 1e-12  # a stationary point of a convex loss: the minimum
    other = F.cross_entropy(torch.tensor([[0.0] * 3 + [20.0] + [0.0] * 6]), torch.tensor([3]),
                            label_smoothing=eps)
    assert other.item() > exercises.smoothed_ce_floor(eps, k)  # confident is not better


def test_lab1_parameter_and_mistake_counts():
    numbers = record_numbers("lab1_mnist")
    assert exercises.mlp_params(784, 512, 10) == numbers["mlp"]["params"]
    assert exercises.errors_from_accuracy(numbers["cnn"]["test_acc"], 10_000) == numbers["cnn"]["mistakes"]


def test_lab1_restore_answer_runs(tmp_path, monkeypatch):
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    F.cross_entropy(model(x), y).backward()
    opt.step()

    def evaluate(m, xs, ys):
        with torch.no_grad():
            return 0.0, (m(xs).argmax(1) == ys).float().mean().item()

    acc = evaluate(model, x, y)[1]
    torch.save({"epoch": 1, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "test_acc": acc}, tmp_path / "ckpt.pt")
    new_model, new_opt = run_answer("ch09-lab1-mnist")["restore"](str(tmp_path / "ckpt.pt"))
    assert new_model is not model and evaluate(new_model, x, y)[1] == acc
    assert torch.equal(new_opt.state_dict()["state"][0]["momentum_buffer"],
                       opt.state_dict()["state"][0]["momentum_buffer"])
    assert new_opt.state_dict()["state"][0]["momentum_buffer"].abs().sum() > 0


# --- lab 2 --------------------------------------------------------------------------------


def test_lab2_inflated_conv_equals_original_on_gray():
    from gdsc_book.finetune import inflate_first_conv

    on_both_pages("ch10-lab2-cifar10", r"\sum_c \tfrac{1}{3} w * v + b = w * v + b")
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 8, 3, padding=1)
    gray = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(inflate_first_conv(conv)(gray.repeat(1, 3, 1, 1)), conv(gray),
                              atol=1e-6)


def test_lab2_cifar10_loaders_answer(capsys):
    from .conftest import has_dataset

    if not has_dataset("cifar10"):
        pytest.skip("needs CIFAR-10")
    from gdsc_book.exercise_checks import check

    assert check("cifar10_loaders", run_answer("ch10-lab2-cifar10"), lang="en")
    assert "one batch: (128, 3, 32, 32), (128,); 50,000 training and 10,000 test" in capsys.readouterr().out


def test_lab2_confidence_interval_from_the_runs():
    from gdsc_book.repeat import summarize

    numbers = record_numbers("lab2_cifar10")
    s = summarize(numbers["accs"])
    assert s.mean == pytest.approx(numbers["mean"]) and s.std == pytest.approx(numbers["std"])
    half = 2.776 * s.std / math.sqrt(5)  # the t quantile the page's hint gives
    assert half == pytest.approx(numbers["half_width"], rel=1e-3)
    assert (numbers["mean"] - half, numbers["mean"] + half) == pytest.approx(
        (numbers["ci_low"], numbers["ci_high"]), rel=1e-4)


def test_lab2_head_parameters_give_feature_length():
    from gdsc_book.finetune import trainable_parameters, transfer
    from gdsc_book.models import build_model
    from gdsc_book.recipes import get_recipe

    on_both_pages("ch10-lab2-cifar10", '$f$ = {{ num("lab2_finetune", "feature_dim") }}',
                  '$4 \\times$ {{ num("lab2_finetune", "width") }} = {{ num("lab2_finetune", "feature_dim") }}')
    numbers = record_numbers("lab2_finetune")
    cnn = build_model("cnn", **get_recipe("cnn")["model_kwargs"])
    f = numbers["feature_dim"]
    assert cnn.feature_dim == f == 4 * numbers["width"]  # "4 x width = f channels"
    assert 10 * (f + 1) == numbers["frozen"]["trainable"]
    assert trainable_parameters(transfer(cnn, "frozen")) == numbers["frozen"]["trainable"]


def test_records_quoted_in_exercises_exist():
    """Every num(...) in an exercise section names a key of a committed record."""
    for slug, lang in itertools.product(CHAPTERS, ("ko", "en")):
        for name, key in re.findall(r"""num\("([^"]+)", "([^"]+)\"""", section(slug, lang)):
            value = json.loads((DOCS / "results" / f"{name}.json").read_text())["numbers"]
            for part in key.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]


def test_notebooks_show_self_checks_as_markdown():
    """Jupyter knows no <quiz>: the notebook shows the question and folds the answer away."""
    from gdsc_book import notebooks

    site = notebooks.load_site(DOCS.parent)
    for lang in ("ko", "en"):
        md = "\n".join(src for kind, src, _ in notebooks.page_cells(
            site, "ch05-universal-approximation", lang,
            notebooks.render_macros(site, "ch05-universal-approximation", lang,
                                    page_text("ch05-universal-approximation", lang)))
            if kind == "markdown")
        assert "<quiz>" not in md and "- [x]" not in md
        assert md.count("<details><summary>✓</summary>") == 2
        assert f"\n{exercises.max_pieces_1d(16)}\n" in md  # the typed answer, folded away


def test_only_pages_with_self_checks_carry_the_quiz_code():
    """mkdocs-quiz inlines its CSS and JS (tens of kB) into every page it processes: a hook
    turns it off where a page has no <quiz>, so the home page and chapter 11 stay light."""
    from .site_build import built_site, page_slugs, page_url

    site = built_site()
    for slug in page_slugs():
        has_quiz = "<quiz>" in page_text(slug, "ko")
        for lang in ("ko", "en"):
            html = (site / page_url(slug, lang) / "index.html").read_text("utf-8")
            assert ("window.mkdocsQuizConfig" in html) == has_quiz, (slug, lang)
            assert html.count('class="quiz') >= has_quiz * 2, (slug, lang)


def test_every_answer_code_is_an_exercise_file_that_runs():
    """Answer code is exempt from the snippets' include rule (tests/test_snippets.py) only as an
    include of an exercise file: test_snippets runs it, this file runs it (run_answer below) and
    tests/test_notebooks.py runs its check cell on it, answered and handed out."""
    import inspect
    import sys

    from gdsc_book.exercise_checks import CHECKS

    source = inspect.getsource(sys.modules[__name__])
    for slug in CHAPTERS:
        for lang in ("ko", "en"):
            sec = section(slug, lang)
            blocks = re.findall(r"^( *)```python\n(.*?)^\1```$", sec, re.M | re.S)
            assert all(EXERCISE_FILE.fullmatch(b.strip().replace("\n", "")) for _, b in blocks), \
                f"{slug} ({lang}): inline answer code; make it docs_src/{slug}/exercise_NAME.py"
        for spec in answer_files(slug, "en"):
            assert Path(spec).parent.name == slug, spec
            assert Path(spec).stem.removeprefix("exercise_") in CHECKS, f"no check for {spec}"
        if answer_files(slug, "en"):
            assert f'run_answer("{slug}"' in source, f"{slug}: no test runs its answer"


def _wrong_answers() -> dict:
    """One wrong (not blank) answer per check: each must be caught."""
    from torch import nn

    from gdsc_book.data import load

    train = load("digits", train=True)
    torch.manual_seed(0)
    X, y = torch.randn(10, 200, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    w_min = torch.linalg.pinv(X) @ y
    ns07 = run_answer("ch07-double-descent")

    def restore(path):  # forgets the optimizer's state
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        model.load_state_dict(torch.load(path, weights_only=True)["model"])
        return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def broken(z, y):
        raise RuntimeError("shapes do not match")

    return {
        "less_experience": {"x_train": train.float_images().flatten(1)[-100:],
                            "y_train": train.labels[-100:]},
        "lstsq": {"theta": np.zeros(3)},
        "cross_entropy": {"cross_entropy": lambda z, y: -torch.log(torch.softmax(z, 1)).gather(
            1, y[:, None]).mean()},  # overflows to inf at logits near 1000
        "xor_net": {"net": nn.Sequential(nn.Linear(2, 1))},
        "count_pieces": {"count_pieces": lambda x, y: len(x) - 1},  # intervals, not pieces
        "min_norm": {"X": X, "y": y, "w_min": w_min, "w_other": w_min.clone()},
        "linear_double_descent": dict(ns07, errors={**ns07["errors"], 40: 1.0}),
        "warmup_cosine": {"lrs": [0.1] * 1000, "total": 1000, "warmup": 100},
        "restore": {"restore": restore},
        "raises": {"cross_entropy": broken},
    }


@pytest.mark.parametrize("name", ["less_experience", "lstsq", "cross_entropy", "xor_net",
                                  "count_pieces", "min_norm",
                                  "linear_double_descent", "warmup_cosine", "restore", "raises"])
def test_checks_catch_wrong_answers(name, capsys):
    from gdsc_book.exercise_checks import check

    check_name = "cross_entropy" if name == "raises" else name
    answer = _wrong_answers()[name]
    capsys.readouterr()  # what building the answers printed
    assert not check(check_name, answer, hint="look again", lang="en")
    out = capsys.readouterr().out
    assert out.startswith(f"✗ {check_name}\n  expected: ") and "\n  hint: look again" in out
    if name == "raises":
        assert "RuntimeError: shapes do not match" in out
