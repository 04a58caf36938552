"""The figure pipeline: cache keys, records, byte-identical SVG, quick runs kept apart."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import pytest

from gdsc_book.errors import BookError
from gdsc_book.figures import registry

MODULE = '''
import matplotlib.pyplot as plt
from gdsc_book.figures.registry import figure
from gdsc_book.style import LANGS, tr

@figure("tmp_line", chapter="tmp", full={{"n": 5}}, quick={{"n": 2}}, data={data})
def line(ctx):
    for lang in LANGS:
        fig, ax = plt.subplots()
        ax.plot(range(ctx["n"]), label=tr(lang, "선 {version}", "line {version}"))
        ax.legend()
        ctx.save(fig, lang)
    return {{"n": ctx["n"], "version": {version}}}
'''


@pytest.fixture
def tmp_figure(tmp_path, monkeypatch):
    """A throw-away figure module whose source the test can change."""
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "tmp_fig_module.py"

    def write(version=1, data="()"):
        path.write_text(textwrap.dedent(MODULE.format(version=version, data=data)))
        sys.modules.pop("tmp_fig_module", None)
        registry.REGISTRY.pop("tmp_line", None)
        importlib.invalidate_caches()
        importlib.import_module("tmp_fig_module")
        return registry.REGISTRY["tmp_line"]

    yield write
    registry.REGISTRY.pop("tmp_line", None)
    sys.modules.pop("tmp_fig_module", None)


def test_build_writes_both_languages_and_a_record(tmp_figure, tmp_path):
    spec = tmp_figure()
    r = registry.build_one(spec, "full", tmp_path / "out")
    assert r.status == "built"
    assert sorted(r.files) == ["tmp_line.en.svg", "tmp_line.ko.svg"]
    rec = json.loads((tmp_path / "out" / "results" / "tmp_line.json").read_text())
    assert rec["numbers"] == {"n": 5, "version": 1} and rec["budget"] == "full"
    for key in ("seed", "versions", "wall_seconds", "date", "key", "data", "device"):
        assert key in rec
    assert {"torch", "torchvision", "gdsc_book"} <= set(rec["versions"])


def test_unchanged_figure_is_skipped_and_changes_rebuild(tmp_figure, tmp_path):
    out = tmp_path / "out"
    spec = tmp_figure(version=1)
    assert registry.build_one(spec, "full", out).status == "built"
    svg = out / "figures" / "tmp_line.ko.svg"
    mtime = svg.stat().st_mtime_ns
    assert registry.build_one(spec, "full", out).status == "cached"
    assert svg.stat().st_mtime_ns == mtime  # untouched
    spec = tmp_figure(version=2)  # the code changed
    assert registry.build_one(spec, "full", out).status == "built"
    assert registry.build_one(spec, "full", out).status == "cached"
    spec.full["n"] = 6  # an input changed
    assert registry.build_one(spec, "full", out).status == "built"
    svg.unlink()  # an output went missing
    assert registry.build_one(spec, "full", out).status == "built"


def test_declared_data_joins_the_key(tmp_figure, tmp_path, monkeypatch):
    from gdsc_book import data

    spec = tmp_figure(data='("digits",)')
    k1, _ = registry.cache_key(spec, "full")
    monkeypatch.setattr(data, "fingerprint", lambda name, root=None: {"sha256": "other"})
    k2, _ = registry.cache_key(spec, "full")
    assert k1 != k2


def test_svg_is_byte_identical_across_reruns(tmp_path):
    registry.load_all()
    spec = registry.REGISTRY["ch01_tpe"]
    a, b = tmp_path / "a", tmp_path / "b"
    registry.build_one(spec, "full", a)
    registry.build_one(spec, "full", b, force=True)
    for lang in ("ko", "en"):
        fa = (a / "figures" / f"ch01_tpe.{lang}.svg").read_bytes()
        assert fa == (b / "figures" / f"ch01_tpe.{lang}.svg").read_bytes()
        assert b"<dc:date>" not in fa


def test_a_figure_missing_a_language_fails(tmp_path):
    import matplotlib.pyplot as plt

    @registry.figure("tmp_half", chapter="tmp")
    def half(ctx):
        fig, _ = plt.subplots()
        ctx.save(fig, "ko")

    try:
        with pytest.raises(BookError, match="both languages"):
            registry.build_one(registry.REGISTRY["tmp_half"], "full", tmp_path)
    finally:
        registry.REGISTRY.pop("tmp_half")


def test_quick_cli_never_touches_committed_figures(tmp_path, monkeypatch):
    from gdsc_book.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["figures", "ch01_tpe", "--quick"]) == 0
    assert (tmp_path / "build" / "quick" / "figures" / "ch01_tpe.ko.svg").exists()
    assert not (tmp_path / "docs").exists()
    assert main(["figures", "no_such_figure", "--quick"]) == 2


def test_time_table_lists_every_figure(tmp_figure, tmp_path, capsys):
    tmp_figure()
    registry.build(["tmp_line"], "quick", tmp_path)
    out = capsys.readouterr().out
    assert "tmp_line" in out and "total (quick)" in out and "seconds" in out


def test_library_modules_a_figure_imports_join_the_key(tmp_path, monkeypatch):
    """Editing gdsc_book.train (imported inside a figure function) rebuilds that figure;
    rewording a docstring or a comment does not."""
    registry.load_all()
    spec = registry.REGISTRY["ch01_experience"]
    deps = registry._imported_book_modules(spec.func.__module__)
    assert {"gdsc_book.train", "gdsc_book.models", "gdsc_book.style"} <= deps
    assert "gdsc_book.figures.registry" not in deps
    before = registry._module_hash(spec.func)
    original = registry._source("gdsc_book.train").read_text()
    edited = tmp_path / "train.py"
    real = registry._source
    monkeypatch.setattr(registry, "_source",
                        lambda name: edited if name == "gdsc_book.train" else real(name))
    # A comment or a docstring is not code: the figures stay current...
    edited.write_text(original.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n")
    assert registry._module_hash(spec.func) == before
    # ...while a change to what the code does rebuilds them.
    edited.write_text(original + "\nBATCH_DEFAULT = 64\n")
    assert registry._module_hash(spec.func) != before


def test_a_long_figure_is_built_only_by_name(tmp_path):
    """A build of all figures (or of the chapter) must stay within the book's 30 minutes:
    a long figure that is not current is skipped with a message, and built when named."""
    import matplotlib.pyplot as plt

    calls = []

    @registry.figure("tmp_long", chapter="tmplong", long=True, full={"n": 3}, quick={"n": 1})
    def long_fig(ctx):
        calls.append(ctx["n"])
        for lang in ("ko", "en"):
            fig, _ = plt.subplots()
            ctx.save(fig, lang)
        return {"n": ctx["n"]}

    try:
        out = tmp_path / "out"
        [r] = registry.build(["tmplong"], "full", out, verbose=False)
        assert (r.status, calls) == ("skipped", [])
        assert "gdsc-book figures tmp_long" in r.error
        assert [r.status for r in registry.build(["tmplong"], "quick", out, verbose=False)] \
            == ["built"]  # quick budgets are small: CI builds them all
        [r] = registry.build(["tmp_long"], "full", out, verbose=False)
        assert (r.status, calls) == ("built", [1, 3])
        [r] = registry.build(["tmplong"], "full", out, verbose=False)
        assert r.status == "cached"  # current: a build of the chapter keeps it
        [r] = registry.build(["tmplong"], "full", out, force=True, verbose=False)
        assert r.status == "skipped" and calls == [1, 3]  # --force never starts the long run
    finally:
        registry.REGISTRY.pop("tmp_long")
