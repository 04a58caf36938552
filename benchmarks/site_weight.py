"""How heavy each built page is, and how long ``mkdocs build`` takes from the committed figures.

    python benchmarks/site_weight.py                 # build into a temp dir, time it, weigh pages
    python benchmarks/site_weight.py --site site     # weigh an already built site (no build)
    python benchmarks/site_weight.py --browser       # also count what Chromium really loads

A page's weight is its HTML plus every image, script and stylesheet it references, raw and
gzip-compressed (GitHub Pages sends text gzipped; images are counted as they are). With
``--browser`` the page is opened in headless Chromium (Debian's, via Playwright) and every
response is counted, which adds what scripts fetch themselves (MathJax's fonts). Goals: at most
1.5 MB per chapter page, and a build of at most 60 s on a 2-core CPU.
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


def _size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    packed = len(gzip.compress(data, 6)) if path.suffix in TEXT else len(data)
    return len(data), packed


def weigh(site: Path, page: Path) -> dict:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    raw, packed = _size(page)
    parts = {"html": raw, "image": 0, "js/css": 0}
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


def browser_weight(site: Path, pages: list[Path]) -> dict[Path, int]:
    """Bytes of every response while each page loads and typesets its math."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("--browser needs chromium (apt-get install chromium)")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    out = {}
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=args)
        for page in pages:
            ctx = b.new_context()  # a cold cache for each page
            tab = ctx.new_page()
            tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                      else r.abort())
            sizes = []
            tab.on("requestfinished", lambda r, sizes=sizes: sizes.append(r.sizes()["responseBodySize"]))
            tab.goto(base + page.relative_to(site).parent.as_posix() + "/", wait_until="load")
            tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            tab.evaluate("() => MathJax.startup.promise")
            tab.wait_for_load_state("networkidle")
            out[page] = sum(sizes)
            ctx.close()
        b.close()
    httpd.shutdown()
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
    print(f"{'page':40} {'html':>8} {'images':>8} {'js/css':>8} {'total':>9} {'gzip':>9}"
          + (f" {'browser':>9}" if loaded else "") + "  goal")
    for page in pages:
        w = weigh(site, page)
        name = page.parent.relative_to(site).as_posix() + "/"
        heaviest = max(w["total"], loaded.get(page, 0))
        ok = "ok" if heaviest <= PAGE_GOAL else "OVER"
        line = (f"{name:40} {w['html'] / 1e3:7.0f}k {w['image'] / 1e3:7.0f}k {w['js/css'] / 1e3:7.0f}k "
                f"{w['total'] / 1e6:8.2f}M {w['gzip'] / 1e6:8.2f}M")
        if loaded:
            line += f" {loaded[page] / 1e6:8.2f}M"
        print(line + f"  {ok}")
        rows.append({"page": name, **w, **({"browser": loaded[page]} if loaded else {})})
    if seconds is not None:
        ok = "ok" if seconds <= BUILD_GOAL else "OVER"
        print(f"mkdocs build --strict (both languages, committed figures): {seconds:.1f} s  "
              f"(goal {BUILD_GOAL:.0f} s: {ok})")
    if args.json:
        args.json.write_text(json.dumps({"build_seconds": seconds, "pages": rows}, indent=1))
    if not args.site:
        shutil.rmtree(site, ignore_errors=True)
    over = [r for r in rows if max(r["total"], r.get("browser", 0)) > PAGE_GOAL]
    return 1 if over or (seconds or 0) > BUILD_GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
