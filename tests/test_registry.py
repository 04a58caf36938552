"""The figure pipeline: cache keys, records, byte-identical SVG, quick runs kept apart."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path

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
    assert "tmp_line" in out and "total (quick)" in out and "wall s" in out and "cpu s" in out


def _edited(monkeypatch, tmp_path, module, edit):
    """Make the key reader see ``module`` with its source changed by ``edit``."""
    from gdsc_book.figures import keys

    real = keys.module_path
    original = real(module).read_text()
    copy = tmp_path / (module.replace(".", "_") + ".py")
    copy.write_text(edit(original))
    monkeypatch.setattr(keys, "module_path", lambda name: copy if name == module else real(name))


def _experience_keys():
    from gdsc_book.figures import ch01_what_is_ml as ch01

    spec = registry.load_all()["ch01_experience"]
    compute = registry.compute_key(ch01._experience, spec.params("full"), 0, {"mnist": "x"})
    return compute, registry.figure_code(spec)


@pytest.mark.parametrize("module, edit, compute_changes, figure_changes", [
    # library code the computation calls: both stages are stale
    ("gdsc_book.experience", lambda s: s.replace("def train_softmax_runs(", "X = 1\n\n\ndef "
                                                 "train_softmax_runs(", 1)
     .replace("    runs = len(plans)", "    runs = len(plans)\n    X", 1), True, True),
    # a comment or a docstring is not code
    ("gdsc_book.experience", lambda s: s.replace('"""', '"""Reworded. ', 1) + "\n# a comment\n",
     False, False),
    # library code nothing here calls: nothing is stale
    ("gdsc_book.train", lambda s: s + "\n\ndef unused():\n    return 1\n", False, False),
    # the book style, how files are written: a redraw, never a recomputation
    ("gdsc_book.style", lambda s: s.replace('"grid.alpha": 0.3', '"grid.alpha": 0.4'),
     False, True),
    ("gdsc_book.files", lambda s: s.replace("0o666", "0o664"), False, False),
    # the figure's drawing code
    ("gdsc_book.figures.ch01_what_is_ml",
     lambda s: s.replace('"softmax regression on MNIST"', '"softmax regression, MNIST"'),
     False, True),
    # the figure's computation
    ("gdsc_book.figures.ch01_what_is_ml",
     lambda s: s.replace("lr=0.05, batch_size=128)", "lr=0.05, batch_size=64)"), True, True),
    # how datasets load: both stages; a function added to data.py that loading never calls:
    # neither
    ("gdsc_book.data", lambda s: s.replace("def load(\n", "X = 1\n\n\ndef load(\n", 1)
     .replace("    if name not in DATASETS:", "    X\n    if name not in DATASETS:", 1), True, True),
    ("gdsc_book.data", lambda s: s + "\n\ndef grader_helper():\n    return 1\n", False, False),
])
def test_each_key_holds_only_what_its_stage_depends_on(monkeypatch, tmp_path, module, edit,
                                                       compute_changes, figure_changes):
    compute, fig = _experience_keys()
    _edited(monkeypatch, tmp_path, module, edit)
    compute2, fig2 = _experience_keys()
    assert (compute2 != compute, fig2 != fig) == (compute_changes, figure_changes)


TWO_STAGES = '''
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from gdsc_book.figures.registry import figure
from gdsc_book.style import LANGS, tr


def _numbers(run, n):
    with Path(os.environ["TMP_CALLS"]).open("a") as f:
        f.write("x")
    return {{"curve": np.arange(n) * {slope}, "n": n}}


@figure("tmp_two", chapter="tmp2", full={{"n": 5}})
def two(ctx):
    r = ctx.compute(_numbers, n=ctx["n"])
    for lang in LANGS:
        fig, ax = plt.subplots()
        ax.plot(r["curve"], label=tr(lang, "선 {label}", "line {label}"))
        ctx.save(fig, lang)
    return {{"last": float(r["curve"][-1])}}
'''


def test_a_redraw_reuses_the_computation(tmp_path, monkeypatch):
    """Drawing changes redraw from the stored computation; computation changes rerun it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    calls = tmp_path / "calls"
    monkeypatch.setenv("TMP_CALLS", str(calls))
    out = tmp_path / "out"

    def version(slope, label):
        (tmp_path / "tmp_two_module.py").write_text(TWO_STAGES.format(slope=slope, label=label))
        sys.modules.pop("tmp_two_module", None)
        registry.REGISTRY.pop("tmp_two", None)
        importlib.invalidate_caches()
        importlib.import_module("tmp_two_module")
        [r] = registry.build(["tmp_two"], "full", out, verbose=False)
        return r, calls.read_text().count("x")

    try:
        r, n = version(2, "a")
        assert (r.status, n, r.reused) == ("built", 1, 0)
        rec = json.loads((out / "results" / "tmp_two.json").read_text())
        assert rec["numbers"] == {"last": 8.0}
        [c] = rec["computations"]
        assert (out / "results" / "compute" / "tmp_two" / c["file"]).exists()
        r, n = version(2, "b")  # a new label: redrawn, not recomputed
        assert (r.status, n, r.reused) == ("built", 1, 1)
        r, n = version(3, "b")  # the computation changed
        assert (r.status, n, r.reused) == ("built", 2, 0)
        assert json.loads((out / "results" / "tmp_two.json").read_text())["numbers"] == \
            {"last": 12.0}
        assert len(list((out / "results" / "compute" / "tmp_two").glob("*.npz"))) == 1
        [r] = registry.build(["tmp_two"], "full", out, verbose=False)
        assert (r.status, calls.read_text().count("x")) == ("cached", 2)
        [r] = registry.build(["tmp_two"], "full", out, verbose=False, recompute=True)
        assert (r.status, calls.read_text().count("x")) == ("built", 3)
    finally:
        registry.REGISTRY.pop("tmp_two", None)
        sys.modules.pop("tmp_two_module", None)


def test_stored_computations_read_back_what_was_returned(tmp_path):
    import numpy as np
    import torch

    value = {"a": np.arange(6.0).reshape(2, 3), "t": torch.ones(2, dtype=torch.long),
             "nested": [{"x": 1, "s": "text", "nan": float("nan")}], "pair": (1, 2.5),
             "by_int": {3: "three"}, "none": None}
    path = tmp_path / "c.npz"
    registry.save_computation(path, "k", value, {"seconds": 1.0})
    back, meta = registry.load_computation(path, "k")
    assert np.array_equal(back["a"], value["a"]) and back["a"].dtype == value["a"].dtype
    assert torch.equal(back["t"], value["t"])
    assert back["pair"] == (1, 2.5) and back["by_int"] == {3: "three"} and back["none"] is None
    assert back["nested"][0]["s"] == "text" and np.isnan(back["nested"][0]["nan"])
    assert meta == {"seconds": 1.0}
    assert registry.load_computation(path, "another key") is None
    with pytest.raises(BookError, match="return numbers"):
        registry.save_computation(path, "k", {"model": torch.nn.Linear(1, 1)}, {})


def test_the_source_reading_agrees_with_the_import():
    """What the registry reads without importing (to say "current" fast) is what the import
    registers, and both give one key."""
    from gdsc_book.figures import keys

    reg = registry.load_all()
    declared = keys.declared_figures()
    assert set(declared) == set(reg)
    for name, d in declared.items():
        spec = reg[name]
        assert (d.chapter, d.data, d.long) == (spec.chapter, spec.data, spec.long), name
        assert keys.code_hash(d.module, d.function, extra=registry._drawing_extra(d.data)) == \
            registry.figure_code(spec), name


def test_data_keys_follow_how_data_loads_not_all_of_data_py():
    """A function added to data.py (the graders' CIFAR-10 helpers were) invalidates no stored
    computation; a change to what ``data.load`` reaches invalidates the computation and its
    figure alike (once a figure counted as current while its computation was stale)."""
    from gdsc_book.figures import keys

    mod = keys.load_module("gdsc_book.data")
    code = keys.reach([("gdsc_book.data", mod.defs["load"], "load")], keys.PIPELINE)
    assert "gdsc_book.data:load" in code and "gdsc_book.data:Dataset" in code
    unreached = set(mod.defs) - {k.split(":")[1] for k in code}
    assert "accept_cifar10_copy" in unreached, sorted(unreached)
    with_data = registry.REGISTRY["ch01_experience"]
    assert keys.DATA_LOADING[0] in registry._drawing_extra(with_data.data)
    assert registry._drawing_extra(()) == tuple(sorted(keys.DRAWING))
    one = keys.code_hash("gdsc_book.data", "load")
    assert keys.code_hash("gdsc_book.data", "load", extra=("gdsc_book.data:Dataset",)) == one
    assert keys.code_hash("gdsc_book.data", "load", extra=("gdsc_book.data",)) != one


def test_records_name_datasets_never_where_they_lay(tmp_path):
    """A record says which data (name, split, size, fingerprint), not a path on one machine."""
    from gdsc_book import data

    @registry.figure("tmp_data", chapter="tmpdata", data=("digits",))
    def with_data(ctx):
        import matplotlib.pyplot as plt

        ds = ctx.load("digits")
        for lang in ("ko", "en"):
            fig, _ = plt.subplots()
            ctx.save(fig, lang)
        return {"n": len(ds)}

    try:
        registry.build_one(registry.REGISTRY["tmp_data"], "full", tmp_path)
        rec = json.loads((tmp_path / "results" / "tmp_data.json").read_text())
        [d] = rec["data"]
        assert set(d) <= set(registry.DATA_FIELDS) and "source" not in d
        assert d["sha256"] == data.fingerprint("digits")["sha256"] and d["n"] == 1437
    finally:
        registry.REGISTRY.pop("tmp_data")


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


def test_fingerprints_are_remembered_by_size_and_time(tmp_path, monkeypatch):
    """A rerun reads no dataset (the fingerprint is kept under the files' sizes and times),
    and a changed file is hashed again."""
    import os

    from gdsc_book import data

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "verify", lambda *a, **k: None)  # stand-in files, not MNIST's
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for i, name in enumerate(data._MNIST_FILES):
        (raw / name).write_bytes(bytes([i]) * 100)
    first = data.fingerprint("mnist", tmp_path / "root")["sha256"]
    assert (tmp_path / "cache" / "gdsc-book" / "fingerprints.json").exists()
    data._FINGERPRINTS.clear()  # a new run: only the remembered file is left
    calls = []
    real = data._fingerprint
    monkeypatch.setattr(data, "_fingerprint", lambda *a: calls.append(a) or real(*a))
    assert data.fingerprint("mnist", tmp_path / "root")["sha256"] == first and not calls
    target = raw / data._MNIST_FILES[0]
    target.write_bytes(b"\xff" * 100)  # same size, new content and time
    os.utime(target, ns=(1, 2))
    assert data.fingerprint("mnist", tmp_path / "root")["sha256"] != first and calls


def test_the_table_states_each_budget_and_flags_one_that_is_over(tmp_path):
    R = registry.BuildResult
    cached = [R("a", "cached", 1.0), R("b", "cached", 1.5)]
    assert registry.budget_lines(cached, "full", whole_book=True) == [
        f"{'rerun with nothing changed':<38} {2.5:>8.1f} s  budget {3:>6.0f} s  ok"]
    slow = cached + [R("c", "cached", 1.0)]
    assert registry.budget_lines(slow, "full", whole_book=True)[0].endswith("OVER")
    redraw = [R("a", "built", 100.0, computed=0.0), R("b", "built", 30.0, computed=0.0)]
    assert "redraw from stored computations" in registry.budget_lines(redraw, "full",
                                                                      whole_book=True)[0]
    assert registry.budget_lines(redraw, "full", whole_book=True)[0].endswith("OVER")
    # a run that computed something, or of a few figures, is none of these
    assert registry.budget_lines([R("a", "built", 1.0, computed=1.0)], "full", tmp_path,
                                 whole_book=True) == []
    assert registry.budget_lines(cached, "full") == []
    # chapter 1's full build, as its records say: computations' own time plus drawing (wall
    # seconds of the machine that built them, so only its presence is checked here)
    lines = registry.budget_lines(cached, "full", Path("docs"), whole_book=True)
    ch1 = [ln for ln in lines if ln.startswith("chapter 1")]
    assert ch1 and float(ch1[0].split()[4]) > 0, lines


def test_a_full_build_from_the_records_lasts_as_long_as_its_busiest_worker():
    R = registry.BuildResult
    cached = [R("a", "cached", 1.0)]

    def full_line(workers):
        [line] = [ln for ln in registry.budget_lines(cached, "full", Path("docs"), True,
                                                      workers=workers)
                  if ln.startswith("all but long")]
        return float(line.split(" s  budget")[0].split()[-1])

    one, two = full_line(1), full_line(2)
    recs = [json.loads(p.read_text()) for p in Path("docs/results").glob("*.json")]
    longest = max(r.get("compute_seconds", 0.0) for r in recs
                  if r.get("name") != "lab2_full" and "wall_seconds" in r)
    # Two workers, costliest first: no less than half the sum or the costliest figure, and
    # within one figure of that (the greedy schedule's bound).
    assert max(one / 2, longest) <= two <= max(one / 2, longest) + longest
    assert two < one


def test_figures_built_at_once_are_the_figures_built_one_by_one(tmp_path):
    # Two worker processes (what `gdsc-book figures` does on two cores) write exactly what a
    # serial build writes, and the records say the same numbers.
    names = ["ch01_tpe", "ch02_houses"]
    serial = registry.build(names, "full", tmp_path / "serial", verbose=False, jobs=1)
    both = registry.build(names, "full", tmp_path / "both", verbose=False, jobs=2)
    assert [r.status for r in serial] == [r.status for r in both] == ["built", "built"]
    for name in names:
        for f in json.loads((tmp_path / "serial" / "results" / f"{name}.json").read_text())[
                "files"]:
            assert (tmp_path / "both" / "figures" / f).read_bytes() == \
                (tmp_path / "serial" / "figures" / f).read_bytes(), f
        recs = [json.loads((tmp_path / d / "results" / f"{name}.json").read_text())
                for d in ("serial", "both")]
        assert recs[0]["numbers"] == recs[1]["numbers"] and recs[0]["key"] == recs[1]["key"]


def test_a_redraw_in_parallel_is_judged_by_its_elapsed_time():
    R = registry.BuildResult
    redraw = [R("a", "built", 100.0), R("b", "built", 90.0)]  # overlapping: 100 s elapsed
    [line] = registry.budget_lines(redraw, "full", whole_book=True, elapsed=100.0)
    assert line.startswith("redraw from stored computations") and " 100.0 s" in line
    assert line.endswith("ok")
