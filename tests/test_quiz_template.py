"""The quiz repository template: its workflow passes actionlint, and its grading step, run as
written, fails the files as handed out (with hints, no crash) and passes the book's answers."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import has_dataset
from .pages import DOCS_SRC, ROOT
from .test_workflow import _lint

TEMPLATE = ROOT / "templates" / "quiz"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "grade.yml"
FIXTURES = Path(__file__).parent / "fixtures" / "quiz"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_template_workflow_passes_actionlint():
    r = _lint(WORKFLOW)
    assert r.returncode == 0, r.stdout + r.stderr


def test_template_workflow_grades_both_quizzes_on_push():
    wf = _workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "push" in on
    steps = wf["jobs"]["grade"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'gdsc-book @ git+https://github.com/gdsc-ku/gdsc-book' in runs
    assert "gdsc-book data download mnist cifar10" in runs
    grade = next(s for s in steps if s.get("name") == "Grade")
    assert "for quiz in quiz1 quiz2" in grade["run"] and "gdsc-book grade" in grade["run"]


def test_template_files_are_the_pages_handouts():
    """The Lab 2 page shows the template's quiz2.py itself (mkdocs.yml's snippet base
    `templates`): one hand-out, not two."""
    for page in ("ch10-lab2-cifar10.md", "ch10-lab2-cifar10.en.md"):
        assert '--8<-- "quiz/quiz2.py"' in (ROOT / "docs" / page).read_text(encoding="utf-8")
    from gdsc_book.notebooks import load_site

    assert load_site(ROOT).snippet_file("quiz/quiz2.py") == TEMPLATE / "quiz2.py"
    handout = (TEMPLATE / "quiz2.py").read_text(encoding="utf-8")
    copies = [p for p in DOCS_SRC.rglob("*.py") if p.read_text(encoding="utf-8") == handout]
    assert not copies, copies
    for readme, other in (("README.md", "README.en.md"), ("README.en.md", "README.md")):
        text = (TEMPLATE / readme).read_text(encoding="utf-8")
        assert f"]({other})" in text
        assert "gdsc-book grade quiz1 quiz1.py" in text and "gdsc-book grade quiz2 quiz2.py" in text
    assert "한국어" in (TEMPLATE / "README.en.md").read_text(encoding="utf-8")


def _run_grade_step(repo: Path) -> subprocess.CompletedProcess:
    """The workflow's Grade step, as written, with `gdsc-book` meaning this checkout."""
    grade = next(s for s in _workflow()["jobs"]["grade"]["steps"] if s.get("name") == "Grade")
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "gdsc-book"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gdsc_book "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT), **_workflow()["jobs"]["grade"]["env"])
    return subprocess.run(["bash", "-e", "-c", grade["run"]], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1800)


needs_data = pytest.mark.skipif(not (has_dataset("mnist") and has_dataset("cifar10")),
                                reason="needs MNIST and CIFAR-10")


@needs_data
@pytest.mark.slow
def test_grade_step_fails_the_handout_with_hints(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(TEMPLATE, repo)
    r = _run_grade_step(repo)
    assert r.returncode == 1, r.stdout + r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert r.stdout.count("필수 검사") == 2  # both reports, in the workflow's language
    assert "NotImplementedError: build the model" in r.stdout
    assert "NotImplementedError: load CIFAR-10 with torchvision.datasets.CIFAR10" in r.stdout
    assert r.stdout.count("힌트:") >= 2


@needs_data
@pytest.mark.slow
def test_grade_step_passes_the_books_answers(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(TEMPLATE, repo)
    shutil.copy(DOCS_SRC / "ch09-lab1-mnist" / "step2_train_model.py", repo / "quiz1.py")
    (repo / "quiz2.py").unlink()
    import nbformat

    nb = nbformat.v4.new_notebook()  # a notebook answer: graded when there is no quiz2.py
    nb.cells = [nbformat.v4.new_code_cell((FIXTURES / "quiz2_reference.py").read_text())]
    nbformat.write(nb, repo / "quiz2.ipynb")
    r = _run_grade_step(repo)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert r.stdout.count("필수 검사를 모두 통과했습니다.") == 2
