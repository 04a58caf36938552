"""One search index per language, with formulas as readable text.

mkdocs-static-i18n merges every language's pages into the one index at ``search/``, so an
English reader's "cross-entropy" came back with the Korean chapter among the hits. After the
build we split that index: the default language keeps ``search/search_index.json`` and each
other language gets ``<locale>/search/search_index.json`` with locations relative to its own
root. Pages of that language point Material's ``base`` there (:func:`point_base_at_language`),
which is what Material resolves both the index and the result links against.

The index text holds the TeX that arithmatex leaves for MathJax (``\\(\\mathcal{T}\\)``); result
snippets are not typeset, so we turn each formula into plain text first (pylatexenc).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def tex_to_text(tex: str) -> str:
    """``\\frac{1}{N}\\sum_i \\hat{y}_i`` -> ``1/N∑_i ŷ_i``: what a snippet can show."""
    from pylatexenc.latex2text import LatexNodes2Text

    text = LatexNodes2Text(math_mode="text").latex_to_text(tex)
    # Math alphabets (𝒯, 𝐰, 𝔼) become their letters: plain fonts have those, and they match
    # what a reader types.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def plain_math(text: str) -> str:
    return _MATH.sub(lambda m: tex_to_text(m.group(1) or m.group(2)), text)


def split_index(site_dir: Path, default: str, locales: list[str]) -> dict[str, int]:
    """Rewrite the merged index as one index per language; returns the entries of each."""
    merged_path = site_dir / "search" / "search_index.json"
    merged = json.loads(merged_path.read_text(encoding="utf-8"))
    others = [lo for lo in locales if lo != default]
    shares: dict[str, list] = {lo: [] for lo in locales}
    for entry in merged["docs"]:
        entry = {**entry, "title": plain_math(entry["title"]), "text": plain_math(entry["text"])}
        lang = next((lo for lo in others if entry["location"].startswith(f"{lo}/")), default)
        if lang != default:
            entry["location"] = entry["location"][len(lang) + 1:]
        shares[lang].append(entry)
    counts = {}
    for lang, docs in shares.items():
        config = dict(merged["config"])
        if lang != default:
            config["lang"] = [lang]  # no Korean stemmer for the English index
        path = merged_path if lang == default else site_dir / lang / "search" / merged_path.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"config": config, "docs": docs}, ensure_ascii=False,
                                   separators=(",", ":")), encoding="utf-8")
        counts[lang] = len(docs)
    return counts


def point_base_at_language(html: str, lang_root: str) -> str:
    """Set Material's ``base`` (in ``#__config``) to the language's root, e.g. ``../../en/``."""
    def fix(m: re.Match) -> str:
        config = json.loads(m.group(2))
        config["base"] = lang_root
        return m.group(1) + json.dumps(config, ensure_ascii=False) + m.group(3)

    return _CONFIG.sub(fix, html, count=1)
