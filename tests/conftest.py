"""Shared test fixtures: where real datasets are, and a clean environment for data tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
# Some tests rewrite a module and import it again within the same second. A .pyc is checked
# against its source's mtime in whole seconds (and its size), so a cached one could bring the
# old code back; with no .pyc written, each import compiles the file as it is now.
sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"


def shared_data_root() -> Path | None:
    """The real datasets: $GDSC_BOOK_DATA, else ../shared/datasets beside the checkout."""
    env = os.environ.get("GDSC_BOOK_DATA")
    for cand in (env, SHARED):
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None


def has_dataset(name: str) -> bool:
    from gdsc_book.data import _find, data_roots

    root = shared_data_root()
    return root is not None and _find(name, data_roots(root)) is not None


@pytest.fixture
def data_root() -> Path:
    root = shared_data_root()
    if root is None:
        pytest.skip("no dataset folder (set GDSC_BOOK_DATA)")
    return root


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """No $GDSC_BOOK_DATA and an empty user cache: what a fresh, offline machine sees."""
    monkeypatch.delenv("GDSC_BOOK_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def one_thread():
    """Tiny tensors: a second torch thread only adds synchronization (and stalls a busy CPU)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def pytest_configure(config):
    # Real datasets for every test that uses gdsc_book.data, when they are beside the checkout.
    root = shared_data_root()
    if root is not None:
        os.environ.setdefault("GDSC_BOOK_DATA", str(root))
