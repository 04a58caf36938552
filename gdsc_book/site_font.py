"""The site's own Hangul web font: NanumGothic, subset to the syllables the site uses.

A reader whose machine has no Korean font saw tofu. The figures already set Korean in
NanumGothic (the files ship in ``koreanize-matplotlib``), so the body text uses the same family:
after each build we collect every Hangul character in the built HTML (both languages: the
language switcher says 한국어 on English pages) and write a woff2 subset per weight with
fontTools. ``docs/stylesheets/book.css`` names it first in the font stack for Hangul only
(``unicode-range``), with the usual system Korean fonts after it for anything the subset lacks
(a query typed into the search box).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

FAMILY = "Book Hangul"
# (file in koreanize_matplotlib/fonts, file written under assets/fonts/)
WEIGHTS = {"regular": ("NanumGothic.ttf", "book-hangul-regular.woff2"),
           "bold": ("NanumGothicBold.ttf", "book-hangul-bold.woff2")}
# Hangul syllables, jamo and compatibility jamo, and the CJK punctuation Korean text uses.
HANGUL = re.compile(r"[\u1100-\u11ff\u3000-\u303f\u3130-\u318f\uac00-\ud7a3]")


def source_dir() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")  # its files, without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("koreanize-matplotlib is missing: pip install -e '.[docs]'")
    return Path(list(spec.submodule_search_locations)[0]) / "fonts"


def used_characters(site_dir: Path) -> set[str]:
    chars: set[str] = set()
    for page in site_dir.rglob("*.html"):
        chars.update(HANGUL.findall(page.read_text(encoding="utf-8")))
    return chars


def write_subsets(site_dir: Path, chars: set[str]) -> dict[str, int]:
    """Write ``assets/fonts/book-hangul-*.woff2``; returns each file's bytes."""
    from fontTools import subset

    out = site_dir / "assets" / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    text = "".join(sorted(chars))
    sizes = {}
    for src, dest in WEIGHTS.values():
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]  # keep the licence and copyright names (OFL)
        options.hinting = False  # browsers on every platform render it unhinted as well
        options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # hinting sources (VTT)
        font = subset.load_font(str(source_dir() / src), options)
        sub = subset.Subsetter(options)
        sub.populate(text=text)
        sub.subset(font)
        subset.save_font(font, str(out / dest), options)
        sizes[dest] = (out / dest).stat().st_size
    return sizes
