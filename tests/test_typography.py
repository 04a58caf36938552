"""Korean typography as the reader sees it: particles that fit the printed text, and no gap
between bold text and its particle, checked on the built HTML."""

from __future__ import annotations

import re

import pytest

from gdsc_book.docs_macros import josa

from .site_build import built_site, page_slugs, page_url

# Sino-Korean readings: 영 일 이 삼 사 오 육 칠 팔 구.
DIGITS = {"0": ("을", "이", "은", "과", "으로"), "1": ("을", "이", "은", "과", "로"),
          "2": ("를", "가", "는", "와", "로"), "3": ("을", "이", "은", "과", "으로"),
          "4": ("를", "가", "는", "와", "로"), "5": ("를", "가", "는", "와", "로"),
          "6": ("을", "이", "은", "과", "으로"), "7": ("을", "이", "은", "과", "로"),
          "8": ("을", "이", "은", "과", "로"), "9": ("를", "가", "는", "와", "로")}
ASKED = ("를", "이", "는", "와", "으로")  # either form of a pair may be asked for


@pytest.mark.parametrize("digit", sorted(DIGITS))
def test_particle_after_each_digit(digit):
    assert [josa(digit, p)[1:] for p in ASKED] == list(DIGITS[digit])


@pytest.mark.parametrize("text, particle, want", [
    ("10", "을", "10을"), ("20", "가", "20이"), ("100", "는", "100은"),  # 십, 이십, 백
    ("1,000", "를", "1,000을"), ("10000", "로", "10000으로"),  # 천, 만
    ("3.0", "을", "3.0을"), ("0.25", "가", "0.25가"), ("98.41%", "을", "98.41%를"),
    ("5%", "으로", "5%로"), ("4", "을", "4를"), ("7", "으로", "7로"), ("8", "와", "8과"),
    ("정답", "를", "정답을"), ("고양이", "을", "고양이를"), ("학습률", "으로", "학습률로"),
    ("집합", "로", "집합으로"), ("MLP", "을", "MLP를"), ("CNN", "는", "CNN은"),
    ("$\\eta$", "이", "$\\eta$가"),
])
def test_particle_after_numbers_percent_hangul_and_letters(text, particle, want):
    assert josa(text, particle) == want


@pytest.mark.parametrize("text, particle", [("4", "에게"), ("", "을"), ("→", "을")])
def test_unknown_particle_or_reading_says_what_to_do(text, particle):
    with pytest.raises(ValueError, match="josa: "):
        josa(text, particle)


# --- on the built pages -----------------------------------------------------------------------

PARTICLE = r"(?:을|를|이|가|은|는|의|와|과|에서|에|으로|로|도|만)"
FALLBACK = re.compile(r"[을를이가은는와과]\([을를이가은는와과]\)|\(으\)로|\((?:을|를|이|가|은|는)\)")
SKIP = ("pre", "code", "script", "style", "nav", "header", "footer", "math", "svg")


def _visible(soup):
    """The article's text nodes a reader sees (no code, no navigation, no math source)."""
    article = soup.select_one("article") or soup
    for el in article.find_all(SKIP):
        el.decompose()
    for el in article.select(".arithmatex, .md-source, .headerlink"):
        el.decompose()
    return article


def _gaps(article) -> list[str]:
    """Bold or emphasised text whose particle is split off by a space: '초평면(hyperplane) 을'."""
    found = []
    for el in article.find_all(["strong", "em", "b"]):
        inner = el.get_text()
        after = el.next_sibling
        if not isinstance(after, str) or not inner or inner[-1] in ".:!?,;":
            continue
        if re.match(rf"\s+{PARTICLE}(?=[\s.,:;!?)]|$)", after):
            found.append(f"{inner}{after[:12]}")
    return found


def _pages():
    return [(s, lang) for s in page_slugs() for lang in ("ko",)]


@pytest.mark.parametrize("slug, lang", _pages())
def test_built_korean_pages_have_no_particle_fallbacks_or_gaps(slug, lang):
    from bs4 import BeautifulSoup

    html = (built_site() / page_url(slug, lang) / "index.html").read_text(encoding="utf-8")
    article = _visible(BeautifulSoup(html, "html.parser"))
    text = article.get_text()
    assert not FALLBACK.findall(text), f"{slug}: {FALLBACK.findall(text)} (use josa(...))"
    assert not _gaps(article), f"{slug}: a space between bold text and its particle: {_gaps(article)}"
    # Emphasis CommonMark did not close shows its asterisks on screen.
    assert "**" not in text, f"{slug}: literal ** on screen near {text[text.find('**') - 20:][:60]!r}"
