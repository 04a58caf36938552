"""Tasks for contributors: ``nox -s site`` builds everything, ``nox -s tests`` checks everything,
``nox -s pdf`` prints the book (one PDF per language).

All sessions share one set of dependencies and reuse their environments; with the uv backend
(virtualenv when uv is absent) torch comes from uv's cache, so it is downloaded once, not per
session.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).parent
SHARED_DATA = ROOT.parent / "shared" / "datasets"
os.environ.setdefault("UV_NATIVE_TLS", "1")  # uv trusts the system certificates, like pip


def _env() -> dict:
    env = {"NO_MKDOCS_2_WARNING": "1"}  # mkdocs prints a banner about 2.0 on every build
    if "GDSC_BOOK_DATA" not in os.environ and SHARED_DATA.is_dir():
        env["GDSC_BOOK_DATA"] = str(SHARED_DATA)  # the datasets beside a workplace checkout
    return env


def _install(session: nox.Session) -> None:
    session.install("-e", ".[docs,test]")


@nox.session
def figures(session: nox.Session) -> None:
    """Build figures: `nox -s figures -- [NAMES|CHAPTERS] [--quick] [--force]`."""
    _install(session)
    session.run("gdsc-book", "figures", *session.posargs, env=_env())


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site strictly (both languages) into site/."""
    _install(session)
    session.run("mkdocs", "build", "--strict", *session.posargs, env=_env())


@nox.session
def site(session: nox.Session) -> None:
    """Everything a newcomer needs: figures (unchanged ones are skipped), then the site."""
    _install(session)
    session.run("gdsc-book", "figures", *session.posargs, env=_env())
    session.run("gdsc-book", "notebooks", env=_env())  # notebooks follow the pages
    session.run("mkdocs", "build", "--strict", env=_env())
    session.log("site built in ./site — preview with `nox -s serve`")


@nox.session
def pdf(session: nox.Session) -> None:
    """The print edition: build/pdf/gdsc-book.ko.pdf and .en.pdf, printed from a fresh site/."""
    _install(session)
    session.run("mkdocs", "build", "--strict", env=_env())
    session.run("gdsc-book", "pdf", "--site", "site", "--out", "build/pdf", *session.posargs,
                env=_env())


@nox.session
def serve(session: nox.Session) -> None:
    """Preview at http://127.0.0.1:8000/gdsc-book/ (Korean) and .../gdsc-book/en/ (English)."""
    _install(session)
    session.run("mkdocs", "serve", *session.posargs, env=_env())


@nox.session
def screenshots(session: nox.Session) -> None:
    """Full-page PNGs of every page (ko/en, light/dark, 1280/390 px) into build/screenshots/."""
    _install(session)
    session.run("mkdocs", "build", "--strict", env=_env())
    session.run("python", "-m", "gdsc_book.site_browser", "screenshots", "--site", "site",
                "--out", "build/screenshots", *session.posargs, env=_env())


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (what CI runs)."""
    _install(session)
    session.run("pytest", *session.posargs, env=_env())


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
