"""Every registered figure builds at its quick budget, in both languages, without tofu."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from gdsc_book.data import DataError, fingerprint
from gdsc_book.figures import registry

SPECS = sorted(registry.load_all())


@pytest.fixture(scope="session")
def quick_root(tmp_path_factory):
    return tmp_path_factory.mktemp("quick")


@pytest.mark.parametrize("name", SPECS)
def test_quick_build(name, quick_root, caplog):
    spec = registry.REGISTRY[name]
    try:
        for d in spec.data:
            fingerprint(d)
    except DataError as exc:
        pytest.skip(str(exc).splitlines()[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = registry.build_one(spec, "quick", quick_root, force=True)
    # Matplotlib reports a missing glyph (a tofu box) as a warning or as a log record.
    tofu = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    tofu += [r.getMessage() for r in caplog.records if "does not have a glyph" in r.getMessage()]
    assert not tofu, tofu
    assert result.status == "built"
    rec = json.loads((quick_root / "results" / f"{name}.json").read_text())
    for f in rec["files"]:
        assert (quick_root / "figures" / f).stat().st_size > 0
    assert {f.split(".")[-2] for f in rec["files"]} == {"ko", "en"}


@pytest.mark.parametrize("name", SPECS)
def test_committed_figure_is_current(name):
    """The committed full-budget record matches the code: `nox -s figures` was run."""
    spec = registry.REGISTRY[name]
    root = Path(__file__).resolve().parents[1] / "docs"
    rec_path = root / "results" / f"{name}.json"
    assert rec_path.exists(), f"run `nox -s figures -- {name}` and commit docs/figures, docs/results"
    rec = json.loads(rec_path.read_text())
    assert rec["budget"] == "full"
    try:
        key, _ = registry.cache_key(spec, "full")
    except DataError as exc:
        pytest.skip(str(exc).splitlines()[0])
    assert rec["key"] == key, f"{name} changed since its figure was built: run `nox -s figures -- {name}`"
    for f in rec["files"]:
        assert (root / "figures" / f).exists()
