"""The site builds strictly in both languages, offline, with working anchors and search."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .pages import ROOT, korean_pages

MKDOCS = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run(MKDOCS + ["-d", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "WARNING" not in r.stderr, r.stderr[-3000:]
    return out


def _html(site: Path, page: str, lang: str) -> str:
    slug = "" if page == "index" else f"{page}/"
    prefix = "" if lang == "ko" else "en/"
    return (site / prefix / slug / "index.html").read_text(encoding="utf-8")


def test_every_page_is_built_in_both_languages(site):
    for md in korean_pages():
        page = md.name[:-3]
        for lang in ("ko", "en"):
            html = _html(site, page, lang)
            assert f'<html lang="{lang}"' in html


def test_no_cdn_needed(site):
    """Scripts, styles and fonts all come from the site itself."""
    for html_file in site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link)[^>]+>", html):
            if "src=" in tag or 'rel="stylesheet"' in tag:
                assert not re.search(r"(src|href)=\"(https?:)?//", tag), (html_file, tag)


def test_math_is_marked_up_and_mathjax_is_local(site):
    html = _html(site, "ch01-what-is-ml", "ko")
    assert 'class="arithmatex"' in html
    src = re.search(r'<script src="([^"]*mathjax/startup\.js)"', html).group(1)
    mathjax = (site / "ch01-what-is-ml" / src).resolve().parent
    for part in ("startup.js", "core.js", "input/tex.js", "output/chtml.js"):
        assert (mathjax / part).exists(), part
    assert list((site / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_hangul_headings_get_anchors(site):
    html = _html(site, "ch01-what-is-ml", "ko")
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert ids and all(re.search(r"[가-힣]", i) for i in ids[:2]), ids
    for i in ids:
        assert f'href="#{i}"' in html  # the permalink and the toc point at it


def test_language_switcher_leads_to_the_twin(site):
    ko = _html(site, "ch01-what-is-ml", "ko")
    en = _html(site, "ch01-what-is-ml", "en")
    assert 'href="../en/ch01-what-is-ml/" hreflang="en"' in ko
    assert 'href="../../ch01-what-is-ml/" hreflang="ko"' in en


def _tokens(text: str, separator: str) -> list[str]:
    return [t for t in re.split(separator, text.lower()) if t]


def test_korean_words_are_found_by_search(site):
    """Material matches query terms as word prefixes: Korean words with particles attached
    (엔트로피를, 정의로) and words glued to parentheses must still start a token."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    sep = index["config"]["separator"]
    assert "ko" in index["config"]["lang"]
    assert _tokens("교차 엔트로피(cross-entropy)를", sep) == ["교차", "엔트로피", "cross", "entropy", "를"]
    docs = {d["location"]: d for d in index["docs"]}
    ch01 = [d for loc, d in docs.items() if loc.startswith("ch01-what-is-ml/")]
    words = set()
    for d in ch01:
        words |= set(_tokens(d["title"] + " " + d["text"], sep))
    for query in ("미첼", "목적함수", "교차", "엔트로피", "mitchell"):
        assert any(w.startswith(query) for w in words), query


NOTEBOOK_PAGES = {"index.md": "# 홈\n", "index.en.md": "# Home\n"}


def test_notebook_pages_render_in_both_languages(tmp_path):
    """mkdocs-jupyter + mkdocs-static-i18n (ultrabug/mkdocs-static-i18n#198): our hook makes a
    notebook render as a page in each language, with the switcher leading to its twin."""
    import nbformat

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in NOTEBOOK_PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    for suffix, title in (("", "노트북"), (".en", "Notebook")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n$x^2$"),
                    nbformat.v4.new_code_cell("print(6 * 7)")]
        nbformat.write(nb, docs / f"lab{suffix}.ipynb")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("custom_dir: docs/overrides", f"custom_dir: {ROOT / 'docs' / 'overrides'}")
    config = config.replace("gdsc_book/mkdocs_hooks.py", str(ROOT / "gdsc_book" / "mkdocs_hooks.py"))
    config = config.replace("module_name: gdsc_book/docs_macros",
                            f"module_name: {ROOT / 'gdsc_book' / 'docs_macros'}")
    config = re.sub(r"extra_css:\n(  - .*\n)+", "", config)
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text(config, encoding="utf-8")
    r = subprocess.run(MKDOCS + ["-f", str(cfg), "-d", str(tmp_path / "site")],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    for prefix, title in (("", "노트북"), ("en/", "Notebook")):
        html = (tmp_path / "site" / prefix / "lab" / "index.html").read_text(encoding="utf-8")
        assert '"cell_type"' not in html, "notebook was copied raw, not rendered"
        assert "jp-Cell" in html and f"<title>{title}" in html and "6 * 7" in html
    ko = (tmp_path / "site" / "lab" / "index.html").read_text(encoding="utf-8")
    assert 'href="../en/lab/" hreflang="en"' in ko


def test_the_site_builds_without_torch():
    """`nox -s docs` builds in an environment without torch (or numpy): what the MkDocs hooks
    and macros import, the calc macro's arithmetic included, must not reach them."""
    code = ("import sys, gdsc_book.mkdocs_hooks, gdsc_book.docs_macros, gdsc_book.exercises; "
            "print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "[]", r.stdout
