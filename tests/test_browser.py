"""The built site in a real headless Chromium: what a reader sees, in both languages.

Debian's ``chromium`` driven by Playwright (its driver ships in the wheel; no browser download).
The site is served from 127.0.0.1 under the same path as on GitHub Pages (``/gdsc-book/``) and
every request elsewhere is blocked, so the pages must work offline. Skipped when Chromium or
Playwright is missing; CI installs both.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gdsc_book import notebooks

from .pages import DOCS, ROOT
from .site_build import LANGS, built_site, page_slugs, page_url

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
CHROMIUM = os.environ.get("GDSC_BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no chromium (apt-get install chromium)")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = notebooks.load_site(ROOT).repo
GITHUB_FACTS = {f"/repos/{REPO}": {"stargazers_count": 0, "forks_count": 0},
                f"/repos/{REPO}/releases/latest": {"tag_name": "v0.1.0"}}
BASE_PATH = urlsplit(notebooks.load_site(ROOT).site_url).path or "/"
CHAPTERS = notebooks.chapter_slugs(notebooks.load_site(ROOT))
CHAPTER = "ch01-what-is-ml" if "ch01-what-is-ml" in CHAPTERS else (CHAPTERS or ["index"])[0]

# Korean queries a reader would type, and the page that must come up. Each counts only once its
# chapter is written (the word is on the page); particles are attached in the text (미첼의).
SEARCHES = [
    ("미첼", "ch01-what-is-ml"),
    ("목적함수", "ch01-what-is-ml"),
    ("집값", "ch02-regression"),
    ("소프트맥스", "ch03-classification"),
    ("퍼셉트론", "ch04-nonlinear"),
    ("보편 근사", "ch05-universal-approximation"),
    ("가중치 감쇠", "ch06-generalization"),
    ("이중 하강", "ch07-double-descent"),
    ("로빈스", "ch08-sgd"),
    ("체크포인트", "ch09-lab1-mnist"),
    ("파운데이션", "ch11-what-next"),
]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves ``site/`` at BASE_PATH, as GitHub Pages does; anything else is a 404."""

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(BASE_PATH):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(BASE_PATH):])

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server():
    site = built_site()
    handler = functools.partial(_Handler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{BASE_PATH}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page that records everything a reader's console would show as a problem."""

    def __init__(self, browser, base: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        local = urlsplit(base).netloc

        def route(r):
            url = urlsplit(r.request.url)
            if url.netloc == local:
                r.continue_()
            elif url.netloc == "api.github.com" and url.path in GITHUB_FACTS:
                # Material asks GitHub for the repository's stars and release: answer offline.
                r.fulfill(json=GITHUB_FACTS[url.path])
            else:
                self.problems.append(f"request outside the site: {r.request.url}")
                r.abort()

        self.page.route("**/*", route)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # Leaving a page cancels what it still loads (net::ERR_ABORTED): not a reader's problem.
        self.page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                     and self.problems.append(f"failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.url}"))

    def open(self, slug: str, lang: str):
        resp = self.page.goto(self.base + page_url(slug, lang), wait_until="load")
        assert resp is not None and resp.status == 200
        self.wait_for_math()
        return self.page

    def wait_for_math(self):
        self.page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        self.page.evaluate("() => MathJax.startup.promise")

    def close(self):
        self.context.close()


@pytest.fixture
def tab(browser, server):
    t = Tab(browser, server)
    yield t
    t.close()


def _h1(slug: str, lang: str) -> str:
    """The page's title as written in its Markdown source, without inline markup."""
    src = DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.{lang}.md")
    title = re.search(r"^# (.+)$", src.read_text(encoding="utf-8"), re.M).group(1)
    return re.sub(r"[*`]|\s*\{[^}]*\}\s*$", "", title).strip()


def _shown_h1(page) -> str:
    return page.inner_text("article h1").replace("\u00b6", "").strip()  # minus the permalink


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", page_slugs())
def test_page_renders_typeset_and_quiet(tab, slug, lang):
    """Title, images and math all render; the console stays clean (no errors, no 404s)."""
    page = tab.open(slug, lang)
    assert page.get_attribute("html", "lang") == lang
    assert _shown_h1(page) == _h1(slug, lang)
    broken = page.evaluate("""() => [...document.querySelectorAll('article img')]
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert not broken
    math = page.evaluate("""() => [...document.querySelectorAll('article .arithmatex')].map(
        e => [!!e.querySelector('mjx-container'),
              // TeX errors, and undefined macros (MathJax shows those in red)
              !!e.querySelector('mjx-merror, [style*="color: red"]'), e.textContent])""")
    untypeset = [t for ok, _, t in math if not ok]
    errors = [t for _, err, t in math if err]
    assert not untypeset and not errors, (untypeset[:3], errors[:3])
    if slug == CHAPTER and slug != "index":
        assert len(math) >= 3  # the chapter really has math, and all of it was typeset
    assert not tab.problems, tab.problems


@pytest.mark.parametrize("slug", sorted({"index", CHAPTER}))
def test_language_switcher_leads_to_the_twin(tab, slug):
    for lang, other in (("ko", "en"), ("en", "ko")):
        page = tab.open(slug, lang)
        page.hover(".md-header__option .md-select")
        page.click(f'.md-select__link[hreflang="{other}"]')
        page.wait_for_load_state("load")
        assert page.url == tab.base + page_url(slug, other)
        assert page.get_attribute("html", "lang") == other
        assert _shown_h1(page) == _h1(slug, other)
    assert not tab.problems, tab.problems


def _search(page, query: str) -> list[str]:
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(query, delay=20)
    # Hangul arrives as composed text, without the key events Material searches on; a reader's
    # IME sends them, so we end with a real key press.
    box.press("End")
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    page.wait_for_timeout(300)  # the worker answers the last keystroke
    return page.eval_on_selector_all(".md-search-result__item > a.md-search-result__link",
                                     "els => els.map(a => a.href)")


def _searches() -> list[tuple[str, str]]:
    found = []
    for query, slug in SEARCHES:
        src = DOCS / f"{slug}.md"
        if src.exists() and query in src.read_text(encoding="utf-8"):
            found.append((query, slug))
    return found


def test_korean_search_finds_the_right_page(tab):
    cases = _searches()
    assert cases, "no search case applies: the book has no chapter 1?"
    page = tab.open("index", "ko")
    for query, slug in cases:
        hits = _search(page, query)
        top = [urlsplit(h).path for h in hits[:3]]
        want = BASE_PATH + page_url(slug, "ko")
        assert want in top, (query, top)
        assert not any("/en/" in t for t in top), (query, top)  # Korean pages for Korean queries
        page.keyboard.press("Escape")
    assert not tab.problems, tab.problems


def test_english_search_stays_in_english(tab):
    page = tab.open("index", "en")
    hits = _search(page, "Mitchell" if CHAPTER == "ch01-what-is-ml" else _h1(CHAPTER, "en"))
    top = [urlsplit(h).path for h in hits[:3]]
    assert BASE_PATH + page_url(CHAPTER, "en") in top, top


def _figure_pages() -> list[str]:
    figure = re.compile(r"\{\{\s*figure\(")
    return [s for s in page_slugs() if figure.search((DOCS / f"{s}.md").read_text("utf-8"))]


@pytest.mark.parametrize("lang", LANGS)
def test_figures_stay_readable_in_dark_mode(browser, server, lang):
    """With the reader's system in dark mode the site turns slate, and every figure still sits
    on a light card with dark ink on it (not dark lines on a dark page)."""
    slugs = _figure_pages()
    assert slugs, "no page with figures"
    _check_dark_figures(browser, server, lang, slugs[:1])


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_stays_readable_in_dark_mode(browser, server, lang):
    _check_dark_figures(browser, server, lang, _figure_pages()[1:])


def _check_dark_figures(browser, server, lang: str, slugs: list[str]) -> None:
    from PIL import Image

    t = Tab(browser, server, color_scheme="dark")
    try:
        for slug in slugs:
            page = t.open(slug, lang)
            assert page.get_attribute("body", "data-md-color-scheme") == "slate"
            shot = Image.open(io.BytesIO(page.locator("article").screenshot())).convert("L")
            assert _share(shot, lambda v: v < 80) > 0.3, slug  # the page itself is dark
            figures = page.locator("article .book-figure img")
            assert figures.count() > 0, slug
            # The sticky header and the back-to-top button float over what is scrolled to.
            page.add_style_tag(content=".md-header, .md-top { visibility: hidden; }")
            for i in range(figures.count()):
                img = figures.nth(i)
                img.evaluate("e => e.scrollIntoView({block: 'center'})")
                shot = Image.open(io.BytesIO(img.screenshot())).convert("L")
                assert _share(_ring(shot), lambda v: v > 220) > 0.9, (slug, i)  # a light card
                assert _share(shot, lambda v: v < 110) > 0.002, (slug, i)  # with dark ink on it
        assert not t.problems, t.problems
    finally:
        t.close()


def _ring(img, inset: int = 1, width: int = 2):
    """The pixels just inside an image's edge (the card's 4 px padding); the outermost row may
    blend with the page where the figure sits at a fractional pixel."""
    from PIL import Image

    w, h = img.size
    a, b = inset, inset + width
    strips = [img.crop((a, a, w - a, b)), img.crop((a, h - b, w - a, h - a)),
              img.crop((a, a, b, h - a)), img.crop((w - b, a, w - a, h - a))]
    out = Image.new("L", (sum(s.size[0] * s.size[1] for s in strips), 1))
    out.putdata([v for s in strips for v in s.tobytes()])
    return out


def _share(img, test) -> float:
    hist = img.histogram()
    return sum(n for v, n in enumerate(hist) if test(v)) / max(1, sum(hist))
