"""Quiz 2: CIFAR-10 through torchvision's ``CIFAR10``, five seeded runs, their mean; the
challenge: fine-tune a model trained on MNIST.

The contract (the Lab 2 page states it): ``load_cifar10(root)`` returns the training and test
splits as ``torchvision.datasets.CIFAR10`` objects; ``train_once(train_set, test_set, seed,
epochs)`` seeds torch with ``seed``, trains a fresh model and returns ``(model, test_acc)``;
``five_runs(train_set, test_set, epochs)`` calls ``train_once`` with five different seeds and
returns ``{"accuracies": [...], "mean": ...}``. Challenge: ``pretrain_mnist(train_set, epochs)``
returns an MNIST model and ``finetune(mnist_model, train_set, test_set, seed, epochs)`` returns
``(model, test_acc)``.

What the grader verifies itself: the items the training reads come out of torchvision's
``CIFAR10`` (counted in the class), the seed torch holds after each run
(``torch.initial_seed()``), each returned model's test accuracy (measured again), the mean of
the runs, and for the challenge how many of the MNIST model's weights the fine-tuned model
still carries.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from gdsc_book.grading.quiz1 import accuracy, mnist_splits, workdir
from gdsc_book.grading.report import Check, Report, text
from gdsc_book.grading.solution import describe, namespace_module, require
from gdsc_book.grading.watch import ItemCounter

FUNCTIONS = ["load_cifar10", "train_once", "five_runs"]
CHALLENGE = ["pretrain_mnist", "finetune"]
BUDGET = {"train_images": 500, "test_images": 500, "epochs": 1, "runs": 5,
          "mnist_images": 1000}
TOLERANCE = 0.005  # (2 of 500 images) a run's returned accuracy against the grader's own measurement
CARRIED = 0.5  # share of the MNIST model's weights the fine-tuned model must still carry
_SENTINEL = 987_654_321  # torch's seed before each run: still there after it = never seeded

_TITLES = {
    "q2.cifar10": text("load_cifar10이 torchvision.datasets.CIFAR10 객체를 돌려준다",
                       "load_cifar10 returns torchvision.datasets.CIFAR10 objects"),
    "q2.runs": text("five_runs가 train_once를 5번 부르고, 각 실행이 (model, test_acc)를 돌려준다",
                    "five_runs calls train_once 5 times, each returning (model, test_acc)"),
    "q2.reads": text("학습과 평가가 CIFAR10 객체에서 이미지를 읽는다",
                     "training and evaluation read their images from the CIFAR10 objects"),
    "q2.seeds": text("5번의 실행이 서로 다른 시드로 torch를 초기화한다",
                     "the 5 runs seed torch with 5 different seeds"),
    "q2.run_acc": text("각 실행이 돌려준 test_acc가 그 모델의 테스트 정확도와 같다",
                       "each run's test_acc is its model's accuracy on the test set"),
    "q2.mean": text("보고한 평균이 5번 실행의 정확도 평균이다",
                    "the reported mean is the mean of the 5 runs' accuracies"),
    "q2.pretrain": text("(도전) pretrain_mnist가 MNIST를 학습한 모델을 돌려준다",
                        "(challenge) pretrain_mnist returns a model trained on MNIST"),
    "q2.finetune_start": text("(도전) 미세 조정이 MNIST 모델의 가중치에서 출발한다",
                              "(challenge) the fine-tune starts from the MNIST model's weights"),
    "q2.finetune_acc": text("(도전) finetune이 돌려준 test_acc가 그 모델의 테스트 정확도와 같다",
                            "(challenge) finetune's test_acc is its model's test accuracy"),
}


def _check(report: Report, cid: str, required: bool = True) -> Check:
    return report.add(Check(cid, _TITLES[cid], required=required))


def base_dataset(ds):
    """The dataset under ``Subset``\\ s and wrappers (``.dataset`` chains)."""
    seen = 0
    while hasattr(ds, "dataset") and seen < 10:
        ds, seen = ds.dataset, seen + 1
    return ds


@torch.no_grad()
def loader_accuracy(model: torch.nn.Module, dataset) -> float:
    """The grader's measurement through the student's own dataset (and its transform)."""
    model.eval()
    device = next(model.parameters()).device
    correct = n = 0
    for x, y in torch.utils.data.DataLoader(dataset, batch_size=250):
        correct += int((model(x.to(device)).argmax(1).cpu() == torch.as_tensor(y)).sum())
        n += len(y)
    return correct / n


def _pair(result, what: str):
    if not (isinstance(result, (tuple, list)) and len(result) == 2
            and isinstance(result[0], torch.nn.Module)
            and isinstance(result[1], (int, float))):
        raise TypeError(f"{what} returned {type(result).__name__}, not (model, test_acc)")
    return result


def grade(namespace, data_root=None) -> Report:
    from torchvision.datasets import CIFAR10

    from gdsc_book import data

    module = namespace_module(namespace)
    require(module, FUNCTIONS)
    if data_root is not None:  # the solution runs in a scratch folder: no relative paths
        data_root = Path(data_root).resolve()
    root = data.torchvision_cifar10_root(data_root)
    report = Report("quiz2", Path(module.__file__).name, dict(BUDGET, tolerance=TOLERANCE))
    n_train, n_test, runs = BUDGET["train_images"], BUDGET["test_images"], BUDGET["runs"]
    with data.accept_cifar10_copy(root), workdir():
        ds = _check(report, "q2.cifar10")
        try:
            train_set, test_set = module.load_cifar10(str(root))
        except Exception as exc:
            ds.fail("raised", text("load_cifar10(root)이 (train_set, test_set)을 돌려준다",
                                   "load_cifar10(root) returns (train_set, test_set)"),
                    text(describe(exc), describe(exc)),
                    text("torchvision.datasets.CIFAR10(root, train=True/False, transform=...)"
                         "로 두 분할을 만드세요. root는 채점기가 넘긴 폴더를 그대로 쓰세요.",
                         "Build both splits with torchvision.datasets.CIFAR10(root, "
                         "train=True/False, transform=...), using the root you are given."))
            for cid in list(_TITLES)[1:6]:
                _check(report, cid).skip(text("load_cifar10이 실패해서 건너뜀",
                                              "skipped: load_cifar10 failed"))
            return report
        bases = base_dataset(train_set), base_dataset(test_set)
        cifar = all(isinstance(b, CIFAR10) for b in bases)
        if cifar and bases[0].train and not bases[1].train:
            ds.ok(text(f"CIFAR10 학습 {len(bases[0]):,}장, 테스트 {len(bases[1]):,}장",
                       f"CIFAR10 train {len(bases[0]):,} images, test {len(bases[1]):,}"))
        elif cifar:
            ds.fail("split", text("train=True인 학습 세트와 train=False인 테스트 세트",
                                  "a train=True training set and a train=False test set"),
                    text(f"train={bases[0].train}, train={bases[1].train}",
                         f"train={bases[0].train}, train={bases[1].train}"),
                    text("테스트 세트는 CIFAR10(root, train=False)로 만드세요.",
                         "Build the test set with CIFAR10(root, train=False)."))
        else:
            names = ", ".join(type(b).__name__ for b in bases)
            ds.fail("not-cifar10", text("torchvision.datasets.CIFAR10 (Subset으로 감싼 것도 됨)",
                                        "torchvision.datasets.CIFAR10 (wrapped in a Subset is "
                                        "fine)"),
                    text(names, names),
                    text("Quiz 2는 torchvision에 들어 있는 데이터셋 클래스로 불러오라고 합니다: "
                         "torchvision.datasets.CIFAR10(root, train=..., transform=...)를 쓰고 "
                         "그 객체를 DataLoader에 넘기세요.",
                         "Quiz 2 asks for torchvision's built-in dataset class: use "
                         "torchvision.datasets.CIFAR10(root, train=..., transform=...) and "
                         "hand that object to your DataLoader."))
        g = torch.Generator().manual_seed(0)
        train_sub = torch.utils.data.Subset(train_set, torch.randperm(len(train_set),
                                                                      generator=g)[:n_train])
        test_sub = torch.utils.data.Subset(test_set, torch.randperm(len(test_set),
                                                                    generator=g)[:n_test])
        counter = ItemCounter({"train": bases[0], "test": bases[1]})
        with counter:
            records, result, error = _five_runs(module, train_sub, test_sub, counter)
        _check_runs(report, records, result, error, cifar, n_train, n_test, runs)
        _challenge(report, module, train_sub, test_sub, data_root)
    return report


def _five_runs(module, train_sub, test_sub, counter):
    """Call five_runs with train_once wrapped: record each run's seed, reads and accuracy."""
    records = []
    glob = module.five_runs.__globals__  # a notebook's globals, or the module's namespace
    original = glob.get("train_once", module.train_once)

    def recorded(train_set, test_set, seed, epochs, *args, **kw):
        torch.manual_seed(_SENTINEL + len(records))
        reads = counter.read("train"), counter.read("test")
        out = _pair(original(train_set, test_set, seed, epochs, *args, **kw), "train_once")
        rec = {"seed_arg": seed, "torch_seed": torch.initial_seed(),
               "sentinel": _SENTINEL + len(records), "returned": float(out[1]),
               "train_reads": counter.read("train") - reads[0],
               "test_reads": counter.read("test") - reads[1]}
        rec["measured"] = loader_accuracy(out[0], test_sub)
        records.append(rec)
        return out

    glob["train_once"] = recorded
    result = error = None
    try:
        result = module.five_runs(train_sub, test_sub, BUDGET["epochs"])
    except Exception as exc:
        error = exc
    finally:
        glob["train_once"] = original
    return records, result, error


def _check_runs(report, records, result, error, cifar, n_train, n_test, runs) -> None:
    c_runs, c_reads, c_seeds, c_acc, c_mean = (_check(report, cid) for cid in
                                               ("q2.runs", "q2.reads", "q2.seeds", "q2.run_acc",
                                                "q2.mean"))
    contract = text("five_runs(train_set, test_set, epochs)가 train_once(train_set, test_set, "
                    "seed, epochs)를 시드마다 한 번씩 불러 5번 실행",
                    "five_runs(train_set, test_set, epochs) calls train_once(train_set, "
                    "test_set, seed, epochs) once per seed, 5 runs")
    if error is not None:
        c_runs.fail("raised", contract, text(describe(error), describe(error)),
                    text("오류가 난 줄을 고치세요.", "Fix the line named above."))
    elif len(records) != runs:
        c_runs.fail("count", contract, text(f"train_once 호출 {len(records)}번",
                                            f"train_once called {len(records)} times"),
                    text("실행마다 train_once를 부르세요: 채점기는 그 호출을 보고 각 실행을 "
                         "확인합니다 (반복문 안에 학습 코드를 직접 쓰지 말고).",
                         "Call train_once for each run: the grader checks each run through "
                         "that call (do not inline the training in the loop)."))
    else:
        c_runs.ok()
    if c_runs.status != "pass":
        for c in (c_reads, c_seeds, c_acc, c_mean):
            c.skip(text("실행이 5번 끝나지 않아서 건너뜀", "skipped: the 5 runs did not finish"))
        return
    # The training reads about one epoch of items per epoch (drop_last may skip a batch).
    need_train = int(0.9 * n_train * BUDGET["epochs"])
    short = [i + 1 for i, r in enumerate(records)
             if r["train_reads"] < need_train or r["test_reads"] < n_test]
    if not cifar:
        c_reads.skip(text("CIFAR10 객체가 아니라서 셀 수 없음", "skipped: not CIFAR10 objects, "
                          "nothing to count"))
    elif short:
        r = records[short[0] - 1]
        c_reads.fail("no-reads", text(f"실행마다 CIFAR10 학습 이미지 {need_train:,}장 이상, "
                                      f"테스트 이미지 {n_test:,}장 이상을 읽음",
                                      f"each run reads at least {need_train:,} CIFAR10 training "
                                      f"and {n_test:,} test items"),
                     text(f"{short[0]}번째 실행: 학습 {r['train_reads']:,}장, 테스트 "
                          f"{r['test_reads']:,}장", f"run {short[0]}: {r['train_reads']:,} "
                          f"training, {r['test_reads']:,} test items"),
                     text("train_once는 인자로 받은 train_set과 test_set으로 DataLoader를 "
                          "만들어야 합니다 (다른 곳에서 데이터를 읽지 말고).",
                          "train_once must build its DataLoaders from the train_set and "
                          "test_set it is given (not read data from elsewhere)."))
    else:
        c_reads.ok(text(f"실행마다 학습 {min(r['train_reads'] for r in records):,}장 이상, "
                        f"테스트 {min(r['test_reads'] for r in records):,}장 이상",
                        f"per run at least {min(r['train_reads'] for r in records):,} training "
                        f"and {min(r['test_reads'] for r in records):,} test items"))
    seeds = [r["torch_seed"] for r in records]
    unseeded = [i + 1 for i, r in enumerate(records) if r["torch_seed"] == r["sentinel"]]
    expected = text("서로 다른 시드 5개 (torch.manual_seed(seed))",
                    "5 different seeds (torch.manual_seed(seed))")
    if unseeded:
        c_seeds.fail("unseeded", expected,
                     text(f"실행 {unseeded}에서 torch.manual_seed가 불리지 않았습니다",
                          f"torch.manual_seed was not called in run(s) {unseeded}"),
                     text("train_once 첫 줄에서 torch.manual_seed(seed)를 부르세요: 시드가 "
                          "없으면 실행을 재현할 수 없습니다.",
                          "Call torch.manual_seed(seed) at the start of train_once: without "
                          "a seed a run cannot be reproduced."))
    elif len(set(seeds)) < runs:
        c_seeds.fail("same-seed", expected,
                     text(f"torch 시드: {seeds}", f"torch seeds: {seeds}"),
                     text("한 시드를 5번 쓰면 같은 실행을 5번 한 것이라 평균이 시드에 따른 "
                          "편차를 보여 주지 않습니다. 실행마다 다른 seed를 넘기고, train_once "
                          "안에서 torch.manual_seed(seed)로 쓰세요.",
                          "One seed used 5 times is the same run 5 times, so the mean shows "
                          "nothing about the spread over seeds. Pass a different seed to each "
                          "run and use it in train_once with torch.manual_seed(seed)."))
    else:
        c_seeds.ok(text(f"시드 {seeds}", f"seeds {seeds}"))
    bad = [(i + 1, r) for i, r in enumerate(records)
           if abs(r["returned"] - r["measured"]) > TOLERANCE]
    if bad:
        i, r = bad[0]
        c_acc.fail("mismatch", text(f"{i}번째 실행의 test_acc {r['returned']:.2%} ± "
                                    f"{TOLERANCE:.1%}", f"run {i}'s test_acc "
                                    f"{r['returned']:.2%} ± {TOLERANCE:.1%}"),
                   text(f"돌려준 모델의 테스트 정확도 {r['measured']:.2%}",
                        f"the returned model scores {r['measured']:.2%} on the test set"),
                   text("test_acc는 학습이 끝난 모델로 test_set 전체에서 model.eval()과 "
                        "torch.no_grad() 아래 잰 값이어야 합니다 (0과 1 사이의 비율).",
                        "test_acc must be the trained model's accuracy on the whole test_set, "
                        "under model.eval() and torch.no_grad() (a fraction in [0, 1])."))
    else:
        c_acc.ok(text("다시 잰 정확도: " + ", ".join(f"{r['measured']:.2%}" for r in records),
                      "measured again: " + ", ".join(f"{r['measured']:.2%}" for r in records)))
    returned = [r["returned"] for r in records]
    mean = sum(returned) / len(returned)
    expected = text(f"accuracies = 실행 5번의 test_acc, mean = {mean:.4f}",
                    f"accuracies = the 5 runs' test_acc, mean = {mean:.4f}")
    if not isinstance(result, dict) or "accuracies" not in result or "mean" not in result:
        c_mean.fail("format", expected, text(_short(result), _short(result)),
                    text('{"accuracies": [...], "mean": ...}를 돌려주세요.',
                         'Return {"accuracies": [...], "mean": ...}.'))
        return
    accs = [float(a) for a in result["accuracies"]]
    if len(accs) != len(returned) or any(abs(a - b) > 1e-9 for a, b in zip(accs, returned)):
        c_mean.fail("accuracies", expected, text(f"accuracies = {_fmt(accs)}, 실행들이 돌려준 값 "
                                                 f"{_fmt(returned)}", f"accuracies = "
                                                 f"{_fmt(accs)}; the runs returned "
                                                 f"{_fmt(returned)}"),
                     text("train_once가 돌려준 test_acc를 순서대로 모으세요.",
                          "Collect the test_acc values train_once returned, in order."))
    elif not math.isclose(float(result["mean"]), mean, abs_tol=1e-6):
        c_mean.fail("not-mean", expected, text(f"mean = {float(result['mean']):.4f}",
                                               f"mean = {float(result['mean']):.4f}"),
                    text("평균은 sum(accuracies) / len(accuracies)입니다 (중앙값, 최댓값, 마지막 "
                         "실행이 아니라).", "The mean is sum(accuracies) / len(accuracies) (not "
                         "the median, the maximum or the last run)."))
    else:
        c_mean.ok(text(f"평균 {mean:.2%}", f"mean {mean:.2%}"))


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def _short(value) -> str:
    s = repr(value)
    return s if len(s) < 80 else s[:77] + "..."


def _weights(model: torch.nn.Module) -> list[tuple[str, torch.Tensor]]:
    """Weight matrices and kernels (2-D and up): biases and batch-norm scales start at 0 or 1
    in any model, so they would look "carried over" from anything."""
    return [(n, p.detach().cpu().float().clone()) for n, p in model.named_parameters()
            if p.dim() >= 2]


def carried_share(before: list[tuple[str, torch.Tensor]], model: torch.nn.Module) -> float:
    """Share of the MNIST model's weights that the fine-tuned model still carries: a tensor
    counts when one of the same shape (or the same after averaging the input channels of an
    inflated first convolution) points the same way (cosine >= 0.5). A fresh initialization
    gives a cosine near 0. The last layer (the digit head) is left out: a fine-tune replaces
    it."""
    after = [w for _, w in _weights(model)]
    total = carried = 0
    for _, w in before[:-1] if len(before) > 1 else before:
        total += w.numel()
        best = 0.0
        for a in after:
            if a.shape != w.shape and a.dim() == 4 and a.shape[0] == w.shape[0] \
                    and a.shape[2:] == w.shape[2:] and w.shape[1] == 1:
                a = a.mean(dim=1, keepdim=True)
            if a.shape == w.shape:
                best = max(best, float(torch.nn.functional.cosine_similarity(
                    a.flatten(), w.flatten(), dim=0)))
        if best >= 0.5:
            carried += w.numel()
    return carried / max(total, 1)


def _challenge(report, module, train_sub, test_sub, data_root) -> None:
    pre, start, acc = (_check(report, cid, required=False) for cid in
                       ("q2.pretrain", "q2.finetune_start", "q2.finetune_acc"))
    missing = [n for n in CHALLENGE if not callable(getattr(module, n, None))]
    if missing:
        for c in (pre, start, acc):
            c.skip(text(f"{', '.join(missing)}이(가) 없어서 건너뜀 (도전 과제)",
                        f"skipped: no {', '.join(missing)} (challenge)"))
        return
    mnist_train, mnist_test = mnist_splits(data_root, n_train=BUDGET["mnist_images"])
    try:
        torch.manual_seed(0)
        mnist_model = module.pretrain_mnist(mnist_train, BUDGET["epochs"])
        if not isinstance(mnist_model, torch.nn.Module):
            raise TypeError(f"pretrain_mnist returned {type(mnist_model).__name__}, not a model")
        mnist_acc = accuracy(mnist_model, mnist_test.x, mnist_test.labels)
    except Exception as exc:
        pre.fail("raised", text("MNIST 모델", "an MNIST model"), text(describe(exc), describe(exc)),
                 text("pretrain_mnist(train_set, epochs)는 학습한 모델을 돌려줘야 합니다.",
                      "pretrain_mnist(train_set, epochs) must return the trained model."))
        start.skip(text("MNIST 모델이 없어서 건너뜀", "skipped: no MNIST model"))
        acc.skip(text("MNIST 모델이 없어서 건너뜀", "skipped: no MNIST model"))
        return
    if mnist_acc >= 0.5:
        pre.ok(text(f"MNIST 테스트 정확도 {mnist_acc:.2%}", f"MNIST test accuracy {mnist_acc:.2%}"))
    else:
        pre.fail("untrained", text("MNIST 테스트 정확도 50% 이상 (우연은 10%)",
                                   "MNIST test accuracy of 50% or more (chance is 10%)"),
                 text(f"{mnist_acc:.2%}", f"{mnist_acc:.2%}"),
                 text("pretrain_mnist 안에서 받은 train_set으로 학습한 뒤 모델을 돌려주세요.",
                      "Train on the train_set pretrain_mnist is given, then return the model."))
    before = _weights(mnist_model)
    try:
        model, returned = _pair(module.finetune(mnist_model, train_sub, test_sub, 0,
                                                BUDGET["epochs"]), "finetune")
    except Exception as exc:
        start.fail("raised", text("(model, test_acc)", "(model, test_acc)"),
                   text(describe(exc), describe(exc)), text("오류가 난 줄을 고치세요.",
                                                            "Fix the line named above."))
        acc.skip(text("미세 조정이 끝나지 않아서 건너뜀", "skipped: the fine-tune did not finish"))
        return
    share = carried_share(before, model)
    if share >= CARRIED:
        start.ok(text(f"MNIST 가중치의 {share:.0%}를 이어받음",
                      f"{share:.0%} of the MNIST weights carried over"))
    else:
        start.fail("scratch", text(f"MNIST 모델 가중치의 {CARRIED:.0%} 이상을 이어받음",
                                   f"at least {CARRIED:.0%} of the MNIST model's weights carried "
                                   f"over"),
                   text(f"{share:.0%}", f"{share:.0%}"),
                   text("finetune은 받은 mnist_model에서 출발해야 합니다: 첫 합성곱을 3채널로 "
                        "늘리고 마지막 층만 새로 만든 뒤 학습하세요 (새 모델을 처음부터 만들면 "
                        "미세 조정이 아닙니다).",
                        "finetune must start from the mnist_model it is given: widen the first "
                        "convolution to 3 channels, replace only the last layer, then train (a "
                        "new model from scratch is not a fine-tune)."))
    measured = loader_accuracy(model, test_sub)
    if abs(measured - returned) <= TOLERANCE:
        acc.ok(text(f"돌려준 값 {returned:.2%}, 다시 잰 값 {measured:.2%}",
                    f"returned {returned:.2%}, measured again {measured:.2%}"))
    else:
        acc.fail("mismatch", text(f"{returned:.2%} ± {TOLERANCE:.1%}",
                                  f"{returned:.2%} ± {TOLERANCE:.1%}"),
                 text(f"{measured:.2%}", f"{measured:.2%}"),
                 text("test_acc는 돌려주는 모델로 test_set에서 잰 값이어야 합니다.",
                      "test_acc must be measured on test_set with the model you return."))
