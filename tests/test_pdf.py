"""The print edition (``gdsc-book pdf``): what a reader of each PDF gets, read back with poppler.

Both books are printed once per test session from the same strict site build the other
reader-facing tests use (``tests/site_build.py``), then read with poppler-utils (pdfinfo,
pdffonts, pdftotext, pdftoppm, pdfimages) and pypdf. The first page of every chapter is
rendered to ``build/test-artifacts/pdf/`` for a person to look at. ``GDSC_BOOK_PDF=folder``
tests books printed before (with ``GDSC_BOOK_SITE``, the site they were printed from). Printing takes about a
minute per language on a 2-core CPU, hence ``slow``; CI installs Chromium and poppler-utils.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from gdsc_book import print_edition, site_browser

from .pages import DOCS, ROOT
from .site_build import LANGS, built_site, page_slugs

ARTIFACTS = ROOT / "build" / "test-artifacts" / "pdf"
POPPLER = ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "pdfimages")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(site_browser.find_chromium() is None,
                       reason="no chromium (apt-get install chromium)"),
    pytest.mark.skipif(not all(map(shutil.which, POPPLER)),
                       reason="no poppler-utils (apt-get install poppler-utils)"),
]
pytest.importorskip("playwright.sync_api", reason="pip install playwright")

# The only fonts the books may contain: the ones the package serves (print_edition.fonts()),
# and MathJax's TeX fonts, which Chromium embeds as Type 3 fonts without a name.
SHIPPED = ("NanumGothic", "NanumGothicBold", "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono",
           "DejaVuSansMono-Bold")
RAW_TEX = ("\\frac", "\\mathbf", "$$", "\\(", "\\[", "\\begin", "\\text{", "\\sum", "\\hat")
SCREEN_ONLY = {"ko": ("Colab에서 열기", "노트북 내려받기", "PDF로 내려받기", "¶"),
               "en": ("Open in Colab", "Download notebook", "Download PDF", "¶")}
COVER_BLUE = (0x28, 0x35, 0x93)  # .print-cover in gdsc_book/print_edition.css


@functools.lru_cache(maxsize=2)
def _print(run: int) -> dict[str, print_edition.Built]:
    given = os.environ.get("GDSC_BOOK_PDF")  # a folder of books already printed from the site
    if given and run == 0:
        from pypdf import PdfReader

        paths = {lang: Path(given) / print_edition.pdf_name(lang) for lang in LANGS}
        return {lang: print_edition.Built(lang, p, len(PdfReader(str(p)).pages), 0.0)
                for lang, p in paths.items()}
    out = Path(tempfile.mkdtemp(prefix=f"gdsc-book-pdf-{run}-"))
    built = print_edition.build(built_site(), out, LANGS, root=ROOT, log=lambda *_: None)
    return {b.lang: b for b in built}


@pytest.fixture(scope="module")
def books() -> dict[str, print_edition.Built]:
    return _print(0)


def _run(*cmd) -> str:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=True)
    return r.stdout


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = ["-f", str(first), "-l", str(last if last else first)] if first else []
    return _run("pdftotext", "-enc", "UTF-8", *pages, pdf, "-")


def _footer(pdf: Path, page: int) -> str:
    """The words in the bottom margin of a page."""
    bbox = _run("pdftotext", "-bbox", "-f", page, "-l", page, pdf, "-")
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox).group(1))
    words = re.findall(r'yMin="([\d.]+)"[^>]*>([^<]*)</word>', bbox)
    return " ".join(w for y, w in words if float(y) > height - 20 * 72 / 25.4)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _h1(slug: str, lang: str) -> str:
    src = DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.{lang}.md")
    title = re.search(r"^# (.+)$", src.read_text(encoding="utf-8"), re.M).group(1)
    return re.sub(r"[*`]|\s*\{[^}]*\}\s*$", "", title).strip()


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark, in order."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return out


def _chapter_pages(pdf: Path, lang: str) -> dict[str, int]:
    """Each page's first page, from the outline (its title is a top-level bookmark)."""
    top = {title: page for depth, title, page in _outline(pdf) if depth == 0}
    return {slug: top[_h1(slug, lang)] for slug in page_slugs() if _h1(slug, lang) in top}


@pytest.mark.parametrize("lang", LANGS)
def test_book_exists_with_an_outline_by_chapter_and_section(books, lang):
    pdf = books[lang].path
    assert pdf.name == print_edition.pdf_name(lang)
    info = _run("pdfinfo", pdf)
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == books[lang].pages and pages > 3 * len(page_slugs())
    assert re.search(r"^Page size:\s+59[45]\.\d* x 841\.\d* pts \(A4\)", info, re.M)
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    outline = _outline(pdf)
    chapters = _chapter_pages(pdf, lang)
    assert set(chapters) == set(page_slugs()), "a page's title is not a top-level bookmark"
    # The home page, then the chapters in the site's order, each with its sections under it.
    nav = re.findall(r"^  - ([\w-]+)\.md$", (ROOT / "mkdocs.yml").read_text("utf-8"), re.M)
    order = nav or ["index"] + [s for s in page_slugs() if s != "index"]
    assert [chapters[s] for s in order] == sorted(chapters.values())
    assert sum(1 for depth, _, _ in outline if depth == 1) >= 3 * len(chapters)


@pytest.mark.parametrize("lang", LANGS)
def test_every_font_is_embedded_and_shipped_korean_subset(books, lang):
    rows = _run("pdffonts", books[lang].path).splitlines()[2:]
    fonts = [r.split() for r in rows]
    # name, type..., emb, sub, uni, object, generation: the flags are counted from the end.
    assert fonts and all(f[-5] == "yes" for f in fonts), rows  # every font embedded
    named = {f[0].split("+", 1)[-1]: f for f in fonts if f[0] != "[none]"}
    assert set(named) <= set(SHIPPED), f"fonts of the build machine crept in: {set(named)}"
    assert all(f[1:3] == ["Type", "3"] for f in fonts if f[0] == "[none]"), rows  # MathJax's
    # The Korean font, embedded as a subset, in both books: the English one sets its Latin
    # text in the same family.
    assert "NanumGothic" in named and re.fullmatch(r"[A-Z]{6}\+NanumGothic",
                                                   named["NanumGothic"][0])
    assert named["NanumGothic"][-4] == "yes"  # subset


@pytest.mark.parametrize("lang", LANGS)
def test_text_has_every_chapter_title_and_no_raw_tex(books, lang):
    text = _text(books[lang].path)
    flat = _flat(text)
    for slug in page_slugs():
        assert _h1(slug, lang) in flat, slug
    for tex in RAW_TEX:
        assert tex not in text, f"raw TeX {tex!r} in the {lang} book"
    for control in SCREEN_ONLY[lang]:
        assert control not in text, f"screen-only {control!r} printed"
    assert "\ufffd" not in text  # every glyph maps back to its character
    if lang == "ko":  # Hangul came through as Hangul (not tofu, not a missing ToUnicode)
        assert len(re.findall(r"[\uac00-\ud7a3]", text)) > 20_000


@pytest.mark.parametrize("lang", LANGS)
def test_provenance_line_of_every_chapter_is_kept(books, lang):
    site = built_site()
    marker = "만들었습니다" if lang == "ko" else "were produced by"
    lines = []
    for slug in page_slugs():
        page = site / ("" if lang == "ko" else f"{lang}/") / ("" if slug == "index" else slug)
        html = (page / "index.html").read_text(encoding="utf-8")
        lines += [_flat(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", html, re.S)
                  if marker in p and "gdsc_book" in p]
    # every chapter with figures says it (ch11 has none; nor have the index, notation, glossary)
    assert len(lines) >= len([s for s in page_slugs() if s.startswith("ch")]) - 1
    text = re.sub(r"\s+", "", _text(books[lang].path))  # pdftotext spaces around code spans
    for line in set(lines):
        assert text.count(line.replace(" ", "")) >= lines.count(line), line


@pytest.mark.parametrize("lang", LANGS)
def test_cover_has_title_edition_address_and_fills_its_page(books, lang):
    pdf = books[lang].path
    ed = print_edition.edition(DOCS)
    cover = _flat(_text(pdf, 1))
    site_url = "https://gdsc-ku.github.io/gdsc-book/" + ("" if lang == "ko" else "en/")
    for want in (ed.version, ed.date, site_url):
        assert want in cover, want
    # The cover fills its page (a page wider than A4 would shrink the whole book).
    from PIL import Image

    png = ARTIFACTS / f"{lang}-cover"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _run("pdftoppm", "-r", "20", "-png", "-singlefile", "-f", "1", "-l", "1", pdf, png)
    img = Image.open(f"{png}.png").convert("RGB")
    w, h = img.size
    for xy in ((1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2)):
        assert max(abs(a - b) for a, b in zip(img.getpixel(xy), COVER_BLUE)) < 12, xy


@pytest.mark.parametrize("lang", LANGS)
def test_every_chapter_starts_a_new_page(books, lang):
    pdf = books[lang].path
    for slug, page in _chapter_pages(pdf, lang).items():
        body = _text(pdf, page).strip().splitlines()
        # At the top, under the running head (MathJax's glyphs may come first in text order).
        assert _h1(slug, lang) in _flat(" ".join(body[:6])), (slug, body[:6])


@pytest.mark.parametrize("lang", LANGS)
def test_contents_give_each_chapter_its_page(books, lang):
    pdf = books[lang].path
    chapters = _chapter_pages(pdf, lang)
    toc = _flat(_text(pdf, 2, min(chapters.values()) - 1))
    for slug, page in chapters.items():
        assert f"{_h1(slug, lang)} {page}" in toc, (slug, page)


@pytest.mark.parametrize("lang", LANGS)
def test_links_inside_the_book_land_on_their_pages(books, lang):
    from pypdf import PdfReader

    reader = PdfReader(str(books[lang].path))
    dests = reader.named_destinations
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link" or "/Dest" not in annot:
                continue
            internal += 1
            name = str(annot["/Dest"])
            assert name in dests, f"link to a missing destination {name}"
            assert 0 <= reader.get_destination_page_number(dests[name]) < len(reader.pages)
    # A link to another page of the book stays inside the PDF; only files that are not pages
    # (none are printed now: the notebook buttons are screen-only) may point at the site.
    book_pages = {f"https://gdsc-ku.github.io/gdsc-book/{'' if lang == 'ko' else lang + '/'}"
                  + ("" if s == "index" else f"{s}/") for s in page_slugs()}
    uris = [str(a.get_object()["/A"].get("/URI", "")) for p in reader.pages[1:]  # the cover
            for a in p.get("/Annots", []) or [] if "/A" in a.get_object()]  # gives the site
    assert not [u for u in uris if u.split("#")[0] in book_pages]
    # The contents (every chapter and section) and the home page's table link inside the book.
    toc = [e for e in _outline(books[lang].path) if e[0] <= 1][1:]  # less "Contents" itself
    assert internal >= len(toc) + len(page_slugs()) - 1, (internal, len(toc))


@pytest.mark.parametrize("lang", LANGS)
def test_figures_stay_vectors_and_text_stays_inside_the_page(books, lang):
    pdf = books[lang].path
    # SVG figures are drawn, not pasted as pictures: the PDF's raster images are the PNG
    # figures and the pictures inside the SVGs (matplotlib's imshow), nothing more.
    site = built_site()
    expected = 0
    for slug in page_slugs():
        page = site / ("" if lang == "ko" else f"{lang}/") / ("" if slug == "index" else slug)
        html = (page / "index.html").read_text(encoding="utf-8")
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html):
            fig = (page / src).resolve()
            expected += fig.read_text("utf-8").count("<image") if fig.suffix == ".svg" else 1
    images = [r for r in _run("pdfimages", "-list", pdf).splitlines()[2:]
              if r.split()[2] == "image"]
    # A figure printed as a picture collapses its inner pictures into one: the count drops.
    assert len(images) == expected, (len(images), expected)
    assert pdf.stat().st_size <= 15e6  # the goal of issue 19 (rasterized figures blow past it)
    # No word runs past the right margin (code wraps; nothing is cut at the page edge).
    bbox = _run("pdftotext", "-bbox", pdf, "-")
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    # (MathJax's stretchy-brace pieces are private-use glyphs with nonsense boxes: not text.)
    right = [float(x) for x, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', bbox)
             if not re.fullmatch(r"[\ue000-\uf8ff]*", word)]
    assert right and max(right) <= width - 40, max(right)  # 18 mm margin, a little slack


@pytest.mark.parametrize("lang", LANGS)
def test_first_page_of_every_chapter_renders(books, lang):
    """Rendered for a person to look at (build/test-artifacts/pdf/), and not blank."""
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for slug, page in _chapter_pages(books[lang].path, lang).items():
        png = ARTIFACTS / f"{lang}-{slug}"
        _run("pdftoppm", "-r", "60", "-png", "-singlefile", "-f", page, "-l", page,
             books[lang].path, png)
        img = Image.open(f"{png}.png").convert("L")
        w, h = img.size
        assert _footer(books[lang].path, page) == str(page)  # its page number, at the bottom
        assert abs(h / w - 297 / 210) < 0.01  # A4
        ink = sum(n for v, n in enumerate(img.histogram()) if v < 128) / (w * h)
        assert ink > 0.005, (slug, ink)


def test_home_pages_link_their_pdf(books):
    site = built_site()
    for lang in LANGS:
        home = site / ("" if lang == "ko" else f"{lang}/") / "index.html"
        html = home.read_text(encoding="utf-8")
        m = re.search(r'<a class="md-button" href="([^"]+\.pdf)"[^>]*>([^<]+)</a>', html)
        assert m, lang
        assert m.group(2) == print_edition.LABELS[lang]["download"]
        # Relative to the home page, it is the file the workflow puts at the site's root.
        assert (home.parent / m.group(1)).resolve() == (site / books[lang].path.name).resolve()


def test_deploy_workflow_publishes_the_books_with_the_site():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text("utf-8"))
    steps = wf["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    site_at = next(i for i, r in enumerate(runs) if "mkdocs build" in r)
    pdf_at = next(i for i, r in enumerate(runs) if r.startswith("gdsc-book pdf"))
    upload = next(i for i, s in enumerate(steps) if "upload-pages" in s.get("uses", ""))
    assert site_at < pdf_at < upload
    assert "--site site --out site" in runs[pdf_at]
    assert "pip install" in "\n".join(runs) and ".[docs]" in "\n".join(runs)


def test_page_count_is_stable_between_two_builds(books):
    again = _print(1)
    assert {lang: b.pages for lang, b in again.items()} == {
        lang: b.pages for lang, b in books.items()}


def test_a_missing_site_is_a_clear_error(tmp_path, capsys):
    from gdsc_book import cli

    assert cli.main(["pdf", "--site", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no built site" in err and "mkdocs build" in err and "Traceback" not in err
