"""One matplotlib style for the whole book, with Hangul that renders (no tofu boxes).

The Korean font is NanumGothic from the ``koreanize-matplotlib`` wheel. We only read its font
files: importing that package runs code that needs ``distutils``, which Python 3.12 removed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

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
            "savefig.dpi": 120,
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
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(_pow10))
    target.set_minor_formatter(NullFormatter())


def tr(lang: str, ko: str, en: str) -> str:
    """Pick the Korean or English string for ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return ko if lang == "ko" else en


def save(fig, path: Path) -> None:
    """Write ``fig`` deterministically (no dates, no software tag) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".")
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format=fmt, metadata=metadata)
    tmp.replace(path)  # atomic: a reader never sees half a figure
    plt.close(fig)
