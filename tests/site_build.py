"""One strict build of the site per test session, shared by the reader-facing tests.

``tests/test_links.py`` and ``tests/test_browser.py`` read the same ``site/``: building it once
(``mkdocs build`` takes several seconds on a 2-core CPU) keeps both fast. Set
``GDSC_BOOK_SITE=path`` to test a site that is already built instead.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .pages import ROOT

LANGS = ("ko", "en")


@functools.lru_cache(maxsize=1)
def _build() -> tuple[Path | None, str]:
    given = os.environ.get("GDSC_BOOK_SITE")
    if given:
        return Path(given), ""
    out = Path(tempfile.mkdtemp(prefix="gdsc-book-site-"))
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0 or "WARNING" in r.stderr:
        return None, r.stdout[-3000:] + r.stderr[-3000:]
    return out, ""


def built_site() -> Path:
    site, log = _build()
    if site is None:
        pytest.fail(f"mkdocs build --strict failed:\n{log}")
    return site


def page_url(slug: str, lang: str) -> str:
    """The page's URL path relative to the site root (``en/ch01-what-is-ml/``)."""
    prefix = "" if lang == "ko" else f"{lang}/"
    return prefix + ("" if slug == "index" else f"{slug}/")


def page_slugs() -> list[str]:
    """Slugs of the pages that have both twins (``index`` first)."""
    docs = ROOT / "docs"
    slugs = [p.name[:-3] for p in sorted(docs.glob("*.md")) if not p.name.endswith(".en.md")]
    return [s for s in slugs if (docs / f"{s}.en.md").exists()]
