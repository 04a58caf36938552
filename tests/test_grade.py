"""`gdsc-book grade`: the book's reference solutions pass, broken ones fail with the right
message, bad input exits 2 without a traceback, and torchvision's CIFAR10 works offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import has_dataset
from .pages import DOCS_SRC, ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "quiz"
QUIZ1_REFERENCE = DOCS_SRC / "ch09-lab1-mnist" / "step2_train_model.py"
QUIZ2_REFERENCE = FIXTURES / "quiz2_reference.py"

mnist = pytest.mark.skipif(not has_dataset("mnist"), reason="needs MNIST")
cifar = pytest.mark.skipif(not (has_dataset("cifar10") and has_dataset("mnist")),
                           reason="needs CIFAR-10 and MNIST")


def _grade(quiz: str, path: Path):
    from gdsc_book.grading import grade, solution

    return grade(quiz, solution.load(path))


def _status(report) -> dict:
    return {c.id: (c.status, c.code) for c in report.checks}


def _cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "gdsc_book", "grade", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


# ---------------------------------------------------------------- Quiz 1


@mnist
@pytest.mark.slow
def test_quiz1_reference_passes_in_both_languages_and_as_json():
    """The Lab 1 page's own Step 2 code is the reference: every check passes."""
    r = _cli("quiz1", QUIZ1_REFERENCE, "--json", "--lang", "en")
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    report = json.loads(r.stdout)  # training logs went to stderr: stdout is pure JSON
    assert report["passed"] and report["lang"] == "en"
    assert {c["status"] for c in report["checks"]} == {"pass"}
    assert "epoch 2" in r.stderr  # the solution's own prints are kept, on stderr
    ids = [c["id"] for c in report["checks"]]
    assert {"q1.test_inside", "q1.every_epoch", "q1.weights_only", "q1.has_optimizer",
            "q1.reproduce", "q1.optimizer_reload"} <= set(ids)


@mnist
@pytest.mark.slow
def test_quiz1_reference_notebook_passes(tmp_path):
    """A notebook solution: code cells run in order, `%` and `!` lines are skipped."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Quiz 1"),
                nbformat.v4.new_code_cell("%pip install gdsc-book\n!nvidia-smi"),
                nbformat.v4.new_code_cell(QUIZ1_REFERENCE.read_text(encoding="utf-8"))]
    path = tmp_path / "quiz1.ipynb"
    nbformat.write(nb, path)
    report = _grade("quiz1", path)
    assert report.passed, report.render("en")


BROKEN_QUIZ1 = {
    # fixture: (the check that must fail, its failure code, words its English message must hold)
    "quiz1_outside.py": ("q1.test_inside", "outside", "outside train_model"),
    "quiz1_train_as_test.py": ("q1.test_inside", "train-as-test", "training data as test data"),
    "quiz1_no_optimizer.py": ("q1.has_optimizer", "missing-optimizer", "optimizer.state_dict()"),
    "quiz1_stale_accuracy.py": ("q1.reproduce", "mismatch", "before the weights changed"),
    "quiz1_whole_model.py": ("q1.weights_only", "unsafe", "not the objects themselves"),
}


@mnist
@pytest.mark.slow
@pytest.mark.parametrize("fixture", sorted(BROKEN_QUIZ1))
def test_broken_quiz1_fails_with_the_right_message(fixture):
    check_id, code, words = BROKEN_QUIZ1[fixture]
    report = _grade("quiz1", FIXTURES / fixture)
    assert not report.passed
    check = report.get(check_id)
    assert (check.status, check.code) == ("fail", code), report.render("en")
    assert words in check.hint["en"]
    for lang in ("ko", "en"):
        text = report.render(lang)
        assert check.expected[lang] in text and check.found[lang] in text
        assert check.hint[lang] in text
    assert "기대:" in report.render("ko") and "expected:" in report.render("en")
    # Nothing else is blamed where it is fine: a broken file fails only what it breaks.
    if fixture == "quiz1_no_optimizer.py":
        assert report.get("q1.reproduce").status == "pass"
        assert report.get("q1.test_inside").status == "pass"
    if fixture == "quiz1_whole_model.py":
        assert _status(report)["q1.every_epoch"] == ("fail", "once")


# ---------------------------------------------------------------- Quiz 2


@cifar
@pytest.mark.slow
def test_quiz2_reference_passes_with_the_challenge():
    r = _cli("quiz2", QUIZ2_REFERENCE, "--lang", "en")
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert "All required checks passed." in r.stdout
    for check in ("q2.cifar10", "q2.reads", "q2.seeds", "q2.run_acc", "q2.mean",
                  "q2.pretrain", "q2.finetune_start", "q2.finetune_acc"):
        line = next(ln for ln in r.stdout.splitlines() if ln.startswith(check + " "))
        assert line.split()[-1] == "pass", line
    assert "Traceback" not in r.stderr


@cifar
@pytest.mark.slow
def test_quiz2_one_seed_for_five_runs_fails():
    report = _grade("quiz2", FIXTURES / "quiz2_one_seed.py")
    assert _status(report)["q2.seeds"] == ("fail", "same-seed")
    assert "[0, 0, 0, 0, 0]" in report.get("q2.seeds").found["en"]
    assert _status(report)["q2.cifar10"] == ("pass", "")
    assert not report.passed


@cifar
@pytest.mark.slow
def test_quiz2_without_torchvision_cifar10_fails():
    r = _cli("quiz2", FIXTURES / "quiz2_no_cifar10.py", "--json", "--lang", "ko")
    assert r.returncode == 1, r.stderr[-2000:]
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["q2.cifar10"]["code"] == "not-cifar10"
    assert "TensorDataset" in checks["q2.cifar10"]["found"]
    assert "torchvision.datasets.CIFAR10" in checks["q2.cifar10"]["hint"]
    assert checks["q2.mean"]["code"] == "not-mean"  # it reports the best run as the "mean"


@cifar
@pytest.mark.slow
def test_quiz2_finetune_from_scratch_fails_the_challenge_only():
    report = _grade("quiz2", FIXTURES / "quiz2_scratch_finetune.py")
    assert _status(report)["q2.finetune_start"] == ("fail", "scratch")
    assert not report.get("q2.finetune_start").required
    assert report.passed  # the challenge is not required: the exit code stays 0


@cifar
def test_torchvision_cifar10_reads_the_offline_copy(tmp_path, monkeypatch):
    """The JPEG copy in torchvision's own layout: CIFAR10(root) works inside
    accept_cifar10_copy, with every class in any slice, and is refused outside it."""
    from torchvision.datasets import CIFAR10

    from gdsc_book import data

    # No copy in the cache, as on a student's first run: it is written, not found. The decoded
    # images stay where they are (decoding 60,000 JPEGs again is not what this checks).
    tensors = data.cache_dir() / "tensors"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if tensors.is_dir():
        data.cache_dir().mkdir(parents=True)
        (data.cache_dir() / "tensors").symlink_to(tensors)
    root = data.torchvision_cifar10_root()
    assert tmp_path in root.parents
    assert data.torchvision_cifar10_root() == root  # written once, then reused
    with data.accept_cifar10_copy(root):
        test = CIFAR10(str(root), train=False, download=True)  # "already downloaded"
    assert len(test) == 10_000 and test.data.shape == (10_000, 32, 32, 3)
    assert test.classes == data.CIFAR10_CLASSES
    assert len(set(test.targets[:200])) == 10  # shuffled like the original batches
    ref = data.load("cifar10", train=False)
    assert sorted(test.targets) == sorted(ref.labels.tolist())
    with pytest.raises(RuntimeError, match="corrupted"):
        CIFAR10(str(root), train=False)  # outside: torchvision's own MD5 check refuses it


# ---------------------------------------------------------------- bad input: exit 2


def test_bad_input_exits_2_without_a_traceback(tmp_path):
    (tmp_path / "syntax.py").write_text("def train_model(model optimizer):\n    pass\n")
    (tmp_path / "raises.py").write_text("import no_such_module_here\n")
    (tmp_path / "notes.txt").write_text("hello")
    cases = {
        tmp_path / "absent.py": "does not exist",
        tmp_path / "syntax.py": "line 1: syntax error",
        tmp_path / "raises.py": "ModuleNotFoundError",
        tmp_path / "notes.txt": ".py file or a .ipynb",
        FIXTURES / "missing_function.py": "does not define build_model, build_optimizer",
    }
    for path, words in cases.items():
        r = _cli("quiz1", path)
        assert r.returncode == 2, (path, r.stdout, r.stderr)
        assert words in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = _cli("quiz3", QUIZ1_REFERENCE)
    assert r.returncode == 2 and "invalid choice" in r.stderr


# ---------------------------------------------------------------- the contract on the pages

CONTRACT = {  # page: (quiz module, Korean heading, English heading)
    "ch09-lab1-mnist": ("quiz1", "## Quiz 1 채점기", "## The Quiz 1 grader"),
    "ch10-lab2-cifar10": ("quiz2", "## Quiz 2 채점기", "## The Quiz 2 grader"),
}


@pytest.mark.parametrize("page", sorted(CONTRACT))
def test_lab_pages_state_the_graders_contract_and_budget(page):
    """What the grader calls and at what budget is what the page says, in both languages."""
    import importlib

    from .pages import DOCS

    quiz, ko, en = CONTRACT[page]
    module = importlib.import_module(f"gdsc_book.grading.{quiz}")
    for path, heading, epochs, tol in (
            (DOCS / f"{page}.md", ko, "{n}에폭", "{p}%p"),
            (DOCS / f"{page}.en.md", en, "{n} epoch", "{p} percentage points")):
        text = path.read_text(encoding="utf-8")
        assert heading in text, path.name
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for name in module.FUNCTIONS + getattr(module, "CHALLENGE", []):
            assert f"`{name}(" in section, (path.name, name)
        b = module.BUDGET
        # Either typed, or quoted from the grader itself with the grader(...) macro.
        for key in ("train_images", "test_images", "mnist_images"):
            if key in b:
                assert f"{b[key]:,}" in section or \
                    f'grader("{quiz}", "BUDGET.{key}", ",")' in section, (path.name, key)
        macro = f'{{{{ grader("{quiz}", "BUDGET.epochs") }}}}'
        assert epochs.format(n=b["epochs"]) in section or \
            epochs.format(n=macro) in section, path.name
        assert tol.format(p=f"{module.TOLERANCE * 100:.1f}") in section or \
            f'grader("{quiz}", "TOLERANCE"' in section, path.name
        assert f"gdsc-book grade {quiz} " in section


def test_summary_counts_what_the_table_shows():
    """The last line counts the FAIL rows of the table; required checks skipped because an
    earlier one failed are said to be skipped, not failed (and --json counts them apart)."""
    from gdsc_book.grading.report import Check, Report, text

    report = Report("quiz1", "quiz1.py", {"epochs": 2})
    why = text("왜", "why")
    report.add(Check("a", text("가", "a"))).ok()
    for cid in ("b", "c"):
        report.add(Check(cid, text(cid, cid))).fail("x", why, why, why)
    for cid in ("d", "e", "f"):
        report.add(Check(cid, text(cid, cid))).skip(why)
    report.add(Check("g", text("g", "g"), required=False)).fail("x", why, why, why)
    en, ko = report.render("en"), report.render("ko")
    assert en.count("  FAIL") == 3 and en.count("required   FAIL") == 2
    assert en.splitlines()[-1] == "2 required check(s) failed. 3 more were skipped because of them."
    assert ko.splitlines()[-1] == "필수 검사 2개가 실패했습니다. 3개는 앞의 검사가 실패해서 건너뛰었습니다."
    data = json.loads(report.to_json("en"))
    assert data["required"] == {"pass": 1, "fail": 2, "skip": 3} and not data["passed"]
    assert data["summary"] == en.splitlines()[-1]
