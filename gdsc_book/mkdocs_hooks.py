"""MkDocs hooks: local MathJax (no CDN, no committed copy), notebooks rendered per language,
one search index per language and the site's own Hangul web font.

MathJax comes from the ``django-static-mathjax`` wheel; we add its files to the build as if
they were in ``docs/assets/mathjax``, so every language build gets them.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from gdsc_book import site_font, site_search

# startup + core + TeX input + CommonHTML output: the parts this book uses (0.76 MB), not the
# combined tex-chtml.js (1.16 MB, menu and accessibility included). TeX packages such as
# \boldsymbol autoload from input/tex/extensions.
_WANTED = ["startup.js", "core.js", "input/tex.js", "output/chtml.js", "output/chtml/fonts/tex.js"]


def _mathjax_dir() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("django-static-mathjax is missing: pip install -e '.[docs]'")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"


def _add_mathjax(files, config):
    root = _mathjax_dir()
    paths = [root / w for w in _WANTED]
    paths += sorted((root / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    # TeX packages that tex-chtml.js autoloads on first use (\boldsymbol, \cancel, ...).
    paths += sorted((root / "input" / "tex" / "extensions").glob("*.js"))
    for p in paths:
        uri = "assets/mathjax/" + p.relative_to(root).as_posix()
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(p)))
    return files


@event_priority(-200)  # after mkdocs-static-i18n's on_files (priority -100)
def on_files(files, config):
    files = _add_mathjax(files, config)
    return _rewrap_notebooks(files, config)


def _rewrap_notebooks(files, config):
    """Re-wrap notebooks that mkdocs-static-i18n turned back into plain files.

    mkdocs-jupyter marks ``.ipynb`` files as pages by wrapping them, but static-i18n rebuilds
    every File afterwards and drops the wrapper, so notebooks were copied raw instead of
    rendered (ultrabug/mkdocs-static-i18n#198). We wrap them again, keeping the URLs i18n chose
    (``lab.en.ipynb`` -> ``en/lab/``).
    """
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        return files
    from mkdocs_jupyter.plugin import NotebookFile

    for f in list(files):
        if isinstance(f, NotebookFile) or not plugin.should_include(f):
            continue
        nb = NotebookFile(f, **config)
        nb.dest_path, nb.abs_dest_path, nb.url = f.dest_path, f.abs_dest_path, f.url
        _set_notebook_alternates(f, config)
        files.remove(f)
        files.append(nb)
    return files


def _set_notebook_alternates(f, config) -> None:
    """i18n gives alternates (the language switcher's targets) to pages only: add the twins."""
    from types import SimpleNamespace

    i18n = config.plugins.get("i18n")
    if i18n is None:
        return
    docs = Path(config["docs_dir"])
    langs = [lang.locale for lang in i18n.config.languages]
    default = i18n.default_language
    stem = f.src_uri.rsplit(".", 1)[0]
    for lang in langs:
        if stem.endswith(f".{lang}"):
            stem = stem[: -len(lang) - 1]
    alternates = {}
    for lang in langs:
        src = f"{stem}.ipynb" if lang == default else f"{stem}.{lang}.ipynb"
        if (docs / src).exists():
            prefix = "" if lang == default else f"{lang}/"
            alternates[lang] = SimpleNamespace(url=f"{prefix}{stem}/", locale=lang)
    f.alternates = alternates


def _i18n(config):
    """(plugin, default locale, all locales), or None without mkdocs-static-i18n."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return None
    return i18n, i18n.default_language, [lang.locale for lang in i18n.config.languages]


def on_post_page(output, page, config):
    """Pages of a non-default language search their own index (see gdsc_book.site_search)."""
    found = _i18n(config)
    if found is None:
        return output
    _, default, locales = found
    lang = next((lo for lo in locales if lo != default
                 and page.file.dest_uri.startswith(f"{lo}/")), None)
    if lang is None:
        return output
    depth = page.file.dest_uri.count("/")  # en/ch01/index.html -> ../../en/
    return site_search.point_base_at_language(output, "../" * depth + f"{lang}/")


@event_priority(-200)  # after mkdocs-static-i18n has built every language and merged the index
def on_post_build(config):
    found = _i18n(config)
    if found is not None and found[0].building:
        return  # an inner build of one language: the whole site is not there yet
    site = Path(config["site_dir"])
    if found is not None and (site / "search" / "search_index.json").exists():
        site_search.split_index(site, found[1], found[2])
    site_font.write_subsets(site, site_font.used_characters(site))


_DEFAULT_404: dict[str, str] = {}


def on_post_template(output, template_name, config):
    """GitHub Pages serves the one /404.html for every language; each language's build writes
    it, and the last (English) would win. Keep the default language's: the site is Korean
    first, and the page itself speaks both."""
    found = _i18n(config)
    if template_name != "404.html" or found is None:
        return output
    i18n, default, _ = found
    if i18n.current_language == default:
        _DEFAULT_404["html"] = output
        return output
    return _DEFAULT_404.get("html", output)


@event_priority(100)  # before mkdocs-quiz reads page.meta (its events run at priority 0)
def on_page_markdown(markdown, page, config, files):
    """Only pages with self-checks carry mkdocs-quiz's inlined CSS and JS (about 50 kB)."""
    if "<quiz>" not in markdown and not isinstance(page.meta.get("quiz"), dict):
        page.meta["quiz"] = {"enabled": False}
    return markdown


_HEADING = re.compile(r'<h(?P<level>[1-6])(?P<pre>[^>]*?)\sid="(?P<id>[^"]*)"(?P<post>[^>]*)>'
                      r'(?P<body>.*?)</h(?P=level)>', re.S)


_KEEP_RAW = re.compile(r"(<(pre|code|script|style)\b.*?</\2>)", re.S)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\$)")


def _typeset_notebook_math(html: str) -> str:
    """Markdown cells keep ``$...$``; mark it up as arithmatex does on the other pages, so the
    site's MathJax (which typesets ``.arithmatex`` only) shows it. Code and outputs stay raw."""
    parts = _KEEP_RAW.split(html)
    out = []
    i = 0
    while i < len(parts):
        text = parts[i]
        text = _DISPLAY_MATH.sub(lambda m: f'<div class="arithmatex">\\[{m.group(1)}\\]</div>',
                                 text)
        text = _INLINE_MATH.sub(lambda m: f'<span class="arithmatex">\\({m.group(1)}\\)</span>',
                                text)
        out.append(text)
        if i + 1 < len(parts):
            out.append(parts[i + 1])  # the <pre>/<code>/<script>/<style> block, untouched
        i += 3
    return "".join(out)


def _notebook_page(html: str, page, config) -> str:
    """A notebook shown as a page: its math typeset, and its links and images into the hosted
    site (written for Colab) pointed at this site, so the page needs no network."""
    site_url = config.get("site_url") or ""
    if site_url:
        root = "../" * page.file.dest_uri.count("/")
        html = html.replace(f'src="{site_url}', f'src="{root}')
        html = html.replace(f'href="{site_url}', f'href="{root}')
    html = html.replace('<script src=""> </script>', "")  # mkdocs-jupyter's empty require.js slot
    return _typeset_notebook_math(html)


def on_page_content(html, page, config, files):
    """Notebook pages: math typeset and offline links (:func:`_notebook_page`); the table of
    contents and the headings share one set of anchors.

    mkdocs-jupyter slugs the TOC with Python-Markdown's ASCII slugify (``_1`` for a Hangul
    heading, ``quiz-1_1`` for a repeated one) but the headings with its own, so Korean and
    repeated headings got TOC links to nowhere. Both get the book's Unicode anchors instead
    (``pymdownx.slugs``, as on every other page), numbered in order when they repeat.
    """
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _notebook_page(html, page, config)
    if page.toc is None:
        return html
    from pymdownx.slugs import slugify

    items, stack = [], list(reversed(list(page.toc)))
    while stack:  # the TOC in document order
        item = stack.pop()
        items.append(item)
        stack.extend(reversed(list(item.children)))
    headings = list(_HEADING.finditer(html))
    if len(headings) != len(items):
        return html  # not the same headings: leave both as they were
    slug = slugify(case="lower", normalize="NFC")
    used: dict[str, int] = {}
    out, last = [], 0
    for m, item in zip(headings, items):
        base = slug(item.title, "-")
        n = used.get(base, 0)
        used[base] = n + 1
        new = base if n == 0 else f"{base}_{n}"
        body = m.group("body").replace(f'href="#{m.group("id")}"', f'href="#{new}"')
        out.append(html[last:m.start()])
        out.append(f'<h{m.group("level")}{m.group("pre")} id="{new}"{m.group("post")}>{body}'
                   f'</h{m.group("level")}>')
        last = m.end()
        item.id = new
    out.append(html[last:])
    return "".join(out)
