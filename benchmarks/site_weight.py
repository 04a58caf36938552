"""How heavy each built page is, and how long ``mkdocs build`` takes from the committed figures.

    python benchmarks/site_weight.py                 # build into a temp dir, time it, weigh pages
    python benchmarks/site_weight.py --site site     # weigh an already built site (no build)
    python benchmarks/site_weight.py --browser       # also count what Chromium really loads

A page's weight is its HTML plus every image, script and stylesheet it references and the
record of every explorable figure on it (``data``, fetched when scrolled to), raw and
gzip-compressed (GitHub Pages sends text gzipped; images are counted as they are). With
``--browser`` the page is opened in headless Chromium (Debian's, via Playwright) and every
response is counted, which adds what scripts fetch themselves (MathJax's pieces and fonts, the
search index, the Hangul web font): ``loaded`` is their raw size, ``sent`` what GitHub Pages
sends (text gzipped). Goals: at most 1.5 MB per chapter page (``sent`` with ``--browser``, else
the referenced files' raw ``total``), and a build of at most 60 s on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PAGE_GOAL = 1.5e6
BUILD_GOAL = 60.0
TEXT = {".html", ".js", ".css", ".svg", ".json", ".xml"}


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and a.get("src"):
            self.refs.append(("image", a["src"]))
        elif tag == "script" and a.get("src"):
            self.refs.append(("js/css", a["src"]))
        elif tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.refs.append(("js/css", a["href"]))
        elif a.get("data-record"):  # an explorable figure's record, fetched when scrolled to
            self.refs.append(("data", a["data-record"]))


def _size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    packed = len(gzip.compress(data, 6)) if path.suffix in TEXT else len(data)
    return len(data), packed


def weigh(site: Path, page: Path) -> dict:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    raw, packed = _size(page)
    parts = {"html": raw, "image": 0, "js/css": 0, "data": 0}
    seen = set()
    base = "/" + page.relative_to(site).as_posix()
    for kind, ref in parser.refs:
        if urlsplit(ref).scheme or ref.startswith("//"):
            continue
        target = site / unquote(urlsplit(urljoin(base, ref)).path).lstrip("/")
        if target in seen or not target.is_file():
            continue
        seen.add(target)
        r, p = _size(target)
        parts[kind] += r
        packed += p
    return {**parts, "total": sum(parts.values()), "gzip": packed}


def browser_weight(site: Path, pages: list[Path]) -> dict[Path, tuple[int, int]]:
    """Bytes of every response while each page loads, typesets its math and loads its fonts:
    (raw, as GitHub Pages sends them: text gzipped, images and fonts as they are)."""
    from playwright.sync_api import sync_playwright

    from gdsc_book import site_browser

    if site_browser.find_chromium() is None:
        raise SystemExit(f"--browser needs Chromium: {site_browser.INSTALL_HINT}")
    out = {}
    with site_browser.serve(site, "/") as base, sync_playwright() as p:
        b = site_browser.launch(p)
        for page in pages:
            ctx = b.new_context()  # a cold cache for each page
            tab = ctx.new_page()
            tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                      else r.abort())
            bodies = []
            tab.on("requestfinished", lambda r, bodies=bodies: bodies.append(
                (Path(urlsplit(r.url).path).suffix, r.response().body())))
            tab.goto(base + page.relative_to(site).parent.as_posix() + "/", wait_until="load")
            site_browser.wait_until_typeset(tab)
            tab.wait_for_load_state("networkidle")
            raw = sum(len(body) for _, body in bodies)
            sent = sum(len(gzip.compress(body, 6)) if suffix in TEXT or suffix == "" else len(body)
                       for suffix, body in bodies)
            out[page] = (raw, sent)
            ctx.close()
        b.close()
    return out


def build(site: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
                       cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{r.stderr[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="weigh this built site instead of building one")
    ap.add_argument("--browser", action="store_true", help="also count what Chromium loads")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args(argv)

    seconds = None
    if args.site:
        site = args.site
    else:
        site = Path(tempfile.mkdtemp(prefix="gdsc-book-site-"))
        seconds = build(site)
    pages = sorted(p for p in site.rglob("index.html")
                   if re.match(r"^(en/)?(ch\d\d-[^/]+/)?index\.html$", p.relative_to(site).as_posix()))
    loaded = browser_weight(site, pages) if args.browser else {}

    rows = []
    print(f"{'page':40} {'html':>8} {'images':>8} {'js/css':>8} {'data':>8} {'total':>9} {'gzip':>9}"
          + (f" {'loaded':>9} {'sent':>9}" if loaded else "") + "  goal")
    for page in pages:
        w = weigh(site, page)
        name = page.parent.relative_to(site).as_posix() + "/"
        # The goal is what a reader downloads: with --browser, every response as Pages sends it.
        heaviest = loaded[page][1] if loaded else w["total"]
        ok = "ok" if heaviest <= PAGE_GOAL else "OVER"
        line = (f"{name:40} {w['html'] / 1e3:7.0f}k {w['image'] / 1e3:7.0f}k {w['js/css'] / 1e3:7.0f}k "
                f"{w['data'] / 1e3:7.0f}k "
                f"{w['total'] / 1e6:8.2f}M {w['gzip'] / 1e6:8.2f}M")
        if loaded:
            line += f" {loaded[page][0] / 1e6:8.2f}M {loaded[page][1] / 1e6:8.2f}M"
        print(line + f"  {ok}")
        rows.append({"page": name, **w, **({"loaded": loaded[page][0], "sent": loaded[page][1]}
                                           if loaded else {})})
    if seconds is not None:
        ok = "ok" if seconds <= BUILD_GOAL else "OVER"
        print(f"mkdocs build --strict (both languages, committed figures): {seconds:.1f} s  "
              f"(goal {BUILD_GOAL:.0f} s: {ok})")
    if args.json:
        args.json.write_text(json.dumps({"build_seconds": seconds, "pages": rows}, indent=1))
    if not args.site:
        shutil.rmtree(site, ignore_errors=True)
    over = [r for r in rows if r.get("sent", r["total"]) > PAGE_GOAL]
    return 1 if over or (seconds or 0) > BUILD_GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
