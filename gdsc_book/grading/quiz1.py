"""Quiz 1: test accuracy computed inside ``train_model``, and a checkpoint that proves it.

The contract (the Lab 1 page states it): the solution defines ``build_model()``,
``build_optimizer(model)`` and ``train_model(model, optimizer, train_set, test_set, epochs,
checkpoint_path)``. The grader hands ``train_model`` a small MNIST budget and checks, without
believing any number the code prints or returns:

- the test images go through the model during the call, after every epoch (:class:`InputWatch`
  recognizes each image), and the training images are not evaluated in their place;
- the checkpoint exists, loads with ``torch.load(weights_only=True)``, and holds ``model``,
  ``optimizer`` and ``test_acc``;
- a fresh ``build_model()`` with the saved weights scores the saved ``test_acc`` on the test set
  (within :data:`TOLERANCE`), and a fresh ``build_optimizer`` loads the saved optimizer state.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import torch

from gdsc_book.grading.report import Check, Report, text
from gdsc_book.grading.solution import describe, namespace_module, require
from gdsc_book.grading.watch import InputWatch

FUNCTIONS = ["build_model", "build_optimizer", "train_model"]
BUDGET = {"train_images": 2000, "test_images": 1000, "epochs": 2}
TOLERANCE = 0.005  # |stored - reproduced| test accuracy: half a percentage point (5 of 1,000)
KEYS = ("model", "optimizer", "test_acc")


class MnistSplit(torch.utils.data.Dataset):
    """An MNIST split in both shapes students use: a torch ``Dataset`` of ``(image, label)``
    pairs for a ``DataLoader``, and whole tensors (``float_images()``, ``labels``) as in the
    book's Step 1. Images are float32, 1x28x28, already standardized."""

    def __init__(self, data):
        self.x = data.float_images()
        self.labels = data.labels
        self.images = data.images
        self.classes = data.classes
        self.train = data.train

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return self.x[i], int(self.labels[i])

    def float_images(self, normalize: bool = True) -> torch.Tensor:
        return self.x.clone()


def mnist_splits(data_root=None, n_train=None, n_test=None) -> tuple[MnistSplit, MnistSplit]:
    from gdsc_book import data

    train = data.load("mnist", train=True, data_root=data_root)
    test = data.load("mnist", train=False, data_root=data_root)
    return (MnistSplit(train.subset(n_train or BUDGET["train_images"], seed=0)),
            MnistSplit(test.subset(n_test or BUDGET["test_images"], seed=0)))


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The grader's own measurement: eval mode, argmax of the logits, on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    for i in range(0, len(y), 500):
        logits = model(x[i:i + 500].to(device))
        correct += int((logits.argmax(1).cpu() == y[i:i + 500]).sum())
    return correct / len(y)


@contextlib.contextmanager
def workdir():
    """Run student code in a scratch folder: files it writes beside itself go nowhere."""
    old = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="gdsc-grade-") as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


def grade(namespace, data_root=None) -> Report:
    module = namespace_module(namespace)
    require(module, FUNCTIONS)
    train, test = mnist_splits(data_root)
    n_test, epochs = len(test), BUDGET["epochs"]
    report = Report("quiz1", Path(module.__file__).name, dict(BUDGET, tolerance=TOLERANCE))
    runs = report.add(Check("q1.runs", text("train_model이 채점 예산으로 끝까지 실행된다",
                                            "train_model runs to the end on the grading budget")))
    with workdir() as tmp:
        ckpt = tmp / "checkpoint.pt"
        try:
            torch.manual_seed(0)
            model = module.build_model()
            optimizer = module.build_optimizer(model)
        except Exception as exc:
            runs.fail("build", text("build_model()과 build_optimizer(model)이 모델과 옵티마이저를 "
                                    "돌려준다", "build_model() and build_optimizer(model) return "
                                    "a model and an optimizer"),
                      text(describe(exc), describe(exc)),
                      text("두 함수가 인자 없이(옵티마이저는 model 하나로) 호출될 수 있게 하세요.",
                           "Both must work when called like this (the optimizer with the "
                           "model only)."))
            return _skip_rest(report, text("모델을 만들지 못했습니다", "no model was built"))
        watch = InputWatch(model, {"train": train.x, "test": test.x})
        try:
            module.train_model(model, optimizer, train, test, epochs, str(ckpt))
            runs.ok()
        except Exception as exc:
            runs.fail("raised", text("예외 없이 반환", "returns without an exception"),
                      text(describe(exc), describe(exc)),
                      text("오류가 난 줄을 고치세요. 채점기는 train_model(model, optimizer, "
                           "train_set, test_set, epochs, checkpoint_path)로 호출합니다.",
                           "Fix the line named above. The grader calls train_model(model, "
                           "optimizer, train_set, test_set, epochs, checkpoint_path)."))
        finally:
            watch.close()
        _check_test_inside(report, watch, len(train), n_test, epochs)
        state = _check_checkpoint(report, ckpt)
        _check_reload(report, module, state, test)
    return report


def _skip_rest(report: Report, why: dict) -> Report:
    for cid, title in _TITLES.items():
        report.add(Check(cid, title)).skip(why)
    return report


_TITLES = {
    "q1.test_inside": text("train_model 안에서 테스트 세트로 정확도를 잰다",
                           "test accuracy is computed inside train_model, on the test set"),
    "q1.every_epoch": text("에폭마다 테스트 세트 전체를 평가한다",
                           "the whole test set is evaluated after every epoch"),
    "q1.checkpoint": text("체크포인트 파일이 checkpoint_path에 있다",
                          "a checkpoint file exists at checkpoint_path"),
    "q1.weights_only": text("torch.load(weights_only=True)로 열린다",
                            "it loads with torch.load(weights_only=True)"),
    "q1.has_model": text("체크포인트에 모델 가중치(model)가 있다",
                         "the checkpoint holds the model weights (model)"),
    "q1.has_optimizer": text("체크포인트에 옵티마이저 상태(optimizer)가 있다",
                             "the checkpoint holds the optimizer state (optimizer)"),
    "q1.has_test_acc": text("체크포인트에 테스트 정확도(test_acc)가 있다",
                            "the checkpoint holds the test accuracy (test_acc)"),
    "q1.reproduce": text("저장된 가중치를 새 모델에 넣으면 저장된 test_acc가 다시 나온다",
                         "the saved weights in a fresh model give the saved test_acc"),
    "q1.optimizer_reload": text("저장된 옵티마이저 상태가 새 옵티마이저에 들어간다",
                                "the saved optimizer state loads into a fresh optimizer"),
}


def _check(report: Report, cid: str) -> Check:
    return report.add(Check(cid, _TITLES[cid]))


def _check_test_inside(report, watch, n_train, n_test, epochs) -> None:
    seen_test = watch.seen("test", False) + watch.seen("test", True)
    eval_train = watch.seen("train", False)
    inside, every = _check(report, "q1.test_inside"), _check(report, "q1.every_epoch")
    expected = text(f"train_model 실행 중 테스트 이미지 {n_test:,}장이 모델을 통과",
                    f"the {n_test:,} test images go through the model during train_model")
    if seen_test >= n_test:
        note = ""
        if watch.seen("test", True):
            note = text(" (torch.no_grad() 없이 평가했습니다: 메모리와 시간이 더 듭니다)",
                        " (evaluated without torch.no_grad(): more memory and time)")
        inside.ok(text(f"테스트 이미지 {seen_test:,}장이 모델을 통과했습니다{note and note['ko']}",
                       f"{seen_test:,} test images went through the model{note and note['en']}"))
    elif seen_test == 0 and eval_train > 0:
        inside.fail("train-as-test", expected,
                    text(f"테스트 이미지는 0장, 대신 학습 이미지 {eval_train:,}장을 기울기 없이 "
                         f"평가했습니다", f"0 test images; instead {eval_train:,} training "
                         f"images were evaluated with gradients off"),
                    text("학습 데이터를 테스트 데이터로 쓰고 있습니다. 정확도는 test_set으로 "
                         "재세요: 학습에 쓴 이미지의 정확도는 일반화를 말해 주지 않습니다.",
                         "You use the training data as test data. Measure the accuracy on "
                         "test_set: accuracy on images the model trained on says nothing "
                         "about generalization."))
    elif seen_test == 0:
        inside.fail("outside", expected,
                    text("train_model이 도는 동안 테스트 이미지가 한 장도 모델을 통과하지 "
                         "않았습니다", "not one test image went through the model while "
                         "train_model ran"),
                    text("테스트 정확도를 train_model 밖(호출이 끝난 뒤)에서 재고 있습니다. "
                         "에폭이 끝날 때마다 train_model 안에서 test_set으로 평가하고, 그 값을 "
                         "체크포인트에 넣으세요.",
                         "The test accuracy is computed outside train_model (after it "
                         "returns). Evaluate on test_set inside train_model at the end of "
                         "every epoch and put that value in the checkpoint."))
    else:
        inside.fail("partial", expected,
                    text(f"테스트 이미지 {seen_test:,}장만 통과", f"only {seen_test:,} test "
                         f"images went through"),
                    text("test_set 전체로 평가하세요 (일부만 쓰거나 변형하지 말고).",
                         "Evaluate on the whole test_set (no subset, no further transform)."))
    if inside.status != "pass":
        every.skip(text("위 검사가 실패해서 건너뜀", "skipped: the check above failed"))
    elif seen_test >= epochs * n_test:
        every.ok(text(f"{epochs}에폭 동안 테스트 세트를 {seen_test / n_test:.0f}번 평가",
                      f"the test set was evaluated {seen_test / n_test:.0f} times in "
                      f"{epochs} epochs"))
    else:
        every.fail("once", text(f"{epochs}에폭이면 테스트 세트를 {epochs}번 이상 평가",
                                f"{epochs} epochs: the test set evaluated at least {epochs} "
                                f"times"),
                   text(f"{seen_test / n_test:.1f}번", f"{seen_test / n_test:.1f} times"),
                   text("학습이 끝난 뒤 한 번이 아니라 에폭 루프 안에서 매 에폭 평가하세요: "
                        "그래야 학습이 어떻게 진행되는지 보입니다.",
                        "Evaluate inside the epoch loop, every epoch, not once at the end: "
                        "that is how you watch training progress."))


def _check_checkpoint(report, ckpt: Path) -> dict | None:
    exists, safe = _check(report, "q1.checkpoint"), _check(report, "q1.weights_only")
    keys = [_check(report, f"q1.has_{k}") for k in KEYS]
    gone = text("체크포인트가 없어서 건너뜀", "skipped: no checkpoint")
    others = [p.name for p in ckpt.parent.iterdir() if p != ckpt]
    if not ckpt.is_file():
        exists.fail("missing", text(f"train_model이 checkpoint_path ({ckpt.name})에 파일을 씀",
                                    f"train_model writes a file at checkpoint_path "
                                    f"({ckpt.name})"),
                    text("파일 없음" + (f"; 다른 파일: {', '.join(others)}" if others else ""),
                         "no such file" + (f"; other files: {', '.join(others)}"
                                           if others else "")),
                    text("torch.save(state, checkpoint_path)처럼 인자로 받은 경로에 저장하세요.",
                         "Save to the path you are given: torch.save(state, checkpoint_path)."))
        for c in (safe, *keys):
            c.skip(gone)
        return None
    exists.ok(text(f"{ckpt.stat().st_size / 1e6:.2f} MB", f"{ckpt.stat().st_size / 1e6:.2f} MB"))
    try:
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
    except Exception as exc:
        safe.fail("unsafe", text("텐서, 숫자, 문자열, 리스트, 딕셔너리만 담긴 파일",
                                 "a file of tensors, numbers, strings, lists and dicts only"),
                  text(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}",
                       f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"),
                  text("모델 객체 대신 model.state_dict()와 optimizer.state_dict()를 딕셔너리에 "
                       "담아 저장하세요. weights_only=True는 파일을 열 때 임의의 코드가 "
                       "실행되지 않게 합니다.",
                       "Save model.state_dict() and optimizer.state_dict() in a dict, not the "
                       "objects themselves. weights_only=True keeps opening a file from "
                       "running arbitrary code."))
        for c in keys:
            c.skip(text("체크포인트를 열 수 없어서 건너뜀", "skipped: the checkpoint does not load"))
        return None
    if not isinstance(state, dict):
        safe.fail("not-dict", text("딕셔너리", "a dict"), text(type(state).__name__,
                                                              type(state).__name__),
                  text("{'model': ..., 'optimizer': ..., 'test_acc': ...} 형태로 저장하세요.",
                       "Save a dict {'model': ..., 'optimizer': ..., 'test_acc': ...}."))
        for c in keys:
            c.skip(gone)
        return None
    safe.ok(text("키: " + ", ".join(map(str, state)), "keys: " + ", ".join(map(str, state))))
    found = text("키: " + ", ".join(map(str, state)), "keys: " + ", ".join(map(str, state)))
    what = {"model": ("model.state_dict()", "a state_dict: parameter name -> tensor"),
            "optimizer": ("optimizer.state_dict()", "the optimizer's state_dict"),
            "test_acc": ("0과 1 사이의 숫자", "a number between 0 and 1")}
    for key, c in zip(KEYS, keys):
        value = state.get(key)
        good = {"model": isinstance(value, dict) and value and all(
                    isinstance(v, torch.Tensor) for v in value.values()),
                "optimizer": isinstance(value, dict) and "param_groups" in value,
                "test_acc": isinstance(value, (int, float)) and 0 <= value <= 1}[key]
        if good:
            c.ok()
            continue
        hints = {
            "model": text("state['model'] = model.state_dict()", "state['model'] = "
                          "model.state_dict()"),
            "optimizer": text("state['optimizer'] = optimizer.state_dict(): 옵티마이저 상태"
                              "(모멘텀 버퍼 등)가 있어야 중단한 학습을 그대로 이어 갈 수 있습니다.",
                              "state['optimizer'] = optimizer.state_dict(): without the "
                              "optimizer state (momentum buffers, ...) an interrupted run "
                              "cannot continue where it stopped."),
            "test_acc": text("state['test_acc'] = 그 에폭의 테스트 정확도 (예: 0.97, 97이 아니라)",
                             "state['test_acc'] = that epoch's test accuracy as a fraction "
                             "(0.97, not 97)"),
        }
        shown = found if value is None else text(f"{key} = {_short(value)}",
                                                 f"{key} = {_short(value)}")
        c.fail("missing-" + key, text(f"'{key}': {what[key][0]}", f"'{key}': {what[key][1]}"),
               shown, hints[key])
    return state


def _short(value) -> str:
    s = repr(value)
    return s if len(s) < 80 else s[:77] + "..."


def _check_reload(report, module, state, test) -> None:
    repro, opt = _check(report, "q1.reproduce"), _check(report, "q1.optimizer_reload")
    model_ok = state is not None and report.get("q1.has_model").status == "pass"
    if not model_ok:
        for c in (repro, opt):
            c.skip(text("저장된 모델 가중치가 없어서 건너뜀", "skipped: no saved model weights"))
        return
    try:
        torch.manual_seed(1)
        fresh = module.build_model()
        fresh.load_state_dict(state["model"])
    except Exception as exc:
        repro.fail("load", text("새 build_model()에 load_state_dict가 된다",
                                "load_state_dict into a fresh build_model() works"),
                   text(describe(exc), describe(exc)),
                   text("build_model()은 train_model에 넘긴 것과 같은 구조의 모델을 돌려줘야 "
                        "합니다.", "build_model() must return the same architecture that "
                        "train_model trained."))
        opt.skip(text("모델을 다시 불러오지 못해서 건너뜀", "skipped: the model did not reload"))
        return
    measured = accuracy(fresh, test.x, test.labels)
    stored = state.get("test_acc")
    if report.get("q1.has_test_acc").status != "pass":
        repro.skip(text(f"저장된 test_acc가 없어서 건너뜀 (다시 잰 값 {measured:.2%})",
                        f"skipped: no stored test_acc (measured {measured:.2%})"))
    elif abs(measured - stored) <= TOLERANCE:
        repro.ok(text(f"저장 {stored:.2%}, 다시 잰 값 {measured:.2%}",
                      f"stored {stored:.2%}, measured again {measured:.2%}"))
    else:
        repro.fail("mismatch", text(f"저장된 test_acc {stored:.2%} ± {TOLERANCE:.1%}",
                                    f"the stored test_acc {stored:.2%} ± {TOLERANCE:.1%}"),
                   text(f"저장된 가중치의 테스트 정확도 {measured:.2%}",
                        f"the saved weights score {measured:.2%} on the test set"),
                   text("test_acc는 같은 체크포인트에 저장한 가중치로, model.eval()과 "
                        "torch.no_grad() 아래에서 잰 값이어야 합니다. 가중치를 갱신하기 전이나 "
                        "다른 에폭에 잰 값을 넣지 않았는지 보세요.",
                        "test_acc must be measured with the very weights saved beside it, "
                        "under model.eval() and torch.no_grad(). Check that it was not measured "
                        "before the weights changed, or at another epoch."))
    if report.get("q1.has_optimizer").status != "pass":
        opt.skip(text("저장된 옵티마이저 상태가 없어서 건너뜀", "skipped: no saved optimizer state"))
        return
    try:
        fresh_opt = module.build_optimizer(fresh)
        fresh_opt.load_state_dict(state["optimizer"])
        opt.ok(text(f"{type(fresh_opt).__name__}: 파라미터 상태 {len(fresh_opt.state)}개",
                    f"{type(fresh_opt).__name__}: {len(fresh_opt.state)} parameter states"))
    except Exception as exc:
        opt.fail("load", text("build_optimizer(새 모델).load_state_dict(state['optimizer'])가 된다",
                              "build_optimizer(fresh model).load_state_dict(state['optimizer']) "
                              "works"),
                 text(describe(exc), describe(exc)),
                 text("train_model이 받은 optimizer의 state_dict()를 저장하세요 (새로 만든 다른 "
                      "옵티마이저가 아니라).", "Save the state_dict() of the optimizer "
                      "train_model was given (not of another one)."))

