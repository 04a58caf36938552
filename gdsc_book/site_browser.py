"""The built site in Debian's headless Chromium, offline.

One place for what the browser tests, the reviewers' screenshots (``nox -s screenshots``), the
page-weight benchmark and the print edition share: finding and launching Chromium with the
flags that keep it off the network, and two ways of serving ``site/`` under the path of
``site_url`` (``/gdsc-book/``):

- :func:`serve`, a real HTTP server on 127.0.0.1 that answers a missing path with the site's
  ``404.html``, as GitHub Pages does. The site tests use it: the search runs in a web worker
  and the reader's console must see real responses.
- :class:`SiteServer`, which answers a browser context's requests itself (no port), and can add
  URLs from memory or from other files: the print edition's page and fonts.

    python -m gdsc_book.site_browser screenshots --site site --out build/screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import mimetypes
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gdsc_book.errors import BookError

# Without the background-networking flags Chromium keeps dialling Google from an offline machine.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = ("install Debian's Chromium (`apt-get install chromium`) and the test extras "
                "(`pip install -e '.[docs,test]'`), or set GDSC_BOOK_CHROMIUM to a Chromium binary")
ORIGIN = "http://book.localhost"  # never resolved: SiteServer answers every request itself
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTHS = {"desktop": 1280, "phone": 390}
SCHEMES = ("light", "dark")


def base_path(root: Path) -> str:
    """The path part of mkdocs.yml's site_url (``/gdsc-book/``): where GitHub Pages serves it."""
    from gdsc_book import notebooks

    return urlsplit(notebooks.load_site(root).site_url).path or "/"


def find_chromium() -> str | None:
    """$GDSC_BOOK_CHROMIUM, else the first Chromium (or Chrome) on PATH."""
    given = os.environ.get("GDSC_BOOK_CHROMIUM")
    if given:
        return given
    return next((p for p in map(shutil.which, _NAMES) if p), None)


def require_chromium() -> str:
    path = find_chromium()
    if path is None:
        raise BookError(f"no Chromium found: {INSTALL_HINT}")
    return path


def sync_api():
    try:
        from playwright import sync_api
    except ImportError as exc:
        raise BookError("Playwright is missing: pip install -e '.[docs]'") from exc
    return sync_api


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
    return playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS,
                                      **kwargs)


Answer = tuple[bytes, str]  # body and content type


class SiteServer:
    """Answers a browser context's requests from a built site, at ``ORIGIN + base_path``.

    ``extra`` maps an absolute URL path to a file or to a function returning (body, type),
    for what is not a file of the site (a page put together in memory, a font from a package).
    """

    def __init__(self, site: Path, base_path: str = "/",
                 extra: dict[str, Path | Callable[[], Answer]] | None = None):
        self.site = Path(site).resolve()
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"
        self.extra = dict(extra or {})
        self.problems: list[str] = []

    def url(self, path: str = "") -> str:
        return ORIGIN + self.base_path + path

    def _file(self, path: str) -> Path | None:
        if not path.startswith(self.base_path):
            return None
        target = (self.site / unquote(path[len(self.base_path):])).resolve()
        if not target.is_relative_to(self.site):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def handle(self, route) -> None:
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" != ORIGIN:
            self.problems.append(f"request outside the site: {route.request.url}")
            route.abort()
            return
        answer = self.extra.get(url.path)
        if callable(answer):
            body, kind = answer()
            route.fulfill(body=body, content_type=kind)
            return
        target = answer if answer is not None else self._file(url.path)
        if target is None:
            self.problems.append(f"404: {url.path}")
            route.fulfill(status=404, body=b"not found")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        route.fulfill(body=Path(target).read_bytes(), content_type=kind)

    def attach(self, context) -> None:
        context.route("**/*", self.handle)


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
