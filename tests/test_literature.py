"""Numbers quoted from the literature: one module, each with its source; pages cite them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gdsc_book import literature

DOCS = Path(__file__).resolve().parents[1] / "docs"
CITE = re.compile(r"""cite\(\s*["']([\w-]+)["']\s*,\s*["']([\w.-]+)["']""")


def test_every_source_with_numbers_says_where_they_come_from():
    quoted = {name: s for name, s in literature.SOURCES.items() if "numbers" in s}
    assert "lecun1998" in quoted
    for name, s in quoted.items():
        assert s["url"].startswith("https://") and s["title"] and s["year"], name
        assert s["numbers"], name


def test_unknown_sources_and_numbers_say_what_exists():
    with pytest.raises(KeyError, match="lecun1998"):
        literature.cite("lecun98", "linear_error")
    with pytest.raises(KeyError, match="linear_error"):
        literature.cite("lecun1998", "linear")


def test_every_number_a_page_cites_exists_in_both_languages():
    seen: dict[str, set] = {"ko": set(), "en": set()}
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        lang = "en" if page.name.endswith(".en.md") else "ko"
        for source, key in CITE.findall(text):
            literature.cite(source, key)  # raises for a typo
            seen[lang].add((page.name.replace(".en.md", ".md"), source, key))
    assert seen["ko"] == seen["en"]  # the same citations on both sides
    assert any(s == "lecun1998" for _p, s, _k in seen["en"])
