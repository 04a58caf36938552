"""The built site in Debian's headless Chromium, offline: what the print edition is printed by.

Playwright drives the system ``chromium`` (its driver ships in the wheel; nothing downloads a
browser). Pages are served by intercepting every request of the browser context: a URL under
the site's path (``/gdsc-book/``) is answered from the built ``site/`` folder, a few extra
URLs from memory or from files outside it (the print edition's fonts), and anything else is
refused and reported, so what works here works without a network.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gdsc_book.errors import BookError

# Flags for a headless run on a CI machine or in a container (no GPU, no sandbox, no
# background traffic to Google).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ORIGIN = "http://book.localhost"  # never resolved: every request is answered by the route below
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """$GDSC_BOOK_CHROMIUM, else the first Chromium (or Chrome) on PATH."""
    given = os.environ.get("GDSC_BOOK_CHROMIUM")
    if given:
        return given
    return next((p for p in map(shutil.which, _NAMES) if p), None)


def require_chromium() -> str:
    path = find_chromium()
    if path is None:
        raise BookError("no Chromium found: install it (Debian: apt-get install chromium) or set "
                        "GDSC_BOOK_CHROMIUM to its path")
    return path


def sync_api():
    try:
        from playwright import sync_api
    except ImportError as exc:
        raise BookError("Playwright is missing: pip install -e '.[docs]'") from exc
    return sync_api


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
