"""One matplotlib style for the whole book, with Hangul that renders (no tofu boxes).

The Korean font is NanumGothic from the ``koreanize-matplotlib`` wheel. We only read its font
files: importing that package runs code that needs ``distutils``, which Python 3.12 removed.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.collections import Collection, QuadMesh  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from gdsc_book.files import write_atomically  # noqa: E402

LANGS = ("ko", "en")
KOREAN_FONT = "NanumGothic"

# A palette that stays distinct for colour-blind readers and on white.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def korean_font_dir() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("koreanize-matplotlib is not installed: pip install koreanize-matplotlib")
    return Path(list(spec.submodule_search_locations)[0]) / "fonts"


_applied = False


def use_book_style() -> None:
    """Register the Korean font and set the book's rcParams (idempotent)."""
    global _applied
    if _applied:
        return
    for ttf in sorted(korean_font_dir().glob("*.ttf")):
        font_manager.fontManager.addfont(str(ttf))
    plt.rcParams.update(
        {
            # NanumGothic first for Hangul; DejaVu Sans fills glyphs it lacks (e.g. U+2212 minus).
            "font.family": [KOREAN_FONT, "DejaVu Sans"],
            "mathtext.fontset": "dejavusans",
            "axes.unicode_minus": True,
            "axes.prop_cycle": matplotlib.cycler(color=COLORS),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 100,
            "savefig.dpi": 150,  # also the resolution of rasterized parts of an SVG
            "savefig.bbox": "tight",
            # An opaque white card keeps every figure readable in the dark theme too.
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "axes.facecolor": "white",
            # Byte-identical SVG: fixed ids, glyphs as paths (no font needed in the browser).
            "svg.hashsalt": "gdsc-book",
            "svg.fonttype": "path",
            "image.cmap": "viridis",
            "legend.frameon": False,
        }
    )
    _applied = True


def _pow10(value, _pos) -> str:
    if value <= 0:
        return ""
    exp = np.log10(value)
    return f"$10^{{{int(round(exp))}}}$" if abs(exp - round(exp)) < 1e-9 else ""


def log_ticks(ax, axis: str = "y") -> None:
    """Label a log axis as plain mathtext ``$10^{-5}$``.

    Matplotlib's default log labels use ``\\mathdefault``, which draws with the text font;
    NanumGothic has no U+2212 minus sign, so Korean figures would lose their minus signs.
    """
    if axis not in ("x", "y", "xy"):
        raise ValueError(f"axis must be 'x', 'y' or 'xy', not {axis!r}")
    for target in ([ax.xaxis] if "x" in axis else []) + ([ax.yaxis] if "y" in axis else []):
        target.set_major_formatter(FuncFormatter(_major_label(target)))
        target.set_minor_formatter(FuncFormatter(_minor_label(target)))


def _short(target) -> bool:
    lo, hi = sorted(target.get_view_interval())
    return lo > 0 and hi / lo < 100


def _major_label(target):
    """One rule per axis: powers of ten when it spans two decades or more, else plain
    numbers for every label (never "20, 10¹, 5" on one axis)."""

    def label(value, pos) -> str:
        if value <= 0:
            return ""
        return f"{value:g}" if _short(target) else _pow10(value, pos)

    return label


def _minor_label(target):
    """Label 2x and 5x ticks as plain numbers when an axis spans under two decades (so it is
    never left without labels); plain text falls back to DejaVu for the minus sign."""

    def label(value, _pos) -> str:
        if value <= 0 or not _short(target):
            return ""
        mantissa = value / 10 ** np.floor(np.log10(value))
        return f"{value:g}" if round(mantissa) in (2, 5) else ""

    return label


def log_spaced(n: int, points: int = 300) -> np.ndarray:
    """Indices 1..n-1, evenly spaced on a log axis: a curve over 10,000 steps drawn on
    log-x axes needs a few hundred of them (the rest fall on the same pixels)."""
    return np.unique(np.geomspace(1, n - 1, points).round().astype(int))


# The legibility standard (CONTRIBUTING.md) made easy: a figure drawn PAGE_WIDTH inches wide
# is shown at its natural size in the 688 px column, so MIN_FONT_PT (11.3 CSS px) is enough;
# anything wider is scaled down and needs fonts of 1.15 pt per inch of width.
PAGE_WIDTH = 6.4
MIN_FONT_PT = 8.5


def panels(n: int, cols: int = 2, *, height: float = 2.9, width: float = PAGE_WIDTH,
           projections: dict | None = None, **kw):
    """``(fig, axes)``: ``n`` panels, at most ``cols`` a row, the whole figure ``width``
    inches wide (a row of three at the column's width is too small to read: stack them).

    ``projections`` maps a panel's index to a projection (``{0: "3d"}``); the layout is
    matplotlib's constrained one, which keeps titles, colour bars and outside legends apart.
    """
    rows = -(-n // cols)
    fig = plt.figure(figsize=(width, rows * height), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1, projection=(projections or {}).get(i), **kw)
            for i in range(n)]
    return fig, axes


def _figure_legend(ax, ncol: int, side: str, **kw):
    kw.setdefault("fontsize", MIN_FONT_PT + 0.5)
    handles, labels = ax.get_legend_handles_labels()
    return ax.figure.legend(handles, labels, loc=f"outside {side} center", ncol=ncol, **kw)


def legend_below(ax, ncol: int = 2, **kw):
    """``ax``'s legend under the whole figure (a constrained layout, as :func:`panels` makes,
    leaves room for it), where it covers no data: when the axes have no free corner, or
    panels side by side share their entries."""
    return _figure_legend(ax, ncol, "lower", **kw)


def legend_above(ax, ncol: int = 3, **kw):
    """``ax``'s legend above the whole figure (a key to the top row of panels)."""
    return _figure_legend(ax, ncol, "upper", **kw)


def tr(lang: str, ko: str, en: str) -> str:
    """Pick the Korean or English string for ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return ko if lang == "ko" else en


def data_note(lang: str, ds) -> str:
    """A label suffix for a dataset that is a copy, not the original (CIFAR-10's JPEGs).

    ``ds``: the dataset, or its ``note`` as a computation stored it."""
    if not (ds if isinstance(ds, str) else getattr(ds, "note", None)):
        return ""
    return tr(lang, " (CIFAR-10의 JPEG 사본)", " (JPEG copy of CIFAR-10)")


DENSE = 2000  # a collection with more points than this is drawn as pixels inside an SVG
_3D_COLLECTIONS = ("Poly3DCollection",)
# matplotlib cannot rasterize a 3-D scatter (it warns and draws vectors): leave those alone.
_NOT_RASTERIZABLE = ("Path3DCollection",)


def _rasterize_dense(fig) -> None:
    """Keep SVGs light: surfaces, meshes and big scatters become an embedded image, while axes,
    text and lines stay vector (a 3-D loss surface drops from ~1 MB to ~0.1 MB)."""
    for ax in fig.axes:
        for artist in ax.get_children():
            if not isinstance(artist, Collection) or type(artist).__name__ in _NOT_RASTERIZABLE:
                continue
            # 3-D surfaces only get their paths when drawn: treat them as dense up front.
            surface = isinstance(artist, QuadMesh) or type(artist).__name__ in _3D_COLLECTIONS
            vertices = sum(len(p.vertices) for p in artist.get_paths())
            if surface or vertices > DENSE or len(artist.get_offsets()) > DENSE // 4:
                artist.set_rasterized(True)


def _dense_lines(fig) -> list:
    """Artists that may weigh less as pixels: in an axes whose lines hold more than ``DENSE``
    points in all (many SGD runs, thousands of steps), each line of more than ``DENSE // 20``
    points; any line with markers at more than ``DENSE // 10`` points (each marker is an element
    of its own); contour lines. Short lines (reference lines, a few markers) stay vector."""
    found = []
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if line.get_visible()]
        many = sum(len(line.get_xdata(orig=False)) for line in lines) > DENSE
        for line in lines:
            n = len(line.get_xdata(orig=False))
            marked = line.get_marker() not in (None, "None", "", " ")
            if (many and n > DENSE // 20) or (marked and n > DENSE // 10):
                found.append(line)
        found += [c for c in ax.collections if type(c).__name__ == "QuadContourSet"
                  and not c.get_rasterized()]
    return found


_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=\n]+)")


def _small_png(match: re.Match) -> str:
    """An embedded image as a 256-colour PNG: a third of the bytes, the same picture to the eye."""
    from PIL import Image

    raw = base64.b64decode(match.group(1))
    image = Image.open(io.BytesIO(raw)).convert("RGBA")
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, "PNG", optimize=True)
    if out.tell() >= len(raw):
        return match.group(0)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def slim_svg(text: str) -> str:
    """Make a matplotlib SVG about half as heavy with no visible change.

    scour rewrites paths compactly (relative commands, five significant digits: far below a
    screen pixel), shortens ids, drops the ids nothing refers to and whitespace; rasterized
    parts are re-encoded with a 256-colour palette. Both are deterministic, so reruns stay byte-identical.
    """
    from scour import scour

    options = scour.sanitizeOptions()
    options.digits, options.cdigits = 5, 4
    options.newlines = False
    options.shorten_ids = True
    options.strip_comments = True
    options.strip_ids = True  # ids nothing refers to (matplotlib names every group)
    options.quiet = True
    return scour.scourString(_PNG.sub(_small_png, text), options)


_SVG_WIDTH = re.compile(rb'<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"')


def save(fig, path: Path, inspect=None):
    """Write ``fig`` deterministically (no dates, no software tag) and close it.

    ``inspect(fig, width_px)``, called once the figure is drawn and before it is closed with
    the width it has on a page at its natural size, gives what ``save`` returns (the registry
    measures legibility with it: ``gdsc_book.figures.legibility``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".")
    if fmt == "svg":
        _rasterize_dense(fig)
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}

    def render() -> bytes:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=metadata)
        out = buf.getvalue()
        return slim_svg(out.decode("utf-8")).encode("utf-8") if fmt == "svg" else out

    blob = render()
    lines = _dense_lines(fig) if fmt == "svg" else []
    if lines:  # many long lines or markers: keep whichever of vector and pixels is lighter
        for line in lines:
            line.set_rasterized(True)
        pixels = render()
        if len(pixels) < len(blob):
            blob = pixels
        else:
            for line in lines:
                line.set_rasterized(False)
    if fmt == "svg":
        m = _SVG_WIDTH.search(blob[:2000])
        width_px = float(m.group(1)) * (4 / 3 if m.group(2) in (b"pt", None) else 1) if m else 0
    else:  # a PNG at savefig.dpi, shown at 96 dpi
        from PIL import Image

        width_px = Image.open(io.BytesIO(blob)).width * 96 / plt.rcParams["savefig.dpi"]
    seen = inspect(fig, width_px) if inspect is not None else None
    plt.close(fig)
    write_atomically(path, lambda f: f.write(blob))  # mkdocs serve never shows half a figure
    return seen
