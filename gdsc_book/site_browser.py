"""The built site in headless Chromium, served as GitHub Pages serves it.

One place for what the browser tests, the reviewers' screenshots (``nox -s screenshots``) and
the page-weight benchmark share: a local server that puts ``site/`` under the path of
``site_url`` (``/gdsc-book/``) and answers a missing path with the site's ``404.html``, and
Debian's Chromium launched with the flags that keep it off the network.

    python -m gdsc_book.site_browser screenshots --site site --out build/screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

# Without the background-networking flags Chromium keeps dialling Google from an offline machine.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ("install Debian's Chromium (`apt-get install chromium`) and the test extras "
                "(`pip install -e '.[docs,test]'`), or set GDSC_BOOK_CHROMIUM to a Chromium binary")
WIDTHS = {"desktop": 1280, "phone": 390}
SCHEMES = ("light", "dark")


def base_path(root: Path) -> str:
    """The path part of mkdocs.yml's site_url (``/gdsc-book/``): where GitHub Pages serves it."""
    from gdsc_book import notebooks

    return urlsplit(notebooks.load_site(root).site_url).path or "/"


def find_chromium() -> str | None:
    return (os.environ.get("GDSC_BOOK_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` at ``base_path``; anything missing gets ``404.html``, as on Pages."""

    base_path = "/"

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(self.base_path):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(self.base_path):])

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):  # keep test and tool output clean
        pass


@contextlib.contextmanager
def serve(site: Path, base_path: str) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 at ``base_path``; yields the base URL."""
    handler = type("Handler", (_Handler,), {"base_path": base_path})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{base_path}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def launch(playwright, **kwargs):
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError(f"no Chromium found: {INSTALL_HINT}")
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, **kwargs)


def wait_until_typeset(page) -> None:
    """MathJax has typeset the page and every web font (MathJax's, the Hangul one) is in."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready)")


def site_pages(site: Path) -> list[str]:
    """URL paths (relative to the site root) of every page of the built site, 404 included."""
    skip = {"assets", "search", "figures", "results", "notebooks", "javascripts", "stylesheets"}
    pages = []
    for p in sorted(site.rglob("index.html")):
        rel = p.relative_to(site).parent
        if rel.parts and (rel.parts[0] in skip or rel.parts[-1] in skip):
            continue
        pages.append("" if rel == Path(".") else rel.as_posix() + "/")
    return pages + ["404.html"]


def screenshots(site: Path, out: Path, base_path: str) -> list[Path]:
    """Full-page PNGs of every page in both schemes at desktop and phone width."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(site, base_path) as base, sync_playwright() as p:
        browser = launch(p)
        for scheme in SCHEMES:
            for device, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              color_scheme=scheme)
                tab = context.new_page()
                for rel in site_pages(site):
                    tab.goto(base + rel, wait_until="load")
                    wait_until_typeset(tab)
                    name = (rel.strip("/").replace("/", "_") or "index").replace(".html", "")
                    if not rel.startswith("en/") and rel != "404.html":
                        name = "ko_" + name
                    path = out / f"{name}.{scheme}.{device}.png"
                    tab.screenshot(path=str(path), full_page=True)
                    written.append(path)
                context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gdsc_book.site_browser")
    sub = ap.add_subparsers(dest="command", required=True)
    shots = sub.add_parser("screenshots", help="full-page PNGs of every page for reviewers")
    shots.add_argument("--site", type=Path, default=Path("site"), help="the built site")
    shots.add_argument("--out", type=Path, default=Path("build/screenshots"))
    shots.add_argument("--base-path", help="where the site is served (default: site_url's path)")
    args = ap.parse_args(argv)
    if args.base_path is None:
        args.base_path = base_path(Path.cwd())
    if not (args.site / "index.html").is_file():
        print(f"error: no built site in {args.site}: run `mkdocs build` (or `nox -s docs`) first",
              file=sys.stderr)
        return 2
    if find_chromium() is None:
        print(f"error: no Chromium: {INSTALL_HINT}", file=sys.stderr)
        return 2
    written = screenshots(args.site, args.out, args.base_path)
    print(f"{len(written)} screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
