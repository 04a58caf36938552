"""Korean and English twins carry the same sections, equations, figures, snippets, numbers."""

from __future__ import annotations

import pytest

from .pages import DOCS, korean_pages, structure, twin

PAGES = [p.name for p in korean_pages()]


def test_every_page_has_both_languages():
    english = sorted(p.name for p in DOCS.glob("*.en.md"))
    assert english == sorted(twin(DOCS / k).name for k in PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_twins_match(page):
    ko, en = structure(DOCS / page), structure(twin(DOCS / page))
    assert ko.headings == en.headings, "heading levels differ"
    assert ko.equations == en.equations, "display equations differ"
    assert ko.figures == en.figures, "figures differ"
    assert ko.snippets == en.snippets, "snippets differ"
    assert ko.numbers == en.numbers, "quoted numbers differ"


@pytest.mark.parametrize("page", PAGES)
def test_figures_on_pages_have_records(page):
    import json

    for name, part in structure(DOCS / page).figures:
        rec = json.loads((DOCS / "results" / f"{name}.json").read_text())
        stem = name if part is None else f"{name}_{part}"
        assert {f"{stem}.ko", f"{stem}.en"} <= {f.rsplit(".", 1)[0] for f in rec["files"]}
