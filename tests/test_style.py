"""The book's figure style: light SVGs that still show the same picture."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from gdsc_book import style


@pytest.fixture
def dense_figure(tmp_path):
    """A figure with a rasterized scatter (an embedded PNG), long lines and Hangul text."""
    import matplotlib.pyplot as plt

    style.use_book_style()
    rng = np.random.default_rng(0)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3))
    ax1.scatter(*rng.normal(size=(2, 3000)), c=rng.random(3000), s=4)
    ax2.plot(np.cumsum(rng.normal(size=2000)), lw=1)
    ax2.set_title("확률적 경사 하강법")
    plain, slim = tmp_path / "plain.svg", tmp_path / "slim.svg"
    style._rasterize_dense(fig)
    fig.savefig(plain, format="svg", metadata={"Date": None})
    style.save(fig, slim)
    return plain.read_text(), slim.read_text()


def _png_sizes(svg: str) -> list[tuple[int, int]]:
    from PIL import Image

    return [Image.open(io.BytesIO(base64.b64decode(m))).size
            for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\n]+)", svg)]


def test_slim_svg_is_lighter_and_keeps_size_images_and_glyphs(dense_figure):
    plain, slim = dense_figure
    assert len(slim) < 0.7 * len(plain)
    a, b = ET.fromstring(plain.encode()), ET.fromstring(slim.encode())
    for attr in ("width", "height", "viewBox"):  # the same size, to 0.01 pt
        va, vb = ([float(v) for v in e.get(attr).replace("pt", "").split()] for e in (a, b))
        assert np.allclose(va, vb, atol=0.01), attr
    assert _png_sizes(slim) == _png_sizes(plain) and _png_sizes(slim)  # same pixels, fewer bytes
    ns = "{http://www.w3.org/2000/svg}"
    # every glyph and marker a <use> points to is still defined
    ids = {e.get("id") for e in b.iter() if e.get("id")}
    refs = {e.get("{http://www.w3.org/1999/xlink}href", "").lstrip("#") for e in b.iter(f"{ns}use")}
    empty = {e.get("id") for e in a.iter(f"{ns}path") if e.get("id") and not e.get("d")}
    assert refs and refs - ids <= empty  # only blank glyphs (a space) were dropped


def test_slim_svg_is_deterministic(dense_figure):
    _, slim = dense_figure
    assert style.slim_svg(slim) == style.slim_svg(slim)


def test_log_spaced_indices_cover_the_whole_run():
    idx = style.log_spaced(10_001)
    assert idx[0] == 1 and idx[-1] == 10_000 and len(idx) <= 300
    assert np.all(np.diff(idx) > 0)


def _lines_figure(n_lines: int, steps: int, marker: str = ""):
    import matplotlib.pyplot as plt

    style.use_book_style()
    rng = np.random.default_rng(1)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for _ in range(n_lines):
        ax.plot(np.cumsum(rng.normal(size=steps)), marker=marker or None, lw=0.8, ms=2)
    ax.axhline(0, color="k", lw=0.5)  # a reference line: always vector
    ax.set_title("여러 번의 SGD 실행")
    return fig


def test_many_long_lines_are_saved_in_the_lighter_form(tmp_path):
    """25 runs of 400 steps (ch08's saddle): pixels are lighter than vectors and are kept; the
    text and the reference line stay vector. A few short lines stay vector altogether."""
    import matplotlib.pyplot as plt

    out = tmp_path / "many.svg"
    style.save(_lines_figure(25, 400), out)
    many = out.read_text()
    vector = _lines_figure(25, 400)  # the same figure with every line as a vector path
    buf = io.BytesIO()
    vector.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(vector)
    assert _png_sizes(many) and len(many) < len(style.slim_svg(buf.getvalue().decode()))
    assert many.count("<path") >= 3  # axes, ticks and the reference line are still paths
    out = tmp_path / "few.svg"
    style.save(_lines_figure(3, 50), out)
    assert not _png_sizes(out.read_text())


def test_hundreds_of_markers_may_become_pixels(tmp_path):
    out = tmp_path / "dots.svg"
    style.save(_lines_figure(1, 600, marker="o"), out)
    assert _png_sizes(out.read_text())  # 600 <use> elements weigh more than their image
