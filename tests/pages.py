"""Reading the book's Markdown pages: structure that both languages must share."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DOCS_SRC = ROOT / "docs_src"

FENCE = re.compile(r"^(```|~~~)")
FIGURE = re.compile(r"""figure\(\s*["']([^"']+)["'](?:.*?part\s*=\s*["']([^"']+)["'])?""")
NUM = re.compile(r"""num\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']""")
SNIPPET = re.compile(r"""--8<--\s+["']([^"']+)["']""")


@dataclass
class Structure:
    headings: list[int]
    equations: int
    figures: list[tuple[str, str | None]]
    snippets: list[str]
    numbers: list[tuple[str, str]]


def korean_pages() -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if not p.name.endswith(".en.md"))


def twin(page: Path) -> Path:
    return page.with_name(page.name[:-3] + ".en.md")


def structure(path: Path) -> Structure:
    headings, in_fence, body = [], False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            body.append(line)
            continue
        if not in_fence and (m := re.match(r"^(#{1,6})\s", line)):
            headings.append(len(m.group(1)))
        body.append(line)
    text = "\n".join(body)
    return Structure(
        headings=headings,
        equations=text.count("$$") // 2,
        figures=[(m.group(1), m.group(2)) for m in FIGURE.finditer(text)],
        snippets=SNIPPET.findall(text),
        numbers=sorted(NUM.findall(text)),
    )


def record_numbers(name: str) -> dict:
    """The numbers of a committed full-budget figure record (skip if it was never built)."""
    path = DOCS / "results" / f"{name}.json"
    if not path.exists():
        pytest.skip(f"no full-budget record {path.name}: run `gdsc-book figures {name}`")
    return json.loads(path.read_text(encoding="utf-8"))["numbers"]


def page(slug: str, lang: str) -> str:
    """The Markdown source of a chapter in ``lang`` ("ko" or "en")."""
    return (DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.en.md")).read_text(encoding="utf-8")


def says(slug: str, **by_lang: str | tuple[str, ...]) -> None:
    """Each language's page states its snippets (``ko=(...), en=(...)``; a bare string is one)."""
    for lang, snippets in by_lang.items():
        text = " ".join(page(slug, lang).split())  # line breaks inside a sentence do not count
        for s in (snippets,) if isinstance(snippets, str) else snippets:
            assert " ".join(s.split()) in text, f"{slug} ({lang}) no longer says {s!r}"
