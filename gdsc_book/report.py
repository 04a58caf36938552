"""How commands report results: one way to print an accuracy, an interval that stays inside
what an accuracy can be, and JSON that every parser reads (no bare ``NaN``).

Progress is shown the same way by every command that trains: a tqdm bar on stderr per run
(``train_model(progress=True)``), switched off with ``--no-progress``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from gdsc_book.files import write_text_atomically


def percent(x) -> str:
    """An accuracy (a share from 0 to 1) as people read it: ``0.97234`` -> ``97.23%``."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.2%}"


def clipped(low: float, high: float) -> tuple[float, float]:
    """A confidence interval for a mean accuracy, cut to [0, 1], where the mean must lie.

    The Student-t interval mean ± t·s/√n is symmetric and ignores that bound; with 2 runs
    (t = 12.7) it easily reaches below 0 or above 1, which no accuracy can.
    """
    return max(0.0, low), min(1.0, high)


def summary_line(summary) -> str:
    """``mean 78.82%, std 0.41%, 95% CI [78.31%, 79.33%]`` for a ``gdsc_book.repeat.Summary``."""
    if summary.n < 2:
        return f"mean {percent(summary.mean)} (one run: no spread or interval)"
    lo, hi = clipped(summary.ci_low, summary.ci_high)
    return (f"mean {percent(summary.mean)}, std {percent(summary.std)}, "
            f"{summary.confidence:.0%} CI [{percent(lo)}, {percent(hi)}] "
            f"(Student t interval of the mean over {summary.n} runs, clipped to [0%, 100%])")


def finite(obj):
    """``obj`` with every NaN or infinity replaced by None (JSON ``null``)."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def rewrite_repeat_file(path: str | os.PathLike) -> None:
    """Make a ``repeat`` result file strict JSON, its interval clipped as it is printed."""
    path = Path(path)
    if not path.exists():
        return
    obj = json.loads(path.read_text(encoding="utf-8"))
    s = obj.get("summary")
    if isinstance(s, dict) and all(isinstance(s.get(k), float) and math.isfinite(s[k])
                                   for k in ("ci_low", "ci_high")):
        s["ci_low"], s["ci_high"] = clipped(s["ci_low"], s["ci_high"])
        s["interval"] = "Student t interval of the mean, clipped to [0, 1]"
    text = json.dumps(finite(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if text != path.read_text(encoding="utf-8"):
        write_text_atomically(path, text)
