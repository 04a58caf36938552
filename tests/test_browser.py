"""The built site in a real headless Chromium: what a reader sees, in both languages.

Debian's ``chromium`` driven by Playwright (its driver ships in the wheel; no browser download).
The site is served from 127.0.0.1 under the same path as on GitHub Pages (``/gdsc-book/``) and
every request elsewhere is refused and counted as a failure, so the pages must work offline,
with nothing answered for them. With ``CI`` set, a missing Chromium or Playwright fails the run
instead of skipping these tests; elsewhere they skip, saying what to install.

The checks look at pixels and at the text on screen, not at elements: the site once passed
32 browser tests while every formula on it was blank.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gdsc_book import executed, notebooks, site_browser

from .pages import DOCS, ROOT
from .site_build import LANGS, built_site, page_slugs, page_url

IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - depends on the machine
    if IN_CI:
        raise RuntimeError(
            f"CI is set but Playwright is missing: {site_browser.INSTALL_HINT}") from None
    pytest.skip(f"no Playwright: {site_browser.INSTALL_HINT}", allow_module_level=True)
if site_browser.find_chromium() is None:  # pragma: no cover - depends on the machine
    if IN_CI:
        raise RuntimeError(f"CI is set but Chromium is missing: {site_browser.INSTALL_HINT}")
    pytest.skip(f"no Chromium: {site_browser.INSTALL_HINT}", allow_module_level=True)

BASE_PATH = site_browser.base_path(ROOT)
CHAPTERS = notebooks.chapter_slugs(notebooks.load_site(ROOT))
CHAPTER = "ch01-what-is-ml" if "ch01-what-is-ml" in CHAPTERS else (CHAPTERS or ["index"])[0]

# What a reader types, and the chapter that must come first, in each language's own search.
SEARCHES = {
    "ko": [("교차 엔트로피", "ch03-classification"), ("경사 하강법", "ch02-regression"),
           ("과적합", "ch06-generalization"), ("드롭아웃", "ch06-generalization"),
           ("이중 하강", "ch07-double-descent"), ("안장점", "ch08-sgd"),
           ("보편 근사", "ch05-universal-approximation"), ("미첼", "ch01-what-is-ml"),
           ("체크포인트", "ch09-lab1-mnist")],
    "en": [("cross-entropy", "ch03-classification"), ("gradient descent", "ch02-regression"),
           ("overfitting", "ch06-generalization"), ("dropout", "ch06-generalization"),
           ("double descent", "ch07-double-descent"), ("saddle point", "ch08-sgd"),
           ("universal approximation", "ch05-universal-approximation"),
           ("Mitchell", "ch01-what-is-ml"), ("checkpoint", "ch09-lab1-mnist")],
}
# Raw TeX that would mean a formula was not typeset (looked for outside code).
RAW_TEX = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\frac|\\math|\^\{|_\{|\\left|\\sum")


@pytest.fixture(scope="module")
def server():
    with site_browser.serve(built_site(), BASE_PATH) as base:
        yield base


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = site_browser.launch(playwright)
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
            if urlsplit(r.request.url).netloc == local:
                r.continue_()
            else:  # nothing outside the site is answered, or needed
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
        site_browser.wait_until_typeset(self.page)
        return self.page

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


# --- math a reader can see ---------------------------------------------------------------------

_MATH_BOXES = """() => {
    // What a reader opens: collapsed hints and answers, and self-check feedback (mkdocs-quiz
    // shows it by dropping the class 'hidden' once an answer is chosen).
    document.querySelectorAll('article details').forEach(d => { d.open = true; });
    document.querySelectorAll('article .quiz .hidden').forEach(e => e.classList.remove('hidden'));
    return [...document.querySelectorAll('article .arithmatex')].map(e => {
        const c = e.querySelector('mjx-container');
        const r = (c || e).getBoundingClientRect();
        return {tex: e.textContent.slice(0, 80), typeset: !!c,
                error: !!e.querySelector('mjx-merror, [style*="color: red"]'),
                x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height};
    });
}"""
# Visible text outside code and formulas (MathJax's CHTML output holds no text of its own).
_VISIBLE_TEXT = """() => {
    const skip = 'pre, code, script, style, mjx-container, .md-search, .md-header, nav';
    const out = [];
    const walk = document.createTreeWalker(document.querySelector('article'),
                                           NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (el.closest(skip) || !el.checkVisibility()) continue;
        out.push(n.textContent);
    }
    return out.join(' ');
}"""


def math_ink(page) -> list[dict]:
    """Each formula's box on the page, and how many of its pixels are ink.

    Two full-page screenshots, with formulas shown and with them hidden (``visibility`` keeps
    the layout): ink is what differs inside a formula's box. A formula that renders blank, as
    all of them once did, has none.
    """
    from PIL import Image, ImageChops

    boxes = page.evaluate(_MATH_BOXES)
    if not boxes:
        return []
    shown = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    page.add_style_tag(content="mjx-container { visibility: hidden !important; }")
    hidden = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    page.add_style_tag(content="mjx-container { visibility: visible !important; }")
    diff = ImageChops.difference(shown, hidden).point(lambda v: 255 if v > 60 else 0)
    for b in boxes:
        box = (int(b["x"]), int(b["y"]), int(b["x"] + b["w"] + 1), int(b["y"] + b["h"] + 1))
        b["ink"] = diff.crop(box).histogram()[255] if b["w"] >= 1 and b["h"] >= 1 else 0
    return boxes


# The executed lab notebooks are pages too (mkdocs-jupyter), with math in their markdown cells.
NOTEBOOK_PAGES = [f"executed/{slug}" for slug in executed.EXECUTED]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", page_slugs() + NOTEBOOK_PAGES)
def test_page_shows_its_math_and_stays_quiet(tab, slug, lang):
    """Title and images render; every formula is typeset into a box with ink in it; no raw TeX
    is left in the visible text; the console stays clean (no errors, no failed requests)."""
    page = tab.open(slug, lang)
    assert page.get_attribute("html", "lang") == lang
    if slug not in NOTEBOOK_PAGES:
        assert _shown_h1(page) == _h1(slug, lang)
    broken = page.evaluate("""() => [...document.querySelectorAll('article img')]
        .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert not broken
    boxes = math_ink(page)
    untypeset = [b["tex"] for b in boxes if not b["typeset"]]
    errors = [b["tex"] for b in boxes if b["error"]]
    assert not untypeset and not errors, (untypeset[:3], errors[:3])
    empty = [(b["tex"], round(b["w"]), round(b["h"])) for b in boxes if b["w"] < 1 or b["h"] < 1]
    assert not empty, f"{len(empty)} of {len(boxes)} formulas have no box: {empty[:5]}"
    blank = [b["tex"] for b in boxes if b["ink"] < 8]
    assert not blank, f"{len(blank)} of {len(boxes)} formulas show no ink: {blank[:5]}"
    if slug == CHAPTER and slug != "index":
        assert len(boxes) >= 3  # the chapter really has math, and all of it was checked
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(page.evaluate(_VISIBLE_TEXT))})
    assert not raw, f"raw TeX on screen: {raw}"
    assert not tab.problems, tab.problems


def test_math_in_figure_captions_is_typeset(tab):
    """Captions say 4^L and η_t = (1+t)^(−p) in math, as the text around them does."""
    for slug, lang in (("ch05-universal-approximation", "en"), ("ch08-sgd", "ko")):
        page = tab.open(slug, lang)
        n = page.evaluate("""() => [...document.querySelectorAll('figcaption mjx-container')]
            .filter(c => c.getBoundingClientRect().width > 0).length""")
        assert n >= 2, (slug, lang, n)
        alts = page.eval_on_selector_all("figure img", "els => els.map(e => e.alt)")
        assert not [a for a in alts if "$" in a or "\\" in a], (slug, alts)


def test_the_math_check_sees_a_blank_formula(tab):
    """The ink check fails a formula whose glyphs do not paint: with MathJax's CHTML styles
    dropped (what the old re-typeset did) every box is empty."""
    page = tab.open("ch02-regression", "en")
    assert page.evaluate("() => { const s = document.getElementById('MJX-CHTML-styles');"
                         " if (s) s.remove(); return !!s; }")
    boxes = math_ink(page)
    assert boxes and all(b["ink"] < 8 for b in boxes), [b["ink"] for b in boxes][:10]


# --- Hangul without a Korean font on the machine -----------------------------------------------

_NO_CJK_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dir}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def _latin_font_dir() -> Path | None:
    for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"):
        if Path(d).is_dir():
            return Path(d)
    return None


def _distinct(page, a: str, b: str, family: str) -> bool:
    """Whether two different Hangul strings draw differently: tofu draws every syllable as the
    same box (or nothing), real glyphs do not."""
    shots = []
    for text in (a, b):
        page.evaluate("""([t, f]) => { let s = document.getElementById('probe');
            if (!s) { s = document.createElement('span'); s.id = 'probe';
                      s.style.cssText = 'position:fixed;top:200px;left:20px;font-size:40px;' +
                                        'background:#fff;color:#000;z-index:99999';
                      document.body.appendChild(s); }
            s.style.fontFamily = f; s.textContent = t; }""", [text, family])
        page.evaluate("() => document.fonts.ready")
        shots.append(page.locator("#probe").screenshot())
    return shots[0] != shots[1]


def test_hangul_renders_with_no_korean_font_installed(tmp_path, playwright, server):
    """Chromium with only a Latin font folder (no CJK font at all) still draws the page's Hangul
    in the site's own font; with that font left out (CSS family unknown), the same machine
    draws tofu, so the check can tell the two apart."""
    fonts = _latin_font_dir()
    if fonts is None:
        pytest.skip("no DejaVu or Liberation fonts to build a CJK-free font set from")
    conf = tmp_path / "fonts.conf"
    conf.write_text(_NO_CJK_FONTS.format(dir=fonts, cache=tmp_path / "cache"))
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    b = site_browser.launch(playwright, env=env)
    try:
        page = b.new_page()
        page.goto(server + page_url("ch03-classification", "ko"), wait_until="load")
        site_browser.wait_until_typeset(page)
        loaded = page.evaluate("""() => [...document.fonts].filter(f =>
            f.family.includes('Book Hangul') && f.status === 'loaded').length""")
        assert loaded >= 1
        assert _distinct(page, "교차엔트로피", "경사하강법들", "var(--md-text-font-family)")
        assert not _distinct(page, "교차엔트로피", "경사하강법들", "NoSuchFont, DejaVu Sans")
    finally:
        b.close()


def test_the_font_covers_every_hangul_character_on_the_site():
    from fontTools.ttLib import TTFont

    from gdsc_book import site_font

    site = built_site()
    used = site_font.used_characters(site)
    assert len(used) > 300
    for _, dest in site_font.WEIGHTS.values():
        path = site / "assets" / "fonts" / dest
        cmap = TTFont(str(path)).getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert not missing, (dest, "".join(missing[:20]))
        assert path.stat().st_size < 200_000, (dest, path.stat().st_size)


# --- search: each language searches itself -----------------------------------------------------

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


@pytest.mark.parametrize("lang", LANGS)
def test_search_puts_the_right_chapter_of_its_own_language_first(tab, lang):
    page = tab.open("index", lang)
    for query, slug in SEARCHES[lang]:
        hits = [urlsplit(h).path for h in _search(page, query)]
        want = BASE_PATH + page_url(slug, lang)
        assert hits and hits[0].startswith(want), (query, hits[:3])
        other = [h for h in hits if (h.startswith(BASE_PATH + "en/")) != (lang == "en")]
        assert not other, (query, other[:3])  # nothing from the other language
        snippets = page.inner_text(".md-search-result__list")
        raw = sorted({m.group(0) for m in RAW_TEX.finditer(snippets)})
        assert not raw, (query, raw)
        page.keyboard.press("Escape")
    assert not tab.problems, tab.problems


# --- navigation and the 404 page ---------------------------------------------------------------

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


def test_titles_name_the_site_once(tab):
    for lang in LANGS:
        title = tab.open("index", lang).title()
        name = _h1("index", lang)
        assert title.count(name) == 1, title


def _styled(page) -> bool:
    """Material's stylesheet is in force: the header has the theme's colour, not none."""
    bg = page.evaluate("() => getComputedStyle(document.querySelector('.md-header'))"
                       ".backgroundColor")
    return bg not in ("rgba(0, 0, 0, 0)", "transparent")


def test_a_missing_page_gets_the_styled_404_in_both_languages(browser, server):
    t = Tab(browser, server)
    try:
        for path in ("no-such-page/", "en/no-such-page/", "ch01-what-is-ml/gone/deeper/"):
            resp = t.page.goto(server + path, wait_until="load")
            assert resp.status == 404
            assert _styled(t.page), path
            text = t.page.inner_text("article")
            assert "찾는 페이지가 없습니다" in text and "does not exist" in text
        # The 404 itself is not a problem (Chromium logs it once per visit); anything the
        # page fails to load is.
        itself = "console: Failed to load resource: the server responded with a status of 404"
        rest = [p for p in t.problems if not p.startswith(itself)
                and not re.search(r"HTTP 404: .*/(no-such-page|gone/deeper)/$", p)]
        assert t.problems.count(itself + " (Not Found)") <= 3 and not rest, t.problems
    finally:
        t.close()


def test_mkdocs_serve_answers_at_the_address_the_readme_gives(tmp_path):
    """`nox -s serve` runs `mkdocs serve`: both languages and the 404 page at the README's
    address (the port is a free one here)."""
    import socket
    import time
    import urllib.error
    import urllib.request

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    addr = re.search(r"<(http://127\.0\.0\.1:8000(/[^>]*)?)>", readme)
    assert addr, "README gives no preview address"
    path = urlsplit(addr.group(1)).path or "/"
    assert path == BASE_PATH and f"{addr.group(1).rstrip('/')}/en/" in readme
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-livereload",
                             "-a", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}{path}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base, timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.poll() is not None else ""
                    pytest.fail(f"mkdocs serve did not answer at {base}\n{err[-2000:]}")
                time.sleep(1)
        for url, lang in ((base, "ko"), (base + "en/", "en")):
            html = urllib.request.urlopen(url, timeout=10).read().decode()
            assert f'<html lang="{lang}"' in html, url
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "no-such-page/", timeout=10)
        assert missing.value.code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- figures in the dark theme -----------------------------------------------------------------

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


def test_buttons_under_the_title_are_legible_in_both_themes(browser, server):
    """The notebook buttons keep their text readable on the slate background too."""
    from PIL import Image

    for scheme in ("light", "dark"):
        t = Tab(browser, server, color_scheme=scheme)
        try:
            page = t.open(CHAPTER, "en")
            for button in page.locator("article .md-button").all():
                shot = Image.open(io.BytesIO(button.screenshot())).convert("L")
                lo, hi = shot.getextrema()
                assert hi - lo > 120, (scheme, button.inner_text(), lo, hi)
        finally:
            t.close()



# --- figures on a phone: full-screen on a tap, pinch to zoom (CONTRIBUTING.md, legibility) ------

PHONE = {"width": site_browser.WIDTHS["phone"], "height": 844}


def _pinch(page, box, factor: float) -> None:
    """Two fingers on the middle of ``box`` moving apart by ``factor`` (what a reader does)."""
    cdp = page.context.new_cdp_session(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start = 40.0

    def touch(kind, d):
        points = [] if kind == "touchEnd" else [{"x": cx - d, "y": cy, "id": 0},
                                                 {"x": cx + d, "y": cy, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", start)
    for k in range(1, 11):
        touch("touchMove", start * (1 + (factor - 1) * k / 10))
        page.wait_for_timeout(20)
    touch("touchEnd", 0)
    page.wait_for_timeout(300)


def _phone_zoom_text(browser, server, lang: str, slug: str) -> list[tuple]:
    """(figure, text px in the column, text px full-screen at 2x) for each figure of a page
    on a 390 px phone: sizes on screen times the smallest text the figure was drawn with."""
    import json

    from gdsc_book.figures import legibility

    t = Tab(browser, server, viewport=PHONE, has_touch=True, is_mobile=True,
            device_scale_factor=1)
    out = []
    try:
        page = t.open(slug, lang)
        column = page.evaluate("document.querySelector('article').getBoundingClientRect().width")
        figures = page.locator("article .book-figure img")
        assert figures.count() > 0, slug
        for i in range(figures.count()):
            img = figures.nth(i)
            src = img.get_attribute("src").rsplit("/", 1)[-1]
            name = next(p.stem for p in (DOCS / "results").glob("*.json")
                        if src.startswith(p.stem + ".") or src.startswith(p.stem + "_"))
            rec = json.loads((DOCS / "results" / f"{name}.json").read_text())
            drawn = next(v for f, v in rec["legibility"].items()
                         if f.split(".")[0] == src.split(".")[0])
            natural_text = drawn["min_text_px"] / min(1.0, legibility.COLUMN_PX / drawn["width_px"])
            img.scroll_into_view_if_needed()
            inline = img.evaluate("e => [e.getBoundingClientRect().width, e.naturalWidth]")
            assert inline[0] <= column + 0.5, (src, inline, column)  # no sideways scrolling
            img.tap()
            shown = page.locator(".gslide.current .gslide-image img")
            shown.wait_for(state="visible", timeout=5000)
            page.wait_for_timeout(600)  # the opening fade
            box = shown.bounding_box()
            _pinch(page, box, legibility.PHONE_ZOOM)
            zoomed = shown.bounding_box()["width"]
            out.append((src, round(natural_text * inline[0] / inline[1], 1),
                        round(natural_text * zoomed / inline[1], 1), round(box["width"])))
            page.keyboard.press("Escape")
            page.locator(".goverlay").wait_for(state="detached", timeout=5000)
        assert not t.problems, t.problems
    finally:
        t.close()
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_a_tapped_figure_opens_full_screen_and_zooms_on_a_phone(browser, server, lang):
    """The phone rule: at 390 px a figure fits the column; a tap opens it at the screen's
    width, and pinching it to 2x makes its smallest text at least 11 px."""
    seen = _phone_zoom_text(browser, server, lang, "ch04-nonlinear")
    for src, column_px, zoomed_px, opened_w in seen:
        assert opened_w >= PHONE["width"] - 2, (src, opened_w)  # the whole screen's width
        assert zoomed_px >= 11, (src, column_px, zoomed_px)
