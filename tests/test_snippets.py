"""Every code block on a page is a file under docs_src/, and every such file runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .pages import DOCS, DOCS_SRC, ROOT, korean_pages, structure, twin

SNIPPETS = sorted(p.relative_to(DOCS_SRC).as_posix() for p in DOCS_SRC.rglob("*.py"))
TEMPLATES = ROOT / "templates"  # mkdocs.yml's second snippet base: the quiz hand-outs, run by
# tests/test_quiz_template.py


def test_every_snippet_is_shown_on_a_page():
    shown = set()
    for page in korean_pages():
        shown |= set(structure(page).snippets) | set(structure(twin(page)).snippets)
    library = {s for s in shown if s.startswith("gdsc_book/")}  # sections of the library
    shown -= library
    assert sorted(set(SNIPPETS) - shown) == [], "snippets no page includes"
    missing = [s for s in shown - set(SNIPPETS) if not (TEMPLATES / s).is_file()]
    assert sorted(missing) == [], "pages include missing snippets"
    for spec in library:  # the library's own code, shown by section: the markers must be there
        path, _, section = spec.partition(":")
        text = (ROOT / path).read_text(encoding="utf-8")
        assert section and f"--8<-- [start:{section}]" in text, spec
        assert f"--8<-- [end:{section}]" in text, spec


EXERCISES = ("## 연습 문제", "## Exercises")


def test_pages_have_no_untested_python_blocks():
    """A python block on a page must be an include, not inline code; exercise answers are the
    exception, and tests/test_exercises.py says which of them it runs."""
    for page in list(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        end = next((i for i, ln in enumerate(lines) if ln.strip() in EXERCISES), len(lines))
        for i, line in enumerate(lines[:end]):
            if line.strip().startswith("```python") or line.strip().startswith("```py"):
                assert lines[i + 1].strip().startswith("--8<--"), f"{page.name}:{i + 1}"


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_snippet_runs(snippet, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, str(DOCS_SRC / snippet)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
