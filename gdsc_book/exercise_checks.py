"""The check cells of the notebooks' coding exercises: is the reader's answer right?

A chapter's coding exercise is a file ``docs_src/<slug>/exercise_<name>.py`` (the page shows
it as the answer; :mod:`gdsc_book.notebooks` hands it out with its ``answer`` section blanked).
Its check cell calls ``check("<name>", globals(), hint=...)``: the check below recomputes what
the answer should give from the reader's own variables and functions, and prints either what it
measured (✓) or what it expected, what it found and the page's hint (✗). A wrong or unfinished
answer, even one that raises, never stops the notebook.
"""

from __future__ import annotations

import os
from collections.abc import Callable

_WORDS = {
    "ko": {"expected": "기대", "found": "실제", "hint": "힌트", "undefined": "정의되지 않음",
           "defined": "위 셀에서 `{name}`을(를) 정의", "raised": "예외 발생"},
    "en": {"expected": "expected", "found": "found", "hint": "hint", "undefined": "not defined",
           "defined": "`{name}` defined by the cell above", "raised": "raised"},
}


class Wrong(Exception):
    """The answer is not right yet: what was expected and what was found, in both languages."""

    def __init__(self, expected: dict, found: dict):
        super().__init__(found["en"])
        self.expected, self.found = expected, found


def text(ko: str, en: str) -> dict:
    return {"ko": ko, "en": en}


def need(ns: dict, *names: str) -> list:
    """The reader's ``names`` from the notebook, or Wrong naming the first one missing."""
    for name in names:
        if ns.get(name) is None:
            found = {lang: f"`{name}`: {w['undefined']}" for lang, w in _WORDS.items()}
            expected = {lang: w["defined"].format(name=name) for lang, w in _WORDS.items()}
            raise Wrong(expected, found)
    return [ns[name] for name in names]


def _call(fn: Callable, *args):
    """Call the reader's function; an exception it raises is a finding, not a crash."""
    try:
        return fn(*args)
    except Wrong:
        raise
    except Exception as exc:  # noqa: BLE001 - any error in the reader's code is reported
        raise Wrong(text(f"`{fn.__name__}`이(가) 값을 돌려줌", f"`{fn.__name__}` returns a value"),
                    text(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__}: {exc}")) from exc


def _fmt(x: float) -> str:
    return f"{x:.3g}"


# --- the checks, one per exercise file ----------------------------------------------------


def less_experience(ns: dict) -> dict:
    """ch01: the first 100 digits as training data, and what that does to test accuracy."""
    import torch

    from gdsc_book.data import load

    x_train, y_train = need(ns, "x_train", "y_train")
    train, test = load("digits", train=True), load("digits", train=False)
    full_x, full_y = train.float_images().flatten(1), train.labels
    if len(y_train) != 100 or len(x_train) != 100:
        raise Wrong(text("학습 예제 100개", "100 training examples"),
                    text(f"{len(x_train)}개", f"{len(x_train)}"))
    if not (torch.equal(torch.as_tensor(x_train), full_x[:100])
            and torch.equal(torch.as_tensor(y_train), full_y[:100])):
        raise Wrong(text("처음 100개 예제와 그 레이블", "the first 100 examples and their labels"),
                    text("다른 예제나 섞인 레이블", "other examples, or labels out of step"))
    x_test, y_test = test.float_images().flatten(1), test.labels
    small = _softmax_regression(x_train, y_train, x_test, y_test)
    big = _softmax_regression(full_x, full_y, x_test, y_test)
    return text(f"테스트 정확도: 예제 100개로 {small:.1%}, 전체 {len(full_y):,}개로 {big:.1%}",
                f"test accuracy: {small:.1%} with 100 examples, {big:.1%} with all {len(full_y):,}")


def _softmax_regression(x, y, x_test, y_test) -> float:
    """dml_in_code.py's training (200 full-batch steps of SGD, lr 0.5, seed 0): test accuracy."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Linear(x.shape[1], 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(200):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        return (model(x_test).argmax(1) == y_test).float().mean().item()


def lstsq(ns: dict) -> dict:
    """ch02: (w_area, w_age, b) by least squares equals the normal equations' solution."""
    import numpy as np

    from gdsc_book.regression import Scaler, closed_form, make_houses

    (theta,) = need(ns, "theta")
    theta = np.asarray(theta, dtype=float).ravel()
    if theta.shape != (3,):
        raise Wrong(text("숫자 3개 (w_area, w_age, b)", "three numbers (w_area, w_age, b)"),
                    text(f"모양 {theta.shape}", f"shape {theta.shape}"))
    houses = make_houses(n=200, seed=0)
    w, b = closed_form(Scaler.fit(houses.x).transform(houses.x), houses.y)
    want = np.array([*w.tolist(), b])
    diff = float(np.abs(theta - want).max())
    if diff > 1e-6:
        raise Wrong(text(f"정규 방정식의 해 {np.round(want, 4).tolist()}",
                         f"the normal equations' solution {np.round(want, 4).tolist()}"),
                    text(f"{np.round(theta, 4).tolist()} (차이 {_fmt(diff)})",
                         f"{np.round(theta, 4).tolist()} (off by {_fmt(diff)})"))
    return text(f"θ = {np.round(theta, 4).tolist()}, 정규 방정식의 해와 차이 {_fmt(diff)}",
                f"θ = {np.round(theta, 4).tolist()}, {_fmt(diff)} from the normal equations")


def cross_entropy(ns: dict) -> dict:
    """ch03: cross-entropy from logits equals F.cross_entropy, finite for logits near 1000."""
    import torch
    import torch.nn.functional as F

    (fn,) = need(ns, "cross_entropy")
    g = torch.Generator().manual_seed(1)
    worst = 0.0
    for scale in (1.0, 1000.0):
        z, y = torch.randn(16, 10, generator=g) * scale, torch.randint(0, 10, (16,), generator=g)
        ours = _call(fn, z, y)
        want = F.cross_entropy(z, y)
        if not isinstance(ours, torch.Tensor) or ours.numel() != 1:
            raise Wrong(text("배치의 평균 손실 (스칼라 텐서)", "the batch's mean loss (a scalar tensor)"),
                        text(repr(ours)[:80], repr(ours)[:80]))
        if not torch.isfinite(ours) or not torch.allclose(ours, want, rtol=1e-4):
            raise Wrong(text(f"로짓 크기 {scale:g}에서 F.cross_entropy와 같은 값 {want.item():.6g}",
                             f"the value of F.cross_entropy at logit scale {scale:g}: {want.item():.6g}"),
                        text(f"{ours.item():.6g}", f"{ours.item():.6g}"))
        worst = max(worst, abs(ours.item() - want.item()))
    return text(f"로짓 크기 1과 1000에서 F.cross_entropy와 일치 (최대 차이 {_fmt(worst)})",
                f"agrees with F.cross_entropy at logit scales 1 and 1000 (largest gap {_fmt(worst)})")


def xor_net(ns: dict) -> dict:
    """ch04: two nn.Linear layers with hand-set weights output XOR on the four corners."""
    import torch
    from torch import nn

    (net,) = need(ns, "net")
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    if len(linears) != 2:
        raise Wrong(text("nn.Linear 2개", "two nn.Linear layers"),
                    text(f"{len(linears)}개", f"{len(linears)}"))
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    with torch.no_grad():
        out = _call(net, x).reshape(-1)
    want = torch.tensor([0.0, 1.0, 1.0, 0.0])
    if out.shape != want.shape or not torch.allclose(out, want, atol=1e-6):
        raise Wrong(text("네 점에서 [0, 1, 1, 0]", "[0, 1, 1, 0] on the four points"),
                    text(str([round(v, 3) for v in out.tolist()]), str([round(v, 3) for v in out.tolist()])))
    return text("네 점에서 정확히 XOR: [0, 1, 1, 0]", "exactly XOR on the four points: [0, 1, 1, 0]")


def count_pieces(ns: dict) -> dict:
    """ch05: pieces counted from values on a grid: 1 for a line, 2^L for the sawtooth T^L."""
    import torch

    (fn,) = need(ns, "count_pieces")
    x = torch.linspace(0, 1, 2 ** 10 + 1, dtype=torch.float64)  # every kink k / 2^L on it
    cases = [(text("직선", "a line"), 3 * x - 1, 1), (text("|x - 1/2|", "|x - 1/2|"), (x - 0.5).abs(), 2)]
    y = x
    for depth in range(1, 7):
        y = 2 * torch.relu(y) - 4 * torch.relu(y - 0.5)
        cases.append((text(f"T^{depth}", f"T^{depth}"), y, 2 ** depth))
    counts = []
    for what, values, want in cases:
        got = _call(fn, x, values)
        if got != want:
            raise Wrong(text(f"{what['ko']}: 조각 {want}개", f"{what['en']}: {want} pieces"),
                        text(repr(got), repr(got)))
        counts.append(got)
    return text(f"T^1 … T^6의 조각 수 {counts[2:]} = 2^L", f"pieces of T^1 … T^6: {counts[2:]} = 2^L")


def min_norm(ns: dict) -> dict:
    """ch06: both solutions fit; the pseudo-inverse one is the shorter."""
    import torch

    X, y, w_min, w_other = need(ns, "X", "y", "w_min", "w_other")
    for name, w in (("w_min", w_min), ("w_other", w_other)):
        gap = (X @ w - y).abs().max().item()
        if gap > 1e-8:
            raise Wrong(text(f"`{name}`가 학습 데이터를 정확히 맞춤", f"`{name}` fits the data exactly"),
                        text(f"최대 잔차 {_fmt(gap)}", f"largest residual {_fmt(gap)}"))
    # The minimum-norm solution is the one in the row space: X.T a for some a.
    a = torch.linalg.solve(X @ X.T, y)
    if (w_min - X.T @ a).abs().max().item() > 1e-8:
        raise Wrong(text("행 공간 안의 해 (pinv(X) @ y)", "the solution in the row space (pinv(X) @ y)"),
                    text("행 공간 밖으로 벗어난 해", "a solution with a part outside the row space"))
    n_min, n_other = w_min.norm().item(), w_other.norm().item()
    if not n_other > n_min * (1 + 1e-6):
        raise Wrong(text("`w_other`의 노름이 `w_min`보다 큼", "`w_other` longer than `w_min`"),
                    text(f"{n_other:.4f} ≤ {n_min:.4f}", f"{n_other:.4f} ≤ {n_min:.4f}"))
    return text(f"두 해 모두 데이터를 맞춤; 노름 {n_min:.4f} < {n_other:.4f}",
                f"both fit the data; norms {n_min:.4f} < {n_other:.4f}")


def linear_double_descent(ns: dict) -> dict:
    """ch07: test errors of the minimum-norm fit on p features, recomputed; the peak at p = n."""
    import torch

    X, Xt, y, yt, n, errors = need(ns, "X", "Xt", "y", "yt", "n", "errors")
    if not isinstance(errors, dict) or n not in errors or len(errors) < 3:
        raise Wrong(text(f"p마다 오차를 담은 dict (p = {n} 포함)", f"a dict of errors per p (p = {n} among them)"),
                    text(repr(errors)[:80], repr(errors)[:80]))
    for p, err in errors.items():
        w = torch.linalg.pinv(X[:, :p]) @ y
        want = ((Xt[:, :p] @ w - yt) ** 2).mean().item()
        if abs(err - want) > 1e-6 * max(1.0, want):
            raise Wrong(text(f"p = {p}에서 테스트 오차 {want:.4g}", f"test error {want:.4g} at p = {p}"),
                        text(f"{err:.4g}", f"{err:.4g}"))
    peak = max(errors, key=errors.get)
    return text(f"오차가 가장 큰 곳: p = {peak} (n = {n}), 오차 {errors[peak]:.3g}",
                f"largest error at p = {peak} (n = {n}): {errors[peak]:.3g}")


def warmup_cosine(ns: dict) -> dict:
    """ch08: the recorded learning rates follow linear warmup then cosine decay."""
    import math

    lrs, total, warmup = need(ns, "lrs", "total", "warmup")
    peak = 0.1
    want = [peak * ((t + 1) / warmup if t < warmup else
                    0.5 * (1 + math.cos(math.pi * (t - warmup) / (total - warmup))))
            for t in range(total)]
    if len(lrs) != total:
        raise Wrong(text(f"학습률 {total}개", f"{total} learning rates"),
                    text(f"{len(lrs)}개", f"{len(lrs)}"))
    for t, (got, w) in enumerate(zip(lrs, want)):
        if abs(got - w) > 1e-9:
            raise Wrong(text(f"{t}번째 단계의 학습률 {w:.6g}", f"learning rate {w:.6g} at step {t}"),
                        text(f"{got:.6g}", f"{got:.6g}"))
    return text(f"처음 {lrs[0]:.3g}, {warmup}단계에서 {lrs[warmup - 1]:.3g}, 마지막 {lrs[-1]:.2g}",
                f"first {lrs[0]:.3g}, {lrs[warmup - 1]:.3g} at step {warmup}, last {lrs[-1]:.2g}")


def restore(ns: dict) -> dict:
    """ch09: a checkpoint in step 2's format comes back into new objects, accuracy and all."""
    import tempfile
    from pathlib import Path

    import torch
    import torch.nn.functional as F
    from torch import nn

    (fn,) = need(ns, "restore")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(256, 1, 28, 28), torch.randint(0, 10, (256,))
    for _ in range(3):  # a few steps, so the momentum buffers hold something
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ckpt.pt"
        torch.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
                    "test_acc": acc, "seed": 0}, path)
        result = _call(fn, str(path))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise Wrong(text("(model, optimizer)", "(model, optimizer)"),
                    text(repr(result)[:80], repr(result)[:80]))
    new_model, new_opt = result
    if new_model is model or new_opt is opt:
        raise Wrong(text("새로 만든 객체", "newly created objects"), text("원래 객체", "the original ones"))
    for k, v in model.state_dict().items():
        if not torch.equal(new_model.state_dict()[k], v):
            raise Wrong(text("체크포인트의 가중치", "the checkpoint's weights"),
                        text(f"`{k}`가 다름", f"`{k}` differs"))
    saved = opt.state_dict()["state"]
    loaded = new_opt.state_dict()["state"]
    if len(loaded) != len(saved) or not all(
            torch.equal(loaded[i]["momentum_buffer"], saved[i]["momentum_buffer"]) for i in saved):
        raise Wrong(text("옵티마이저의 모멘텀 버퍼까지 복원", "the optimizer's momentum buffers restored"),
                    text("비어 있거나 다른 모멘텀 버퍼", "momentum buffers empty or different"))
    if {id(p) for g in new_opt.param_groups for p in g["params"]} != {id(p) for p in new_model.parameters()}:
        raise Wrong(text("새 모델의 파라미터를 갱신하는 옵티마이저", "an optimizer over the new model's parameters"),
                    text("다른 파라미터를 가리키는 옵티마이저", "an optimizer over other parameters"))
    with torch.no_grad():
        again = (new_model(x).argmax(1) == y).float().mean().item()
    return text(f"저장된 정확도 {acc:.2%}, 복원한 모델로 다시 잰 정확도 {again:.2%}",
                f"stored accuracy {acc:.2%}, measured again with the restored model {again:.2%}")


def cifar10_loaders(ns: dict) -> dict:
    """ch10: torchvision's CIFAR10 with augmentation for training only; one batch's shape."""
    from torchvision import datasets, transforms

    from gdsc_book.data import accept_cifar10_copy, torchvision_cifar10_root

    (fn,) = need(ns, "cifar10_loaders")
    root = torchvision_cifar10_root()
    with accept_cifar10_copy(root):
        result = _call(fn, str(root))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise Wrong(text("(train_loader, test_loader)", "(train_loader, test_loader)"),
                    text(repr(result)[:80], repr(result)[:80]))
    augment = (transforms.RandomCrop, transforms.RandomHorizontalFlip)
    for loader, train in zip(result, (True, False)):
        ds = getattr(loader, "dataset", None)
        if not isinstance(ds, datasets.CIFAR10) or ds.train is not train:
            raise Wrong(text(f"CIFAR10(train={train})의 DataLoader", f"a DataLoader over CIFAR10(train={train})"),
                        text(type(ds).__name__, type(ds).__name__))
        steps = getattr(ds.transform, "transforms", [ds.transform])
        kinds = {type(t) for t in steps}
        has = [a.__name__ for a in augment if a in kinds]
        if train and len(has) != 2 or not train and has:
            which = text("학습용", "training") if train else text("테스트용", "test")
            want = "RandomCrop, RandomHorizontalFlip" if train else "—"
            raise Wrong(text(f"{which['ko']} 변환의 증강: {want}", f"augmentation in the {which['en']} transform: {want}"),
                        text(", ".join(has) or "—", ", ".join(has) or "—"))
    x, y = next(iter(result[0]))
    if tuple(x.shape[1:]) != (3, 32, 32) or len(y) != len(x):
        raise Wrong(text("N×3×32×32 이미지와 N개의 레이블", "N×3×32×32 images and N labels"),
                    text(f"{tuple(x.shape)}, {tuple(y.shape)}", f"{tuple(x.shape)}, {tuple(y.shape)}"))
    return text(f"배치 하나: {tuple(x.shape)}, {tuple(y.shape)}; 학습 {len(result[0].dataset):,}장, "
                f"테스트 {len(result[1].dataset):,}장",
                f"one batch: {tuple(x.shape)}, {tuple(y.shape)}; {len(result[0].dataset):,} training "
                f"and {len(result[1].dataset):,} test images")


CHECKS: dict[str, Callable[[dict], dict]] = {f.__name__: f for f in (
    less_experience, lstsq, cross_entropy, xor_net, count_pieces, min_norm, linear_double_descent,
    warmup_cosine, restore, cifar10_loaders)}


def check(name: str, namespace: dict, hint: str = "", lang: str | None = None) -> bool:
    """Run the check ``name`` on the notebook's ``namespace`` and print the verdict.

    The language is ``lang``, else ``$GDSC_BOOK_LANG`` (set by the notebooks' first cell),
    else Korean. Returns whether the answer is right; never raises for a wrong answer.
    """
    lang = lang or os.environ.get("GDSC_BOOK_LANG") or "ko"
    words = _WORDS.get(lang, _WORDS["en"])
    if name not in CHECKS:
        raise KeyError(f"no exercise check {name!r}; known: {', '.join(sorted(CHECKS))}")
    try:
        try:
            found = CHECKS[name](namespace)
        except Wrong:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a list where a tensor belongs
            raise Wrong(text("검사할 수 있는 답", "an answer the check can use"),
                        text(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__}: {exc}")) from exc
    except Wrong as w:
        lines = [f"✗ {name}", f"  {words['expected']}: {w.expected[lang]}",
                 f"  {words['found']}: {w.found[lang]}"]
        if hint.strip():
            lines.append(f"  {words['hint']}: " + "\n    ".join(hint.strip().splitlines()))
        print("\n".join(lines))
        return False
    print(f"✓ {name}: {found[lang]}")
    return True
