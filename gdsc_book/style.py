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
    screen pixel), shortens ids and drops whitespace; rasterized parts are re-encoded with a
    256-colour palette. Both are deterministic, so reruns stay byte-identical.
    """
    from scour import scour

    options = scour.sanitizeOptions()
    options.digits, options.cdigits = 5, 4
    options.newlines = False
    options.shorten_ids = True
    options.strip_comments = True
    options.quiet = True
    return scour.scourString(_PNG.sub(_small_png, text), options)


# ---------------------------------------------------------------- legibility (CONTRIBUTING.md)

# The page's content column at a 1280 px wide window (mkdocs-material with both sidebars),
# measured with Chromium on the built site; a wider figure is shown scaled down to it.
COLUMN_PX = 688
MIN_TEXT_PX = 11  # no text smaller than this on the page at that width
MAX_LOG_DECADES = 20  # a log axis spanning more is a clamp artefact (an exact 0 set to 1e-300)


def _shown_texts(fig):
    from matplotlib.text import Text

    box = fig.bbox
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or t.figure is None:
            continue
        ext = t.get_window_extent()
        if ext.width > 0 and box.overlaps(ext):
            yield t


def _tick_texts(axis) -> list[str]:
    lo, hi = sorted(axis.get_view_interval())
    out = []
    for tick in axis.get_major_ticks():
        if lo - 1e-12 * abs(hi - lo) <= tick.get_loc() <= hi + 1e-12 * abs(hi - lo) and \
                tick.label1.get_visible() and tick.label1.get_text().strip():
            out.append(tick.label1.get_text())
    return out


def _data_points(ax):
    """Plotted points of ``ax`` in display coordinates (lines, markers, scatters, bar tops)."""
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    pts = []
    for line in ax.get_lines():
        if isinstance(line, Line2D) and line.get_transform() == ax.transData and \
                line.get_visible():
            xy = np.column_stack(line.get_data()).astype(float)
            if len(xy) > 1 and line.get_linestyle() not in ("None", "", " "):
                mid = (xy[1:] + xy[:-1]) / 2  # a line crosses between its points too
                xy = np.vstack([xy, mid])
            pts.append(xy)
    for c in ax.collections:
        if isinstance(c, PathCollection) and c.get_visible() and len(c.get_offsets()):
            pts.append(np.asarray(c.get_offsets(), dtype=float))
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_transform() == ax.transData:
            x, y, w, h = patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()
            pts.append(np.array([[x + w / 2, y + h]]))
    if not pts:
        return np.zeros((0, 2))
    xy = np.vstack(pts)
    xy = xy[np.isfinite(xy).all(1)]
    return ax.transData.transform(xy) if len(xy) else np.zeros((0, 2))


def legibility(fig, width_px: float) -> dict:
    """What the reader sees of ``fig`` shown ``width_px`` CSS px wide at its natural size:
    the smallest text at the 1280 px column, and what breaks the book's standard."""
    from matplotlib.container import BarContainer
    from matplotlib.ticker import PercentFormatter

    scale = min(1.0, COLUMN_PX / width_px) if width_px else 1.0
    sizes = [t.get_fontsize() for t in _shown_texts(fig)]
    smallest = round(min(sizes) * 4 / 3 * scale, 1) if sizes else None  # pt -> CSS px
    issues = []
    if smallest is not None and smallest < MIN_TEXT_PX:
        issues.append(f"text {smallest} px < {MIN_TEXT_PX} px at the 1280 px column")
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or ax.name == "3d":
            continue
        where = f"axes {i}"
        for c in ax.containers:
            if isinstance(c, BarContainer) and len(c):
                vertical = getattr(c, "orientation", "vertical") == "vertical"
                scale_ = ax.get_yscale() if vertical else ax.get_xscale()
                lo = min(ax.get_ylim() if vertical else ax.get_xlim())
                if scale_ == "linear" and lo > 0:
                    issues.append(f"{where}: bars start at {lo:g}, not at zero")
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = _tick_texts(axis)
            if isinstance(axis.get_major_formatter(), PercentFormatter) or \
                    any(lab.endswith("%") for lab in labels):
                if len(set(labels)) < len(labels):
                    issues.append(f"{where}: repeated {name} tick labels {labels}")
            if axis.get_scale() == "log":
                lo, hi = sorted(axis.get_view_interval())
                if lo > 0 and np.log10(hi / lo) > MAX_LOG_DECADES:
                    issues.append(f"{where}: log {name} axis spans {np.log10(hi / lo):.0f} "
                                  f"decades (a clamped zero?)")
                shown = labels + [t.label1.get_text() for t in axis.get_minor_ticks()
                                  if t.label1.get_visible() and t.label1.get_text().strip()
                                  and lo <= t.get_loc() <= hi]
                kinds = {"power" if "10^" in lab else "plain" for lab in shown}
                if len(kinds) > 1:
                    issues.append(f"{where}: log {name} axis mixes 10^k and plain labels")
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            box = legend.get_window_extent()
            # the axes' own data and that of any axes drawn over it (a twinx scale)
            pts = np.vstack([_data_points(other) for other in fig.axes
                             if other.get_position().overlaps(ax.get_position())])
            inside = ((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                      & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)).sum()
            if inside:
                issues.append(f"{where}: the legend covers {int(inside)} plotted points")
    return {"width_px": round(width_px, 1), "min_text_px": smallest, "issues": issues}


_SVG_WIDTH = re.compile(rb'<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"')


def save(fig, path: Path) -> dict:
    """Write ``fig`` deterministically (no dates, no software tag) and close it; return what
    :func:`legibility` finds at the size the page shows it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".")
    if fmt == "svg":
        _rasterize_dense(fig)
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata=metadata)
    blob = buf.getvalue()
    if fmt == "svg":
        m = _SVG_WIDTH.search(blob[:2000])
        width_px = float(m.group(1)) * (4 / 3 if m.group(2) in (b"pt", None) else 1) if m else 0
    else:  # a PNG at savefig.dpi, shown at 96 dpi
        from PIL import Image

        width_px = Image.open(io.BytesIO(blob)).width * 96 / plt.rcParams["savefig.dpi"]
    seen = legibility(fig, width_px)
    plt.close(fig)
    if fmt == "svg":
        blob = slim_svg(blob.decode("utf-8")).encode("utf-8")
    write_atomically(path, lambda f: f.write(blob))  # mkdocs serve never shows half a figure
    return seen
