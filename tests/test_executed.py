"""Executed lab notebooks: committed with their outputs, current with the pages' code, labelled
with when, where and at what budget they ran, free of machine paths, and pages of the site."""

from __future__ import annotations

import re

import nbformat
import pytest

from gdsc_book import executed, notebooks

from .pages import ROOT
from .test_notebooks import book  # noqa: F401  (the small book fixture)

SITE = notebooks.load_site(ROOT)
LABS = executed.EXECUTED


def _read(slug: str, lang: str):
    path = executed.executed_path(SITE, slug, lang)
    if not path.exists():
        pytest.fail(f"{path.name} missing: run `gdsc-book notebooks --execute {slug}`")
    return nbformat.read(path, as_version=4)


def _outputs(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", "") + "".join(v for k, v in o.get("data", {}).items()
                                                   if k == "text/plain"))
    return "".join(parts)


@pytest.mark.parametrize("slug", LABS)
@pytest.mark.parametrize("lang", notebooks.LANGS)
def test_executed_notebook_is_current_and_complete(slug, lang):
    assert executed.refresh(SITE, slug, lang, check=True) == "current", (
        f"run `gdsc-book notebooks` (prose) or `gdsc-book notebooks --execute {slug}` (code)")
    nb = _read(slug, lang)
    nbformat.validate(nb)
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in codes), "a cell did not run"
    assert not [o for c in codes for o in c.outputs if o.output_type == "error"]
    printing = [c for c in codes if "print(" in c.source or "check_notebook(" in c.source]
    assert printing and all(c.outputs for c in printing), "a cell that prints printed nothing"
    raw = executed.executed_path(SITE, slug, lang).read_text(encoding="utf-8")
    assert not re.search(r"/(work|root|home|tmp)/", raw), "a machine path in the outputs"


@pytest.mark.parametrize("lang", notebooks.LANGS)
def test_executed_notebooks_are_labelled_with_their_budget(lang):
    for slug in LABS:
        title = _read(slug, lang).cells[0].source
        assert ("(실행된 노트북)" if lang == "ko" else "(executed notebook)") in title
        assert f"](../../{slug}/)" in title  # back to the lab page
        info = _read(slug, lang).metadata["gdsc_book"]["executed"]
        assert info["date"] in title and f"{info['seconds']}" in title
    lab1 = _read("ch09-lab1-mnist", lang).cells[0].source
    assert "subset 10,000, epochs 2" in lab1  # Step 2 and Step 3 run at this budget


def test_check_cells_pass_the_reference_and_fail_the_handout():
    """Lab 1's check cell grades the page's own Step 2 (passes); Lab 2's grades the hand-out
    skeleton as it is (fails with hints, and the notebook runs on)."""
    for lang, ok, fail, hint in (("ko", "필수 검사를 모두 통과했습니다.", "필수 검사 1개가 실패했습니다. 5개는 앞의 검사가 실패해서 건너뛰었습니다.",
                                  "힌트:"),
                                 ("en", "All required checks passed.", "1 required check(s) failed. 5 more were skipped because of them.",
                                  "hint:")):
        lab1 = [_outputs(c) for c in _read("ch09-lab1-mnist", lang).cells
                if c.cell_type == "code" and "check_notebook(\"quiz1\"" in c.source]
        assert len(lab1) == 1 and ok in lab1[0], lab1
        lab2 = [_outputs(c) for c in _read("ch10-lab2-cifar10", lang).cells
                if c.cell_type == "code" and "check_notebook(\"quiz2\"" in c.source]
        assert len(lab2) == 1 and fail in lab2[0] and hint in lab2[0], lab2
        assert "NotImplementedError: load CIFAR-10 with torchvision.datasets.CIFAR10" in lab2[0]


def test_lab_pages_link_their_executed_notebook():
    for slug in LABS:
        for lang in notebooks.LANGS:
            text = notebooks.page_path(SITE, slug, lang).read_text(encoding="utf-8")
            assert f"](executed/{slug}.ipynb)" in text, (slug, lang)


@pytest.mark.slow
def test_execute_labels_scrubs_and_refreshes(book, monkeypatch):  # noqa: F811
    """On the small book (cheap): execute, then prose edits refresh, code edits go stale."""
    monkeypatch.setattr(executed, "EXECUTED", ("ch09-test",))
    site = notebooks.load_site(book)
    (book / "docs_src" / "ch09-test" / "hello.py").write_text(
        "from pathlib import Path\n\nprint(6 * 7, Path.cwd())\nepochs = 3\n"
        "print(list(range(5000))[-1:])  # .subset(5_000)\n")
    nb = executed.execute(site, "ch09-test", "en")
    path = executed.save(site, "ch09-test", "en", nb)
    title = nb.cells[0].source
    assert title.startswith("# 9. Test chapter (executed notebook)")
    assert "- cell 2: subset 5,000" in title and "took" in title
    out = _outputs(nb.cells[3])
    assert out.startswith("42 .") and "/tmp" not in out  # the scratch folder is scrubbed
    assert executed.refresh(site, "ch09-test", "en") == "current"
    page = book / "docs" / "ch09-test.en.md"
    page.write_text(page.read_text().replace("## 첫 절", "## 새 절"), encoding="utf-8")
    assert executed.refresh(site, "ch09-test", "en") == "refreshed"
    again = nbformat.read(path, as_version=4)
    assert "## 새 절" in again.cells[2].source and _outputs(again.cells[3]) == out
    (book / "docs_src" / "ch09-test" / "hello.py").write_text("print(7)\n")
    assert executed.refresh(site, "ch09-test", "en") == "stale"
    assert executed.refresh(site, "ch09-test", "ko") == "missing"


@pytest.mark.parametrize("lang", notebooks.LANGS)
def test_executed_notebooks_are_site_pages_linked_from_the_labs(lang):
    """mkdocs-jupyter renders them (cells and outputs, not raw JSON), in each language, and the
    lab page's link lands on the executed page of its own language."""
    from urllib.parse import urljoin

    from .site_build import built_site, page_url

    site = built_site()
    passed = {"ko": "필수 검사를 모두 통과했습니다.", "en": "All required checks passed."}[lang]
    for slug in LABS:
        target = page_url(f"executed/{slug}", lang)
        html = (site / target / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html and '"cell_type"' not in html
        assert "jp-OutputArea" in html and "jp-Cell" in html
        assert ("(실행된 노트북)" if lang == "ko" else "(executed notebook)") in html
        if slug == "ch09-lab1-mnist":
            assert passed in html  # the check cell's report, as it ran
        lab = page_url(slug, lang)
        lab_html = (site / lab / "index.html").read_text(encoding="utf-8")
        word = "실행된 노트북" if lang == "ko" else "executed notebook"
        hrefs = re.findall(rf'<a href="([^"]*executed/[^"]*)">{word}</a>', lab_html)
        assert [urljoin("/" + lab, h) for h in hrefs] == ["/" + target], hrefs  # in the text


@pytest.mark.slow
def test_check_cells_on_the_handout_and_on_the_answers(capsys):
    """The check cells' other two cases: Lab 1's cell on the hand-out (the template's stubs)
    fails with hints and does not raise; Lab 2's cell on the reference answers passes."""
    import runpy

    from gdsc_book.grading import check_notebook

    handout = runpy.run_path(str(ROOT / "templates" / "quiz" / "quiz1.py"), run_name="nb")
    assert check_notebook("quiz1", handout, lang="en") is False
    out = capsys.readouterr().out
    assert "NotImplementedError: build the model" in out and "hint:" in out
    answers = runpy.run_path(str(ROOT / "tests" / "fixtures" / "quiz" / "quiz2_reference.py"),
                             run_name="nb")
    assert check_notebook("quiz2", answers, lang="en") is True
    assert "All required checks passed." in capsys.readouterr().out
