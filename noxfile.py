"""Tasks for contributors: ``nox -s site`` builds everything, ``nox -s tests`` checks everything,
``nox -s pdf`` prints the book (one PDF per language).

Two environments, not one per session:

- ``.nox/docs`` (``docs``, ``serve``): the site's dependencies only. The pages
  show committed figures and records, so a text contributor never installs torch (the package
  itself goes in without its dependencies: the MkDocs hooks and macros import nothing heavy).
- ``.nox/train`` (``tests``, ``figures``, ``site``): everything, torch included, shared by
  every session that trains, so torch is installed once.

With uv (``pip install nox uv``) installs come from uv's cache; without it, pip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).parent
SHARED_DATA = ROOT.parent / "shared" / "datasets"
TRAIN_ENV = ROOT / ".nox" / "train"
DOCS_ENV = ROOT / ".nox" / "docs"
os.environ.setdefault("UV_NATIVE_TLS", "1")  # uv trusts the system certificates, like pip


def _env() -> dict:
    env = {"NO_MKDOCS_2_WARNING": "1"}  # mkdocs prints a banner about 2.0 on every build
    if "GDSC_BOOK_DATA" not in os.environ and SHARED_DATA.is_dir():
        env["GDSC_BOOK_DATA"] = str(SHARED_DATA)  # the datasets beside a workplace checkout
    return env


def _extra(name: str) -> list[str]:
    """The requirements of one optional-dependency group of pyproject.toml."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - nox on Python 3.10
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["optional-dependencies"][name]


def _shared_env(session: nox.Session, where: Path, *installs: list[str]) -> Path:
    """An environment shared by several sessions: created once, updated in place."""
    python = where / "bin" / "python"
    uv = shutil.which("uv")
    if not python.exists():
        if uv:
            session.run(uv, "venv", "--quiet", str(where), external=True)
        else:
            session.run(sys.executable, "-m", "venv", str(where), external=True)
    for args in installs:
        if uv:
            # Compiled bytecode up front: where PYTHONDONTWRITEBYTECODE is set (as on the CI
            # machines), every process would otherwise recompile torch on import.
            session.run(uv, "pip", "install", "--quiet", "--compile-bytecode", "--python",
                        str(python), *args, external=True)
        else:
            session.run(str(python), "-m", "pip", "install", "--quiet", *args, external=True)
    return where / "bin"


def _run_in(session: nox.Session, bin_dir: Path, command: str, *args: str) -> None:
    env = dict(_env(), VIRTUAL_ENV=str(bin_dir.parent),
               PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    session.run(str(bin_dir / command), *args, env=env, external=True)


def _in_train_env(session: nox.Session, command: str, *args: str) -> None:
    _run_in(session, _shared_env(session, TRAIN_ENV, ["-e", ".[docs,test]"]), command, *args)


def _in_docs_env(session: nox.Session, command: str, *args: str) -> None:
    # The package without its dependencies: the hooks and macros need none of them.
    bin_dir = _shared_env(session, DOCS_ENV, _extra("docs"), ["--no-deps", "-e", "."])
    _run_in(session, bin_dir, command, *args)


@nox.session(venv_backend="none")
def figures(session: nox.Session) -> None:
    """Build figures: `nox -s figures -- [NAMES|CHAPTERS] [--quick] [--force]`."""
    _in_train_env(session, "gdsc-book", "figures", *session.posargs)


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """Build the site strictly (both languages) into site/, from committed figures."""
    _in_docs_env(session, "mkdocs", "build", "--strict", *session.posargs)


@nox.session(venv_backend="none")
def site(session: nox.Session) -> None:
    """Everything a newcomer needs: figures (unchanged ones are skipped), then the site."""
    _in_train_env(session, "gdsc-book", "figures", *session.posargs)
    _in_train_env(session, "gdsc-book", "notebooks")  # notebooks follow the pages
    _in_train_env(session, "mkdocs", "build", "--strict")
    session.log("site built in ./site — preview with `nox -s serve`")


@nox.session(venv_backend="none")
def serve(session: nox.Session) -> None:
    """Preview at http://127.0.0.1:8000/gdsc-book/ (Korean) and .../gdsc-book/en/ (English)."""
    _in_docs_env(session, "mkdocs", "serve", *session.posargs)


@nox.session(venv_backend="none")
def pdf(session: nox.Session) -> None:
    """The print edition: build/pdf/gdsc-book.ko.pdf and .en.pdf, printed from a fresh site/."""
    _in_docs_env(session, "mkdocs", "build", "--strict")
    _in_docs_env(session, "gdsc-book", "pdf", "--site", "site", "--out", "build/pdf",
                 *session.posargs)


@nox.session(venv_backend="none")
def screenshots(session: nox.Session) -> None:
    """Full-page PNGs of every page (ko/en, light/dark, 1280/390 px) into build/screenshots/."""
    _in_docs_env(session, "mkdocs", "build", "--strict")
    _in_docs_env(session, "python", "-m", "gdsc_book.site_browser", "screenshots", "--site",
                 "site", "--out", "build/screenshots", *session.posargs)


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """The whole test suite (what CI runs)."""
    _in_train_env(session, "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
