"""One Korean term per concept (``gdsc_book.glossary``), held over every Korean page.

Each glossary term is written ``한글(English)`` at its first use in the first chapter that uses it,
no chapter before that one uses it, and no Korean page or Korean figure label uses a variant the
glossary forbids.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gdsc_book import glossary

from .pages import DOCS, ROOT, korean_pages

CHAPTERS = [p for p in korean_pages() if re.match(r"ch\d\d-", p.name)]


def prose(path: Path) -> str:
    """The page's running text as a reader meets it: no headings (a title carries no gloss),
    no learning objectives (a preview of terms the text then introduces), no code, no emphasis
    marks, line breaks as spaces."""
    out, fence, objectives = [], False, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith('!!! abstract "'):  # the chapter's objectives box, up to its end
            objectives = True
            continue
        if objectives and (not line.strip() or line.startswith("    ")):
            continue
        objectives = False
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or re.match(r"\s*#{1,6}\s", line):
            continue
        out.append(line.strip())
    return re.sub(r"\s+", " ", " ".join(out).replace("**", ""))


def korean_strings_in_figures() -> list[tuple[str, str]]:
    """The Korean side of every ``tr(lang, ko, en)`` label in the figure code."""
    found = []
    for src in sorted((ROOT / "gdsc_book" / "figures").glob("*.py")):
        text = src.read_text(encoding="utf-8")
        found += [(src.name, m) for m in re.findall(r'"([^"\n]*[가-힣][^"\n]*)"', text)]
    return found


def test_each_concept_has_one_entry_and_forbids_no_term():
    kos = [t.ko for t in glossary.TERMS]
    ens = [t.en.lower() for t in glossary.TERMS]
    assert len(set(kos)) == len(kos) and len(set(ens)) == len(ens)
    for variant, term in glossary.forbidden().items():
        assert variant not in kos, f"{variant!r} is both a term and forbidden (for {term})"


# The glossary page names what it forbids; its table comes from gdsc_book.glossary itself.
@pytest.mark.parametrize("page", [p for p in korean_pages() if p.stem != "glossary"],
                         ids=lambda p: p.name)
def test_no_forbidden_variant_on_korean_pages(page):
    text = re.sub(r"\s+", " ", page.read_text(encoding="utf-8"))
    bad = {v: t for v, t in glossary.forbidden().items() if v in text}
    assert not bad, f"{page.name}: write {bad}"


def test_no_forbidden_variant_in_figure_labels():
    bad = [(f, s, v) for f, s in korean_strings_in_figures()
           for v in glossary.forbidden() if v in s]
    assert not bad, bad


@pytest.mark.parametrize("term", glossary.TERMS, ids=lambda t: t.en)
def test_first_use_carries_the_english(term):
    slugs = [p.stem for p in CHAPTERS]
    assert term.chapter in slugs, f"{term.ko}: no chapter {term.chapter}"
    first = next((p.stem for p in CHAPTERS if term.ko in prose(p)), None)
    assert first == term.chapter, f"{term.ko} is first used in {first}, not {term.chapter}"
    text = prose(DOCS / f"{term.chapter}.md")
    after = text[text.index(term.ko) + len(term.ko):]
    assert after.lower().startswith(f"({term.en.lower()}"), (
        f"{term.chapter}: first {term.ko} reads {term.ko}{after[:30]!r}, "
        f"want {term.ko}({term.en})")


def test_glossary_page_lists_every_term_with_its_chapter():
    from .site_build import built_site

    site = built_site()
    for lang, prefix in (("ko", ""), ("en", "en/")):
        html = (site / prefix / "glossary" / "index.html").read_text(encoding="utf-8")
        table = re.sub(r"<[^>]+>", " ", html.split("<table", 1)[1].split("</table>", 1)[0])
        words = " ".join(table.split())
        for t in glossary.rows(lang):
            pair = f"{t.ko} {t.en}" if lang == "ko" else f"{t.en} {t.ko}"
            assert pair in words, (lang, t)
            assert f'href="../{t.chapter}/' in html, (lang, t.chapter)


# --- notation: one meaning per symbol (docs/notation.md) --------------------------------------

# Symbols that once carried a second meaning, and where that meaning may not come back.
RETIRED = {
    r"\mathbb{R}^D": "the input dimension is d (docs/notation.md)",
    r"^{(D)}": "the number of classes is K",
    r"\sum_{d=1}^{D}": "the number of classes is K",
    r"d + D + 2": "the output dimension is m",
    r"f_\Theta": "the mean model is \\bar{f}; Θ is the parameter set",
    r"$L$-Lipschitz": "the smoothness constant is β",
    r"$L$-립시츠": "the smoothness constant is β",
    r"1/L$": "the smoothness constant is β",
    r"L(\theta": "the loss is \\mathcal{L}; L is the number of layers",
    r"\ell=1}^{L}": "ℓ is one example's loss; layers are numbered j",
    r"c_\ell": "ℓ is one example's loss; layers (and ch05's folds) are numbered j",
}


def notation_symbols(path: Path) -> list[str]:
    """The first cell of each row of the notation page's tables, one entry per symbol."""
    symbols = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| $") and len(cells) == 2:
            symbols += re.findall(r"\$([^$]+)\$", cells[0])
    return symbols


def test_notation_defines_each_symbol_once_in_both_languages():
    ko, en = notation_symbols(DOCS / "notation.md"), notation_symbols(DOCS / "notation.en.md")
    assert len(ko) > 20
    assert ko == en, "the two notation pages list different symbols"
    assert len(set(ko)) == len(ko), sorted({s for s in ko if ko.count(s) > 1})


def _math_and_figure_text() -> list[tuple[str, str]]:
    pages = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(DOCS.glob("*.md"))
             if not p.stem.startswith("notation")]
    code = [(p.name, p.read_text(encoding="utf-8").replace("\\\\", "\\"))
            for p in sorted((ROOT / "gdsc_book" / "figures").glob("*.py"))]
    return pages + code


@pytest.mark.parametrize("retired", sorted(RETIRED))
def test_retired_meanings_do_not_come_back(retired):
    """Loose reuse of a symbol (the pages and the figure labels): what the notation page retired."""
    hits = [name for name, text in _math_and_figure_text()
            if re.search(rf"(?<![A-Za-z\\{{]){re.escape(retired)}", text)]
    assert not hits, f"{retired!r} in {hits}: {RETIRED[retired]}"


# A definition of the loss, at the start of a display line or inside inline math: 𝓛(...) = ...
LOSS_DEFINITION = re.compile(r"(?:^\s*|\$)\\mathcal\{L\}\(([^$]*?)\)\s*:?=\s*([^$\n]{0,40})", re.M)


def test_every_defined_loss_is_a_mean():
    """The notation page says 𝓛 is always a mean over examples: each page's definition of it
    divides by the number of examples it sums over."""
    found = []
    for page in sorted(DOCS.glob("ch*.md")):
        for m in LOSS_DEFINITION.finditer(page.read_text(encoding="utf-8")):
            rhs = m.group(2)
            if rhs.startswith("-\\theta"):  # ch08's unbounded example, 𝓛(θ) = −θ: no data in it
                continue
            found.append(page.name)
            assert re.match(r"-?\s*\\frac\{1\}\{", rhs), f"{page.name}: 𝓛({m.group(1)}) = {rhs}"
    assert {"ch02-regression.md", "ch08-sgd.md", "ch09-lab1-mnist.md"} <= set(found), found
