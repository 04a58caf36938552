"""The built site has no broken link, image or anchor, in either language, and every chapter
says what it was verified with and where its notebook is.

A small checker over ``site/`` (no network): every ``href``/``src`` of every page must resolve
to a built file, and every ``#anchor`` to an ``id`` in its target page. External links are
not fetched; the Colab links are checked against the notebooks they open.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from gdsc_book import notebooks, print_edition

from .pages import DOCS, NUM, ROOT
from .site_build import LANGS, built_site, page_slugs, page_url

BASE_PATH = urlsplit(notebooks.load_site(ROOT).site_url).path or "/"
# The home pages link the print edition, which `gdsc-book pdf` prints from the built site and
# puts at its root only then (tests/test_pdf.py checks those links against the PDFs it built).
PRINT_EDITION = {print_edition.pdf_name(lang) for lang in LANGS}
FIGURE_NAME = re.compile(r"""figure\(\s*["']([^"']+)["']""")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, url)
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None and tag in ("a", "link", "script", "img", "source", "iframe"):
                self.links.append((f"<{tag} {key}>", a[key]))

    def handle_data(self, data):
        self.text.append(data)


_parsed: dict[Path, _Page] = {}


def parse(path: Path) -> _Page:
    if path not in _parsed:
        p = _Page()
        p.feed(path.read_text(encoding="utf-8"))
        _parsed[path] = p
    return _parsed[path]


def resolve(site: Path, page: Path, url: str) -> tuple[Path | None, str]:
    """The file a URL on ``page`` points at (None: outside the site) and its anchor.

    The site is published under ``site_url``'s path (``/gdsc-book/``), so a root-relative URL
    (the language switcher of the home pages uses them) must start with that path.
    """
    base_path = BASE_PATH
    base = base_path + page.relative_to(site).as_posix()
    path = urlsplit(urljoin(base, url)).path
    if not path.startswith(base_path):
        return None, ""
    parts = urlsplit(urljoin(base, url))
    target = site / unquote(path[len(base_path):])
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    inside = target.resolve().is_relative_to(site.resolve())
    return (target if inside else None), unquote(parts.fragment)


def broken_links(site: Path) -> tuple[list[str], int]:
    broken, checked = [], 0
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        for what, url in parse(page).links:
            scheme = urlsplit(url).scheme
            if scheme or url.startswith("//") or url in ("", "#"):
                continue  # external (not fetched offline), or a no-op
            checked += 1
            target, anchor = resolve(site, page, url)
            where = f"{page.relative_to(site)}: {what} {url}"
            if (target is not None and not target.exists() and target.parent == site
                    and target.name in PRINT_EDITION):
                continue
            if target is None or not target.is_file():
                broken.append(f"{where} -> missing {target}")
            elif anchor and target.suffix == ".html" and anchor not in parse(target).ids:
                broken.append(f"{where} -> no id '{anchor}'")
    return broken, checked


def test_site_has_no_broken_links_images_or_anchors():
    site = built_site()
    broken, checked = broken_links(site)
    assert not broken, f"{len(broken)} broken of {checked}:\n" + "\n".join(broken[:40])
    for lang in LANGS:  # both languages were really crawled
        assert (site / page_url("index", lang) / "index.html").is_file()
    assert checked > 50


def test_the_checker_finds_broken_links(tmp_path):
    """A missing page, a missing image and a missing anchor are each reported."""
    site = tmp_path / "site"
    (site / "en" / "a").mkdir(parents=True)
    (site / "en" / "index.html").write_text("home", encoding="utf-8")
    (site / "en" / "a" / "index.html").write_text(
        '<h2 id="ok">x</h2><a href="#ok">fine</a><a href="#gone">1</a><img src="../fig.svg">'
        '<a href="../b/">2</a><a href="https://example.org/">external</a>'
        '<a href="/gdsc-book/en/">root-relative</a><a href="/elsewhere/">3</a>', encoding="utf-8")
    broken, checked = broken_links(site)
    assert checked == 6 and len(broken) == 4, broken
    assert any("#gone" in b for b in broken) and any("fig.svg" in b for b in broken)


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_searches_its_own_pages(lang):
    """Korean keeps search/, English has en/search/: every entry of a language's index leads to
    a real page (and anchor) of that language, and every page of it is in the index."""
    site = built_site()
    root = site if lang == "ko" else site / lang
    index = json.loads((root / "search" / "search_index.json").read_text(encoding="utf-8"))
    bad, pages = [], set()
    for doc in index["docs"]:
        target, anchor = resolve(site, root / "index.html", doc["location"])
        if target is None or not target.is_file():
            bad.append(doc["location"])
            continue
        if anchor and anchor not in parse(target).ids:
            bad.append(doc["location"])
        shown = re.search(r'<html lang="([^"]+)"', target.read_text(encoding="utf-8")).group(1)
        if shown != lang:
            bad.append(f"{doc['location']} is {shown}")
        pages.add(target)
        if re.search(r"\\[(\[]|\\frac|\\math", doc["text"] + doc["title"]):
            bad.append(f"{doc['location']}: raw TeX in the index")
    assert not bad, bad[:20]
    assert {root / page_url(s, "ko") / "index.html" for s in page_slugs()} <= pages


def _records_used(md: Path) -> set[str]:
    text = md.read_text(encoding="utf-8")
    return {name for name, _ in NUM.findall(text)} | set(FIGURE_NAME.findall(text))


def _page_sources(slug: str, lang: str) -> Path:
    return DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.{lang}.md")


@pytest.mark.parametrize("lang", LANGS)
def test_pages_with_figures_say_what_they_were_verified_with(lang):
    """Each page that shows records ends with the torch/torchvision versions and date of them."""
    site = built_site()
    seen = 0
    for slug in page_slugs():
        names = _records_used(_page_sources(slug, lang))
        if not names:
            continue
        seen += 1
        recs = [json.loads((DOCS / "results" / f"{n}.json").read_text()) for n in sorted(names)]
        text = " ".join(parse(site / page_url(slug, lang) / "index.html").text)
        text = re.sub(r"\s+", " ", text)
        for r in recs:
            assert f"torch {r['versions']['torch']}" in text, (slug, lang)
            assert r["versions"]["torchvision"] in text, (slug, lang)
        latest = max(r["date"] for r in recs)
        assert latest in text, (slug, lang, latest)
        # Said in the page's own language.
        marker = "만들었습니다" if lang == "ko" else "were produced by"
        assert marker in text, (slug, lang)
    assert seen, "no page uses figure records"


@pytest.mark.parametrize("lang", LANGS)
def test_every_chapter_links_its_notebook_and_colab(lang):
    site = built_site()
    book = notebooks.load_site(ROOT)
    slugs = notebooks.chapter_slugs(book)
    assert slugs
    labels = {"ko": ("Colab에서 열기", "노트북 내려받기"), "en": ("Open in Colab", "Download notebook")}
    for slug in slugs:
        page = site / page_url(slug, lang) / "index.html"
        html = page.read_text(encoding="utf-8")
        name = notebooks.notebook_name(slug, lang)
        colab = re.search(r'href="(https://colab\.research\.google\.com/github/[^"]+)"', html)
        assert colab, (slug, lang)
        assert colab.group(1).endswith(f"/blob/{book.branch}/notebooks/{name}")
        assert (ROOT / "notebooks" / name).is_file()  # what Colab opens is in the repository
        download = re.search(rf'href="([^"]*notebooks/{re.escape(name)})" download', html)
        assert download, (slug, lang)
        target, _ = resolve(site, page, download.group(1))
        assert target is not None and target.is_file()
        assert json.loads(target.read_text(encoding="utf-8"))["nbformat"] == 4
        for label in labels[lang]:
            assert label in html, (slug, lang, label)
    # The home page is not a chapter: no notebook links there.
    assert "colab.research.google.com" not in (site / page_url("index", lang) / "index.html").read_text()
