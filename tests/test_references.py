"""Every chapter says what it teaches, cites from the one bibliography, lists what it cites,
and links the chapters it mentions.

- Each chapter (both languages, the labs too) opens with a learning-objectives admonition of 3-5
  bullets and has one ``{{ references() }}`` list under the heading 참고 문헌 / References.
- Every ``ref``/``refp``/``cite`` key is an entry of ``gdsc_book.literature.SOURCES``, every
  entry is cited somewhere, and the two languages of a page cite the same works.
- No hand-written author-year citation is left in the text (they go through ``ref``).
- Every mention of another chapter ("6장", "chapter 6", "실습 1", "Lab 1") is a link (headings
  and a lab's mentions of itself aside); the only exception is a chapter of a cited work ("{{ ref("cover2006") }}의 2장", "chapter 2 of {{ ref(...) }}").
- In the built site, each chapter's list sits under the heading of its language, every entry
  is cited in the text and every citation points to an entry of the same page, and chapter
  links stay in the page's language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from gdsc_book import docs_macros, literature

from .pages import DOCS, korean_pages, twin
from .site_build import built_site

CHAPTERS = [p for p in korean_pages() if p.name.startswith("ch")]
PAGES = [p for k in CHAPTERS for p in (k, twin(k))]
OBJECTIVES = {"ko": '!!! abstract "이 장의 목표"', "en": '!!! abstract "Learning objectives"'}
CALL = re.compile(r"""\b(ref|refp|cite)\(([^)]*)\)""")
KEY = re.compile(r"""["']([\w-]+)["']""")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
MACRO = re.compile(r"\{\{.*?\}\}")
KO_CHAPTER = re.compile(r"(?<![\d,.–\[])(1[01]|[1-9])장(?!\d)|앞 장|다음 장|지난 장|실습 (?P<lab>[12])(?![\d단])")
EN_CHAPTER = re.compile(r"\b[Cc]hapters? (1[01]|[1-9])\b|\b(?:previous|next|last) chapter\b"
                        r"|\bLabs? (?P<lab>[12])\b")
LABS = {"1": "ch09-lab1-mnist.md", "2": "ch10-lab2-cifar10.md"}
# "Belkin et al. (2019)", "(Cybenko, 1989)", "Nakkiran 등(2019)", "Hui & Belkin, ICLR 2021"
AUTHOR_YEAR = re.compile(r"[A-Z][\w'’-]+(?: et al\.| 등)?,? \(?(?:[A-Z]+ )?(?:1[89]\d\d|20[0-2]\d)\)"
                         r"|[A-Z][\w'’-]+ (?:et al\.|등) ?\(?(?:1[89]\d\d|20[0-2]\d)")


def lang(page: Path) -> str:
    return "en" if page.name.endswith(".en.md") else "ko"


def prose(page: Path):
    """(line number, line) outside code fences."""
    in_fence = False
    for i, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            yield i, line


def cited(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    keys = set()
    for name, args in CALL.findall(text):
        found = KEY.findall(args)
        keys.update(found[:1] if name == "cite" else found)
    return keys


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_chapter_opens_with_objectives_and_lists_references(page):
    text = page.read_text(encoding="utf-8")
    top = text.split("\n## ", 1)[0]  # before the first section
    assert OBJECTIVES[lang(page)] in top, f"{page.name}: no learning objectives at the top"
    block = top.split(OBJECTIVES[lang(page)], 1)[1]
    bullets = [ln for ln in block.splitlines() if ln.startswith("    - ")]
    assert 3 <= len(bullets) <= 5, f"{page.name}: {len(bullets)} objectives (3-5)"
    assert text.count("{{ references() }}") == 1, f"{page.name}: one references() list"
    heading = f"## {literature.HEADING[lang(page)]}\n\n{{{{ references() }}}}"
    assert heading in text, f"{page.name}: the list goes under its heading"
    assert cited(page), f"{page.name} cites nothing"


def test_every_cited_key_is_in_the_bibliography():
    for page in sorted(DOCS.glob("*.md")):
        for key in cited(page):
            assert key in literature.SOURCES, f"{page.name} cites {key!r}: not in literature.py"


def test_every_bibliography_entry_is_cited():
    everything = set().union(*(cited(p) for p in DOCS.glob("*.md")))
    assert set(literature.SOURCES) - everything == set(), "entries no page cites"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_both_languages_cite_the_same_works(page):
    assert cited(page) == cited(twin(page))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_hand_written_citations(page):
    found = [f"{page.name}:{i}: {m.group(0)}" for i, line in prose(page)
             for m in AUTHOR_YEAR.finditer(MACRO.sub("", line))]
    assert not found, "cite through {{ ref(...) }} / {{ refp(...) }}:\n" + "\n".join(found)


def chapter_mentions(page: Path) -> list[str]:
    en = lang(page) == "en"
    pattern = EN_CHAPTER if en else KO_CHAPTER
    own = page.name.replace(".en.md", ".md")
    found = []
    for i, line in prose(page):
        if line.startswith("#"):
            continue  # a title names its own chapter ("# 10. 실습 2: CIFAR-10")
        links = [m.span() for m in LINK.finditer(line)]
        for m in pattern.finditer(line):
            if any(a <= m.start() < b for a, b in links):
                continue
            if m.group("lab") and LABS[m.group("lab")] == own:
                continue
            # a chapter of a cited work, not of this book
            if (en and line[m.end():].startswith(" of {{ ref(")) or (
                    not en and re.search(r"\}\}의 $", line[:m.start()])):
                continue
            found.append(f"{page.name}:{i}: {m.group(0)}")
    return found


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_chapter_mentions_are_links(page):
    found = chapter_mentions(page)
    assert not found, "link the chapter ([6장](ch06-generalization.md)):\n" + "\n".join(found)


def test_the_mention_check_sees_plain_mentions(tmp_path):
    page = tmp_path / "x.md"
    page.write_text("6장에서 본 것, [7장](ch07-double-descent.md), 60,000장, "
                    "{{ ref(\"cover2006\") }}의 2장, 앞 장, 실습 1의 CNN, 1단계\n# 실습 2\n",
                    encoding="utf-8")
    assert [m.split(": ")[1] for m in chapter_mentions(page)] == ["6장", "앞 장", "실습 1"]


# --- the citation formats and the macros' checks ------------------------------------------------

def test_in_text_citations():
    assert literature.in_text(("nakkiran2020",), "en", paren=False) == \
        "[Nakkiran et al. (2020)](#ref-nakkiran2020)"
    assert literature.in_text(("vandermaaten2008",), "en", paren=False).startswith(
        "[van der Maaten and Hinton (2008)]")
    assert literature.in_text(("belkin2019", "robbins1951"), "ko", paren=True) == \
        "([Belkin 등, 2019](#ref-belkin2019); [Robbins & Monro, 1951](#ref-robbins1951))"
    assert literature.in_text(("leshno1993",), "ko", paren=False).startswith("[Leshno 등(1993)]")
    with pytest.raises(KeyError, match="add its entry"):
        literature.in_text(("nakkiran2019",), "en", paren=False)


def test_entries_say_who_when_what_where():
    for key, s in literature.SOURCES.items():
        assert s["authors"] and s["title"] and s["venue"] and 1800 < s["year"] < 2030, key
        assert s.get("url", "https://").startswith("https://"), key
        html = literature.entry_html(key)
        assert f"({s['year']})" in html and literature.family_name(s["authors"][0]) in html


def _env(markdown: str):
    page = SimpleNamespace(file=SimpleNamespace(src_uri="chX.en.md"), url="en/chX/")
    return SimpleNamespace(page=page, markdown=markdown)


def test_the_list_holds_what_the_page_cited_even_below_it():
    env = _env(f"text\n\n## References\n\n{docs_macros.REFERENCES_MARKER}\n\n## Exercises\n")
    docs_macros._cited(env).extend(["nakkiran2020", "belkin2019", "nakkiran2020"])
    docs_macros.put_references(env)
    assert docs_macros.REFERENCES_MARKER not in env.markdown
    assert env.markdown.index('id="ref-belkin2019"') < env.markdown.index('id="ref-nakkiran2020"')
    assert env.markdown.count('id="ref-nakkiran2020"') == 1


@pytest.mark.parametrize("markdown, cites, message", [
    ("no list here", ["belkin2019"], "cites belkin2019 but has 0"),
    (docs_macros.REFERENCES_MARKER, [], "cites nothing"),
])
def test_a_page_whose_list_and_citations_disagree_fails_the_build(markdown, cites, message):
    env = _env(markdown)
    docs_macros._cited(env).extend(cites)
    with pytest.raises(ValueError, match=message):
        docs_macros.put_references(env)


# --- the built site ----------------------------------------------------------------------------

class _Refs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries: list[str] = []
        self.cites: set[str] = set()
        self.chapter_links: list[str] = []
        self.headings: list[str] = []
        self._h2 = False
        self._article = False  # the chapter's text, not the navigation or language switcher

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._article |= tag == "article"
        if tag == "li" and (a.get("id") or "").startswith("ref-"):
            self.entries.append(a["id"])
        href = a.get("href") or ""
        if tag == "a" and href.startswith("#ref-"):
            self.cites.add(href[1:])
        elif tag == "a" and self._article and re.match(r"^(\.\./)+ch\d\d-", href):
            self.chapter_links.append(href)
        self._h2 = tag == "h2"

    def handle_endtag(self, tag):
        self._article &= tag != "article"

    def handle_data(self, data):
        if self._h2 and data.strip():
            self.headings.append(data.strip())
            self._h2 = False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_built_chapter_lists_agree_with_their_citations(page):
    slug = page.name.removesuffix(".en.md").removesuffix(".md")
    html = built_site() / ("en" if lang(page) == "en" else "") / slug / "index.html"
    refs = _Refs()
    refs.feed(html.read_text(encoding="utf-8"))
    assert literature.HEADING[lang(page)] in refs.headings
    assert refs.entries and set(refs.entries) == refs.cites, "list and citations differ"
    assert len(refs.entries) == len(set(refs.entries))
    for href in refs.chapter_links:  # relative: ../chNN-slug/ stays under /en/ on English pages
        assert href.startswith("../ch") and "/en/" not in href, href
