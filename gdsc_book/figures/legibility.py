"""The book's legibility standard (CONTRIBUTING.md), measured on every figure as it is saved.

It lives beside the registry, not in ``style.py``: a stricter rule re-measures figures when
they are redrawn (``gdsc-book figures --force``), but never by itself makes all of them stale.
"""

from __future__ import annotations

import numpy as np

# The page's content column at a 1280 px wide window (mkdocs-material with both sidebars),
# measured with Chromium on the built site; a wider figure is shown scaled down to it.
COLUMN_PX = 688
MIN_TEXT_PX = 11  # no text smaller than this on the page at that width
# A 390 px phone (measured the same way): the column leaves 350 px for an image, and a tap
# opens the figure full-screen (glightbox), 390 px wide, where the reader pinches to zoom.
PHONE_COLUMN_PX = 350
PHONE_SCREEN_PX = 390
PHONE_ZOOM = 2  # the pinch at which a phone's text must reach MIN_TEXT_PX
MAX_LOG_DECADES = 40  # more is a clamp artefact (an exact 0 set to 1e-300); float64 spans ~20


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

    def shown(column: float):
        return min(1.0, column / width_px) if width_px else 1.0

    sizes = [t.get_fontsize() for t in _shown_texts(fig)]
    natural = min(sizes) * 4 / 3 if sizes else None  # pt -> CSS px at the drawn size
    smallest = round(natural * shown(COLUMN_PX), 1) if sizes else None
    phone = {}
    if natural is not None:
        phone = {"column_px": round(natural * shown(PHONE_COLUMN_PX), 1),
                 "zoomed_px": round(natural * shown(PHONE_SCREEN_PX) * PHONE_ZOOM, 1)}
    issues = []
    if smallest is not None and smallest < MIN_TEXT_PX:
        issues.append(f"text {smallest} px < {MIN_TEXT_PX} px at the 1280 px column")
    if phone and phone["zoomed_px"] < MIN_TEXT_PX:
        issues.append(f"text {phone['zoomed_px']} px < {MIN_TEXT_PX} px on a 390 px phone, "
                      f"full-screen at {PHONE_ZOOM}x")
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
    return {"width_px": round(width_px, 1), "min_text_px": smallest,
            "natural_text_px": None if natural is None else round(natural, 1),
            "phone": phone, "issues": issues}
