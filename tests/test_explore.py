"""Explorable figures: records, pages, print, and what a reader sees when a control moves.

The browser checks run in one Chromium (module-scoped) on the strictly built site: on each
explorable figure, moving a control changes the pixels drawn and the numbers on screen are the
record's numbers for the state the controls show; nothing is logged as an error and nothing
leaves the site. The rest needs no browser.
"""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest

from gdsc_book.figures import registry

from .pages import DOCS, korean_pages, twin
from .site_build import built_site, page_url

EXPLORABLE = re.compile(r"""\{\{\s*explorable\(\s*["']([^"']+)["']""")
FIGURE = re.compile(r"""\{\{\s*figure\(\s*["']([^"']+)["']""")


def _record(name: str) -> dict:
    return json.loads((DOCS / "results" / f"{name}.json").read_text(encoding="utf-8"))


def _explorables(path) -> list[tuple[str, str | None]]:
    """(explorable, the static figure on the macro line just before it) in page order."""
    out, last = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := EXPLORABLE.search(line):
            out.append((m.group(1), last))
        if m := FIGURE.search(line):
            last = m.group(1)
        elif line.strip():
            last = None
    return out


PAGES = {p.stem: _explorables(p) for p in korean_pages() if _explorables(p)}
NAMES = [n for items in PAGES.values() for n, _ in items]
SLUG = {n: slug for slug, items in PAGES.items() for n, _ in items}


def test_at_least_five_explorables_each_beside_its_static_figure_in_both_languages():
    assert len(NAMES) >= 5 and len(set(NAMES)) == len(NAMES), NAMES
    assert {"ch05", "ch06", "ch07", "ch08"} <= {s[:4] for s in PAGES}
    for slug, items in PAGES.items():
        assert _explorables(twin(DOCS / f"{slug}.md")) == items, slug
        for name, static in items:
            assert static is not None, f"{name}: no static figure right before it on {slug}"
            assert name.startswith(static.rsplit("_", 1)[0][:4]), (name, static)


@pytest.mark.parametrize("name", NAMES)
def test_each_explorable_is_a_registered_data_figure_with_labels_in_both_languages(name):
    spec = registry.load_all()[name]
    rec = _record(name)
    assert spec.fmt == "data" and rec["fmt"] == "data" and rec["files"] == []
    labels = rec["numbers"]["labels"]
    assert set(labels) == {"ko", "en"} and labels["ko"].keys() == labels["en"].keys()
    assert any(re.search("[가-힣]", v) for v in labels["ko"].values())
    assert not any(re.search("[가-힣]", v) for v in labels["en"].values())


# --- the states agree with the static figures they extend -------------------------------------

def _close(a, b, rel=1e-3):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rel, atol=1e-12)


def test_states_agree_with_the_static_figures_where_they_overlap():
    """Same functions, seeds and settings as the static figures: the same numbers where both
    show one (readouts keep four significant digits, hence the tolerance)."""
    w, s = _record("ch05_width_explore")["numbers"], _record("ch05_width")["numbers"]
    shared = [k for k in s["widths"] if k in w["widths"]]
    assert len(shared) >= 6
    assert _close([w["max_error"][w["widths"].index(k)] for k in shared],
                  [s["err_trained"][s["widths"].index(k)] for k in shared])
    assert _close([w["pieces"][w["widths"].index(k)] for k in shared],
                  [s["pieces_trained"][s["widths"].index(k)] for k in shared])

    b, s = _record("ch06_bias_variance_explore")["numbers"], _record("ch06_bias_variance")["numbers"]
    small, large = b["states"]
    assert (small["n"], large["n"]) == (s["n_train"], s["n_large"])
    assert _close(small["bias2"], s["bias2"]) and _close(small["variance"], s["variance"])
    assert _close(small["expected_error"], s["expected_error"])
    assert _close(large["bias2"], s["large_bias2"]) and _close(large["variance"], s["large_variance"])

    r, s = _record("ch06_ridge_explore")["numbers"], _record("ch06_fit")["numbers"]
    assert r["lambdas"][0] == 0 and r["degree"] in s["degrees"]
    i = s["degrees"].index(r["degree"])
    assert _close(r["test_mse"][0], s["test_mse"][i])
    assert abs(r["train_mse"][0] - s["train_mse"][i]) < 1e-12  # both interpolate the points

    d, s = _record("ch07_double_descent_explore")["numbers"], _record("ch07_double_descent")["numbers"]
    assert d["widths"] == s["widths"] and d["params"] == s["params"]
    assert _close([c[-1] for c in d["test"]], s["last_epoch_test_err"])
    assert _close([np.mean(c[-s["last"]:]) for c in d["test"]], s["test_err"])
    assert _close([np.mean(c[-s["last"]:]) for c in d["train"]], s["train_err"])

    g, s = _record("ch08_sgd_explore")["numbers"], _record("ch08_trajectories")["numbers"]
    assert g["steps"] == s["steps"] and g["n"] == s["n"]
    for key, batch in (("sgd", 1), ("mb", 16), ("gd", None)):
        state = g["states"][g["lrs"].index(s["lr"]) * len(g["batches"]) + g["batches"].index(batch)]
        assert _close(state["distance"], s["final_distance"][key]), key


def test_the_average_model_is_the_one_bias_squared_is_measured_on():
    """The explorable redraws simulate's training sets to show f̄: on simulate's own grid its
    bias² is simulate's (so the curves drawn and the numbers shown describe one experiment)."""
    from types import SimpleNamespace

    from gdsc_book import bias_variance as bv
    from gdsc_book.figures import explorables

    r = explorables._bias_variance_states(SimpleNamespace(seed=3), degrees=[1, 4], n_train=25,
                                          n_sets=200, ridge=1e-3, n_shown=2, n_grid=200)
    truth = bv.target(r["x"])
    assert _close([np.mean((f - truth) ** 2) for f in r["mean_fit"]], r["bias2"], rel=1e-9)


def test_sgd_states_mark_divergence_where_the_path_leaves():
    g = _record("ch08_sgd_explore")["numbers"]
    gone = [s for s in g["states"] if s["diverged"] is not None]
    kept = [s for s in g["states"] if s["diverged"] is None]
    assert gone and kept  # the slider reaches both
    assert all(s["final_loss"] is None and len(s["path"]) == s["diverged"] for s in gone)
    assert all(len(s["path"]) == g["steps"] + 1 for s in kept)
    full = g["batches"].index(None)
    assert all(g["states"][i * len(g["batches"]) + full]["diverged"] is None
               for i, lr in enumerate(g["lrs"]) if lr < g["stability_limit"])


# --- the registry: data figures and reused computations ---------------------------------------

DATA_FIGURES = '''
import os
import matplotlib.pyplot as plt
from gdsc_book.figures.registry import figure


def _square(run, x):
    with open(os.environ["TMP_CALLS"], "a") as f:
        f.write("x")
    return {"y": x * x}


@figure("tmp_static", chapter="tmp")
def static(ctx):
    r = ctx.compute(_square, x=3)
    for lang in ("ko", "en"):
        fig = plt.figure()
        ctx.save(fig, lang)
        plt.close(fig)
    return {"y": r["y"]}


@figure("tmp_explore", chapter="tmp", fmt="data")
def explore(ctx):
    return {"y": ctx.reuse("tmp_static", _square, x=3)["y"]}


@figure("tmp_bad", chapter="tmp", fmt="data")
def bad(ctx):
    return static(ctx)
'''


def test_a_data_figure_saves_no_image_stays_fresh_and_reuses_another_figures_computation(
        tmp_path, monkeypatch):
    import importlib
    import sys

    from gdsc_book.errors import BookError

    monkeypatch.syspath_prepend(str(tmp_path))
    calls = tmp_path / "calls"
    monkeypatch.setenv("TMP_CALLS", str(calls))
    (tmp_path / "tmp_data_module.py").write_text(DATA_FIGURES)
    out = tmp_path / "out"
    try:
        importlib.invalidate_caches()
        importlib.import_module("tmp_data_module")
        reg = registry.REGISTRY
        assert registry.build_one(reg["tmp_static"], "full", out).status == "built"
        assert registry.build_one(reg["tmp_explore"], "full", out).status == "built"
        assert calls.read_text() == "x"  # the explorable read the static one's computation
        rec = json.loads((out / "results" / "tmp_explore.json").read_text())
        assert rec["files"] == [] and rec["numbers"] == {"y": 9} and rec["fmt"] == "data"
        assert rec["computations"][0]["figure"] == "tmp_static"
        assert registry.build_one(reg["tmp_explore"], "full", out).status == "cached"
        assert not (out / "results" / "compute" / "tmp_explore").exists()
        with pytest.raises(BookError, match="saves no image"):
            registry.build_one(reg["tmp_bad"], "full", out)
    finally:
        for n in ("tmp_static", "tmp_explore", "tmp_bad"):
            registry.REGISTRY.pop(n, None)
        sys.modules.pop("tmp_data_module", None)


# --- print ------------------------------------------------------------------------------------

def test_the_print_edition_keeps_the_static_figures_and_leaves_the_explorables_out():
    from gdsc_book import print_edition, site_browser
    from gdsc_book.notebooks import load_site

    from .pages import ROOT

    site = built_site()
    for lang in ("ko", "en"):
        page, _ = print_edition.combined_page(
            site, lang, base_path=site_browser.base_path(ROOT),
            site_url=load_site(ROOT).site_url, ed=print_edition.edition(DOCS))
        assert "book-interactive" not in page
        for _, static in (i for items in PAGES.values() for i in items):
            assert re.search(rf'<img[^>]+src="[^"]*/figures/{static}[._]', page), (lang, static)
    css = (DOCS / "stylesheets" / "print.css").read_text(encoding="utf-8")
    assert re.search(r"@media print[^@]*\.book-interactive\s*\{\s*display:\s*none", css)


# --- in the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def session():
    """One Chromium for every check here; pages served from 127.0.0.1 as on GitHub Pages."""
    from gdsc_book import site_browser

    from . import test_browser as tb  # skips (or, in CI, fails) without Chromium or Playwright

    with site_browser.serve(built_site(), tb.BASE_PATH) as base, \
            tb.sync_api.sync_playwright() as p:
        browser = site_browser.launch(p)
        yield tb, browser, base
        browser.close()


def _open(session, slug, lang, **context):
    tb, browser, base = session
    tab = tb.Tab(browser, base, **context)
    tab.open(slug, lang)
    tab.page.add_style_tag(content=".md-header, .md-top { visibility: hidden; }")
    return tab


def _ready(page, name):
    box = page.locator(f'.book-interactive[data-name="{name}"]')
    box.scroll_into_view_if_needed()
    page.wait_for_function("e => ['ready', 'failed'].includes(e.dataset.state)",
                           arg=box.element_handle(), timeout=15_000)
    assert box.get_attribute("data-state") == "ready", name
    return box


def _pixels(box):
    from PIL import Image

    return Image.open(io.BytesIO(box.locator(".book-interactive__charts").screenshot())).convert("L")


def _changed(a, b) -> int:
    from PIL import ImageChops

    if a.size != b.size:
        return a.size[0] * a.size[1]
    return ImageChops.difference(a, b).point(lambda v: 255 if v > 40 else 0).histogram()[255]


def _agrees(text: str, value) -> bool:
    """Whether a number as the page writes it is ``value`` to the digits it shows."""
    text = text.strip()
    if text.endswith("%"):
        return abs(float(text[:-1]) - 100 * value) <= 0.05 + 1e-9
    shown = float(text.replace(",", ""))
    if value == 0:
        return shown == 0
    digits = len(re.sub(r"^0+", "", re.sub(r"e.*|[-.,]", "", text))) or 1
    ulp = 10 ** (math.floor(math.log10(abs(value))) - digits + 1)
    return abs(shown - value) <= 0.5 * ulp * (1 + 1e-9)


def _controls(box) -> dict:
    """What the controls show: each slider's position and each button group's pressed index."""
    out = {}
    for s in box.locator("input[type=range]").all():
        out[s.get_attribute("data-control")] = int(s.input_value())
    for g in box.locator(".book-interactive__buttons").all():
        pressed = g.locator('button[aria-pressed="true"]')
        out[g.get_attribute("data-control")] = int(pressed.get_attribute("data-index"))
    return out


def expected(n: dict, c: dict, lang: str) -> dict:
    """The record's numbers for the state the controls show, keyed as the readout is."""
    kind = n["kind"]
    if kind == "width":
        i = c["width"]
        return {"width": n["widths"][i], "max_error": n["max_error"][i], "pieces": n["pieces"][i]}
    if kind == "bias_variance":
        s, d = n["states"][c["size"]], c["degree"]
        return {"degree": n["degrees"][d], **{k: s[k][d] for k in (
            "bias2", "variance", "noise", "total", "expected_error")}}
    if kind == "ridge":
        i = c["lambda"]
        return {"lambda": n["lambdas"][i], **{k: n[k][i] for k in ("train_mse", "test_mse", "norm")}}
    if kind == "double_descent":
        w, e = c["width"], c["epoch"]
        return {"width": n["widths"][w], "params": n["params"][w], "epoch": e + 1,
                "train": n["train"][w][e], "test": n["test"][w][e]}
    if kind == "sgd":
        s = n["states"][c["lr"] * len(n["batches"]) + c["batch"]]
        out = {"lr": s["lr"], "batch": s["batch"] if s["batch"] is not None
               else n["labels"][lang]["full"]}
        if s["diverged"] is not None:
            out["diverged"] = str(s["diverged"])
        else:
            out.update(final_loss=s["final_loss"], distance=s["distance"])
        return out
    raise AssertionError(f"no expectation for kind {kind}")


def _check_readout(box, rec, lang):
    n = rec["numbers"]
    want = expected(n, _controls(box), lang)
    shown = {d.get_attribute("data-key"): d.inner_text()
             for d in box.locator(".book-interactive__readout dd").all()}
    assert shown.keys() == want.keys(), (shown, want)
    for k, v in want.items():
        if isinstance(v, str):
            assert v in shown[k], (k, shown[k], v)
        else:
            assert _agrees(shown[k], v), (rec["name"], k, shown[k], v)
    return shown


def _moves(box):
    """Every control, moved once: a slider one step on (or back, at its end), a button over."""
    for s in box.locator("input[type=range]").all():
        at_end = s.input_value() == s.get_attribute("max")
        yield s.get_attribute("data-control"), lambda s=s, e=at_end: s.press(
            "ArrowLeft" if e else "ArrowRight")
    for g in box.locator(".book-interactive__buttons").all():
        other = g.locator('button[aria-pressed="false"]').first
        yield g.get_attribute("data-control"), other.click


@pytest.mark.parametrize("lang", ("ko", "en"))
@pytest.mark.parametrize("name", NAMES)
def test_moving_a_control_redraws_and_shows_the_records_numbers(session, name, lang):
    rec = _record(name)
    tab = _open(session, SLUG[name], lang)
    try:
        box = _ready(tab.page, name)
        labels = rec["numbers"]["labels"][lang]
        names = box.locator(".book-interactive__name").all_inner_texts()
        assert names and all(t in labels.values() for t in names), names  # its language
        _check_readout(box, rec, lang)
        before = _pixels(box)
        for control, move in _moves(box):
            was = _controls(box)
            move()
            assert _controls(box) != was, control
            after = _pixels(box)
            assert _changed(before, after) > 200, (name, control)
            _check_readout(box, rec, lang)
            before = after
        assert not tab.problems, tab.problems
    finally:
        tab.close()


@pytest.mark.parametrize("scheme", ("light", "dark"))
def test_explorables_fit_a_phone_and_follow_the_theme(session, scheme):
    """At 390 px nothing runs past the screen's edge; the charts' ink is dark on the light
    theme and light on slate (the lines and labels, not the page around them)."""
    tab = _open(session, "ch08-sgd", "en", viewport={"width": 390, "height": 800},
                color_scheme=scheme)
    try:
        page = tab.page
        box = _ready(page, "ch08_sgd_explore")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        right = page.evaluate("""e => Math.max(...[...e.querySelectorAll('*')].map(
            c => c.getBoundingClientRect().right))""", box.element_handle())
        assert right <= 390, right
        from PIL import Image

        hist = _pixels(box).histogram()
        dark, light = sum(hist[:80]), sum(hist[140:])
        # The chart's text as drawn: its brightest (slate) or darkest (light) pixel is ink.
        ink = [Image.open(io.BytesIO(t.screenshot())).convert("L").getextrema()
               for t in box.locator("svg .bi-title, svg .bi-tick").all()[:6]]
        if scheme == "dark":
            assert dark > 0.6 * sum(hist) and light > 300, (dark, light)
            assert all(hi > 150 for _, hi in ink), ink
        else:
            assert light > 0.6 * sum(hist) and dark > 300, (dark, light)
            assert all(lo < 100 for lo, _ in ink), ink
        assert not tab.problems, tab.problems
    finally:
        tab.close()


def test_printing_a_page_hides_the_explorable_and_keeps_the_figure(session):
    tab = _open(session, "ch07-double-descent", "ko")
    try:
        page = tab.page
        _ready(page, "ch07_double_descent_explore")
        page.emulate_media(media="print")
        box = page.locator(".book-interactive").first.bounding_box()
        imgs = page.eval_on_selector_all(
            "article .book-figure img", "els => els.map(e => e.getBoundingClientRect().height)")
        assert box is None and imgs and min(imgs) > 50, (box, imgs)
    finally:
        tab.close()


def test_the_pages_point_at_their_records():
    """The macro's record address resolves from both languages' pages (a wrong depth 404s)."""
    site = built_site()
    for name in NAMES:
        for lang in ("ko", "en"):
            html = (site / page_url(SLUG[name], lang) / "index.html").read_text(encoding="utf-8")
            href = re.search(rf'data-name="{name}" data-record="([^"]+)"', html).group(1)
            target = (site / page_url(SLUG[name], lang) / href).resolve()
            assert target.is_file() and json.loads(target.read_text())["name"] == name
