"""The print edition: the whole built site of one language as one page, printed to PDF.

We put the book together from the *built* site (``site/``): each page's ``<article>`` in the
order of the site's navigation, behind a cover and a table of contents, with the site's own
stylesheets and MathJax. The text, figures and numbers are therefore exactly the site's (no
second source), and the site's Chromium prints it (``gdsc_book.site_browser``). We do not use
mkdocs-print-site-plugin: it collects the default language only under mkdocs-static-i18n
(timvink/mkdocs-print-site-plugin#70), and this book is bilingual.

Inside the combined page every id gets its page's slug as a prefix (``ch02-regression--summary``)
and links between pages become links inside the PDF. The type is shipped with the package's
own dependencies, not taken from the build machine: NanumGothic (koreanize-matplotlib, the
figures' font too) for Hangul and Latin text in both languages, DejaVu Sans Mono (matplotlib)
for code, and DejaVu Sans for the few symbols NanumGothic lacks (U+2212 minus), so the PDF is
the same on any machine and every font in it is embedded.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from gdsc_book import executed, notebooks
from gdsc_book.errors import BookError

LANGS = notebooks.LANGS
CSS = Path(__file__).with_name("print_edition.css")
FONT_PATH = "_print/fonts/"  # URL path (under the site's) the fonts below are served at

LABELS = {
    "ko": {"contents": "차례", "edition": "인쇄판", "download": "PDF로 내려받기"},
    "en": {"contents": "Contents", "edition": "Print edition", "download": "Download PDF"},
}


def pdf_name(lang: str) -> str:
    """The file name of a language's PDF, in build/pdf/ and at the root of the published site."""
    return f"gdsc-book.{lang}.pdf"


def fonts() -> dict[str, Path]:
    """Font file name -> file, from the packages the book already depends on."""
    import koreanize_matplotlib
    import matplotlib

    nanum = Path(koreanize_matplotlib.__file__).parent / "fonts"
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = {n: nanum / n for n in ("NanumGothic.ttf", "NanumGothicBold.ttf")}
    files |= {n: dejavu / n for n in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                      "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise BookError(f"font files missing: {', '.join(missing)}; reinstall: pip install -e .")
    return files


_UNSANITIZABLE = ("TSI0", "TSI1", "TSI2", "TSI3", "TSI5", "TSIV", "TSIP", "TSID", "TSIJ", "TSIB")


@functools.lru_cache(maxsize=8)
def font_bytes(path: Path) -> bytes:
    """The font as Chromium accepts it: NanumGothic carries VTT hinting sources (TSI* tables)
    with a zero-length TSI3, and Chromium's font sanitizer rejects the whole file for it."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=False)
    for tag in _UNSANITIZABLE:
        if tag in font:
            del font[tag]
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Edition:
    version: str
    date: str


def edition(docs_dir: Path) -> Edition:
    """The newest ``gdsc_book`` version and date among the figure records the book shows."""
    recs = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((Path(docs_dir) / "results").glob("*.json"))]
    if not recs:
        raise BookError(f"no figure records in {docs_dir}/results: run `nox -s figures` first")
    versions = {r.get("versions", {}).get("gdsc_book", "") for r in recs} - {""}
    return Edition(version=max(versions, key=_version_key) if versions else "",
                   date=max(r["date"] for r in recs))


def _version_key(v: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.+-]", v))


@dataclass
class Chapter:
    slug: str
    title: str
    body: str  # the article's HTML, ids prefixed and links rewritten
    sections: list[tuple[str, str]] = field(default_factory=list)  # (id, title) of each h2


def _soup(text: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _home(site: Path, lang: str) -> Path:
    return site / ("" if lang == notebooks.DEFAULT_LANG else f"{lang}/") / "index.html"


def page_order(site: Path, lang: str) -> list[str]:
    """Site paths of the language's pages (``en/ch01-what-is-ml/``), as the site's nav lists them."""
    home = _home(site, lang)
    if not home.is_file():
        raise BookError(f"no built site at {site} (missing {home.relative_to(site)}): "
                        "run `mkdocs build` first, or pass --site")
    prefix = "" if lang == notebooks.DEFAULT_LANG else f"{lang}/"
    nav = _soup(home.read_text(encoding="utf-8")).select_one("nav.md-nav--primary")
    order: list[str] = []
    # The executed lab notebooks are the screen's companion to the labs, which print in full.
    screen_only = f"{prefix}{executed.EXECUTED_DIR}/"
    for a in nav.select("a.md-nav__link[href]") if nav else []:
        path = urlsplit(urljoin("/" + prefix, a["href"])).path.lstrip("/")
        if path.startswith(screen_only):
            continue
        if path not in order and (site / path / "index.html").is_file():
            order.append(path)
    if not order:
        raise BookError(f"{home}: no navigation found")
    return order


def _slug(path: str, lang: str) -> str:
    if lang != notebooks.DEFAULT_LANG and path.startswith(f"{lang}/"):
        path = path[len(lang) + 1:]
    return path.strip("/") or "index"


def anchor(slug: str, fragment: str) -> str:
    """The combined page's id for ``fragment`` of page ``slug``. Chromium makes no PDF link to
    an id with Hangul in it (the Korean section ids), and a PDF name has at most 127 bytes:
    such ids become a short digest of themselves (the same on every page that links them)."""
    fragment = unquote(fragment)
    if not fragment:
        return slug
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", fragment):
        fragment = "h" + hashlib.sha1(fragment.encode("utf-8")).hexdigest()[:12]
    return f"{slug}--{fragment}"


class _Rewriter:
    """Moves one page's HTML into the combined page: ids, links and asset URLs."""

    def __init__(self, base_path: str, site_url: str, pages: dict[str, str]):
        self.base_path = base_path  # "/gdsc-book/"
        self.site_url = site_url  # "https://gdsc-ku.github.io/gdsc-book/"
        self.pages = pages  # site path -> slug, for this language's pages

    def chapter(self, page_path: str, slug: str, article) -> None:
        here = self.base_path + page_path
        for a in article.select("a.headerlink"):
            a.decompose()  # the permalink pilcrows (¶) of every heading
        for d in article.select("details"):
            d["open"] = ""  # collapsed notes print open
        for d in article.select(".book-interactive"):
            d.decompose()  # explorable figures are for the screen: the static one beside prints
        for el in article.select("[id]"):
            el["id"] = anchor(slug, el["id"])
        for el in article.select("label[for]"):
            el["for"] = anchor(slug, el["for"])
        for el in article.select("[src]"):
            el["src"] = urlsplit(urljoin(here, el["src"]))._replace(scheme="", netloc="").geturl()
        for a in article.select("a[href]"):
            a["href"] = self.link(here, slug, a["href"])

    def link(self, here: str, slug: str, href: str) -> str:
        if href.startswith("#"):
            return "#" + anchor(slug, href[1:])
        url = urlsplit(urljoin(here, href))
        if url.scheme or url.netloc or not url.path.startswith(self.base_path):
            return href  # outside the book
        path = url.path[len(self.base_path):]
        target = self.pages.get(path if path.endswith("/") or not path else path + "/")
        if target is not None:
            return "#" + anchor(target, url.fragment)
        # A file of the site that is not a page (a notebook): the published one.
        return self.site_url + path + (f"#{url.fragment}" if url.fragment else "")


def read_chapters(site: Path, lang: str, base_path: str, site_url: str) -> list[Chapter]:
    order = page_order(site, lang)
    pages = {p: _slug(p, lang) for p in order}
    rw = _Rewriter(base_path, site_url, pages)
    chapters = []
    for path in order:
        slug = pages[path]
        doc = _soup((site / path / "index.html").read_text(encoding="utf-8"))
        article = doc.select_one("article.md-content__inner")
        if article is None:
            raise BookError(f"{path}: no <article> (not a page of this site?)")
        h1 = article.find("h1")
        if h1 is None:
            raise BookError(f"{path}: the page has no title (# heading)")
        rw.chapter(path, slug, article)
        title = h1.get_text(" ", strip=True)
        h1["id"] = slug  # links to the page land on its title
        sections = [(h2["id"], h2.get_text(" ", strip=True)) for h2 in article.find_all("h2")
                    if h2.get("id")]
        chapters.append(Chapter(slug, title, article.decode_contents(), sections))
    return chapters


def _head(site: Path, lang: str, base_path: str) -> tuple[list[str], list[str], str, str]:
    """Stylesheets and scripts of the home page (Material's own bundle left out: print needs
    no search or navigation), the book's title and the site's copyright line."""
    home = _home(site, lang)
    doc = _soup(home.read_text(encoding="utf-8"))
    here = base_path + home.parent.relative_to(site).as_posix().strip(".") + "/"
    here = here.replace("//", "/")
    css = [urlsplit(urljoin(here, ln["href"])).path for ln in doc.select('link[rel="stylesheet"]')]
    js = [urlsplit(urljoin(here, s["src"])).path for s in doc.select("script[src]")]
    js = [s for s in js if not s.startswith(base_path + "assets/javascripts/")]
    topic = doc.select_one(".md-header__topic .md-ellipsis")  # the site's name
    title = topic.get_text(" ", strip=True) if topic else "GDSC"
    copyright_ = doc.select_one(".md-copyright__highlight")
    return css, js, title, copyright_.get_text(" ", strip=True) if copyright_ else ""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def combined_page(site: Path, lang: str, *, base_path: str, site_url: str,
                  ed: Edition) -> tuple[str, list[Chapter]]:
    """The print page's HTML. The contents' page numbers are placeholders of the same width
    ("000"), filled in once a first printing has said where each target landed."""
    chapters = read_chapters(site, lang, base_path, site_url)
    css, js, title, copyright_ = _head(site, lang, base_path)
    lab = LABELS[lang]
    home_url = site_url + ("" if lang == notebooks.DEFAULT_LANG else f"{lang}/")
    esc = html.escape

    toc = []
    for ch in chapters:
        subs = "".join(
            f'<li><a href="#{sid}"><span class="print-toc__title">{esc(stitle)}</span>'
            f'<span class="print-toc__page" data-target="{sid}">000</span></a></li>'
            for sid, stitle in ch.sections)
        toc.append(f'<li class="print-toc__chapter"><a href="#{ch.slug}">'
                   f'<span class="print-toc__title">{esc(ch.title)}</span>'
                   f'<span class="print-toc__page" data-target="{ch.slug}">000</span></a>'
                   f'<ol>{subs}</ol></li>')
    edition_line = f"{lab['edition']} {ed.version} · {ed.date}" if ed.version else ed.date
    style = CSS.read_text(encoding="utf-8").replace("__FONTS__", base_path + FONT_PATH)
    style += f"\n@page {{ @top-right {{ content: {_css_string(title)}; }} }}\n"
    body = "\n".join(
        f'<section class="print-chapter" data-slug="{ch.slug}">{ch.body}</section>'
        for ch in chapters)
    links = "".join(f'<link rel="stylesheet" href="{esc(h)}">' for h in css)
    scripts = "".join(f'<script src="{esc(s)}"></script>' for s in js)
    page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>
{links}<style>{style}</style>{scripts}</head>
<body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo"
 data-md-color-accent="indigo" class="print-edition">
<section class="print-cover">
  <p class="print-cover__title">{esc(title)}</p>
  <p class="print-cover__edition">{esc(edition_line)}</p>
  <p class="print-cover__url"><a href="{esc(home_url)}">{esc(home_url)}</a></p>
  <p class="print-cover__copyright">{esc(copyright_)}</p>
</section>
<article class="md-content__inner md-typeset">
<nav class="print-toc"><h1 id="print-toc">{esc(lab['contents'])}</h1><ol>{''.join(toc)}</ol></nav>
{body}
</article></body></html>"""
    return page, chapters


def _destinations(pdf: Path) -> dict[str, int]:
    """Named destination -> 1-based page number (Chromium names one per link target)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    out = {}
    for name, dest in reader.named_destinations.items():
        try:
            out[str(name).lstrip("/")] = reader.get_destination_page_number(dest) + 1
        except Exception:  # a destination without a page: nothing to number
            continue
    return out


@dataclass
class Built:
    lang: str
    path: Path
    pages: int
    seconds: float


def build(site: Path, out_dir: Path, langs=LANGS, *, root: Path | str = ".",
          log=print) -> list[Built]:
    """Print each language's book to ``out_dir/gdsc-book.<lang>.pdf``."""
    from gdsc_book import site_browser

    book = notebooks.load_site(root)
    site = Path(site).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base_path = urlsplit(book.site_url).path or "/"
    ed = edition(book.docs_dir)
    for lang in langs:
        page_order(site, lang)  # a missing or foreign site is said before Chromium starts
    chromium = site_browser.require_chromium()
    sync_api = site_browser.sync_api()
    font_files = {base_path + FONT_PATH + n: functools.partial(_font_answer, p)
                  for n, p in fonts().items()}
    built = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=site_browser.CHROMIUM_ARGS)
        try:
            for lang in langs:
                t0 = time.perf_counter()
                target = out_dir / pdf_name(lang)
                page_html, _chapters = combined_page(site, lang, base_path=base_path,
                                                     site_url=book.site_url, ed=ed)
                n = _print(browser, site, base_path, font_files, lang, page_html, target)
                built.append(Built(lang, target, n, time.perf_counter() - t0))
                log(f"{target}: {n} pages, {target.stat().st_size / 1e6:.1f} MB, "
                    f"{built[-1].seconds:.0f} s")
        finally:
            browser.close()
    return built


def _font_answer(path: Path) -> tuple[bytes, str]:
    return font_bytes(path), "font/ttf"


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def _print(browser, site: Path, base_path: str, font_files: dict, lang: str, page_html: str,
           target: Path) -> int:
    """Load the page, print it, write the page numbers into its contents, print it again."""
    from gdsc_book import site_browser

    print_path = f"{base_path}_print/{lang}/"
    body = page_html.encode("utf-8")
    server = site_browser.SiteServer(site, base_path, dict(font_files) | {
        print_path: lambda: (body, "text/html; charset=utf-8")})
    context = browser.new_context()
    try:
        server.attach(context)
        page = context.new_page()
        page.on("pageerror", lambda e: server.problems.append(f"page error: {e}"))
        # A font Chromium cannot decode is only a console line, and the text silently falls
        # back to the machine's fonts.
        page.on("console", lambda m: (m.type == "error" or "font" in m.text.lower())
                and server.problems.append(f"console: {m.text}"))
        page.goto(site_browser.ORIGIN + print_path, wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        page.evaluate("() => document.fonts.ready")
        errors = page.evaluate("""() => [...document.querySelectorAll('.arithmatex')]
            .filter(e => !e.querySelector('mjx-container') || e.querySelector('mjx-merror'))
            .map(e => e.textContent.slice(0, 80))""")
        if errors:
            raise BookError(f"{len(errors)} formulas not typeset, e.g. {errors[:3]}")
        if server.problems:
            raise BookError("the print page did not load cleanly: " + "; ".join(server.problems[:5]))
        options = dict(path=str(target), prefer_css_page_size=True, print_background=True,
                       outline=True, tagged=True)
        page.pdf(**options)
        first = _page_count(target)
        numbers = _destinations(target)
        missing = page.evaluate("""numbers => {
            const missing = [];
            for (const span of document.querySelectorAll('.print-toc__page[data-target]')) {
              const n = numbers[span.dataset.target];
              if (n === undefined) missing.push(span.dataset.target); else span.textContent = n;
            }
            return missing; }""", numbers)
        if missing:
            raise BookError(f"contents entries that land on no page: {missing[:5]}")
        page.pdf(**options)
        n = _page_count(target)
        if n != first:
            raise BookError(f"{target}: numbering the contents changed the page count "
                            f"({first} -> {n}); its page numbers would be wrong")
        return n
    finally:
        context.close()
