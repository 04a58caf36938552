"""Jupyter notebooks generated from the chapter pages, so readers can run a chapter in Colab.

Each chapter or lab page ``docs/<slug>.md`` (Korean) and ``docs/<slug>.en.md`` (English) becomes
``notebooks/<slug>.ko.ipynb`` and ``notebooks/<slug>.en.ipynb``: the prose as markdown cells
(macros rendered with the same ``docs_macros`` the site uses, figures linked to the published
site) and every ``--8<--`` snippet from ``docs_src/`` as a code cell. A first code cell installs
``gdsc-book`` when the notebook runs in Colab. The pages stay the single source: notebooks are
regenerated, never edited, and a test checks they are up to date.

A coding exercise is a file ``docs_src/<slug>/exercise_<name>.py`` that the page's answer block
includes. Its lines between ``# --8<-- [start:answer]`` and ``# --8<-- [end:answer]`` are the
answer: the notebook hands the file out with them replaced by ``...`` (an *exercise* cell), then
a *check* cell, ``check("<name>", globals(), hint=...)`` from :mod:`gdsc_book.exercise_checks`,
whose message on a wrong answer is the page's hint; the answer follows, folded as on the page.
``build_notebook(..., answers=True)`` fills the exercise cells in (what a test runs to see every
check pass).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import yaml

from gdsc_book.errors import BookError

LANGS = ("ko", "en")  # same order as gdsc_book.style.LANGS, without importing matplotlib
DEFAULT_LANG = "ko"
NOTEBOOK_DIR = "notebooks"
CHAPTER_RE = re.compile(r"^ch\d\d-[a-z0-9-]+$")  # chapters and labs; not the home page

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_SNIPPET = re.compile(r"""^\s*--8<--\s+["'](?P<spec>[^"']+)["']\s*$""")
_ADMONITION = re.compile(r"""^(?P<kind>!!!|\?\?\?\+?)\s+(?P<type>[\w-]+)(?:\s+"(?P<title>[^"]*)")?\s*$""")
_TAB = re.compile(r"""^===\+?\s+"(?P<title>[^"]*)"\s*$""")
_ATTRS = re.compile(r"\s*\{\s*[#.:][^}]*\}\s*$|\{\s*width=[^}]*\}")
_PAGE_LINK = re.compile(r"\]\((?P<page>[a-z0-9-]+)(?:\.en)?\.md(?P<anchor>#[^)]*)?\)")
_EXECUTED_LINK = re.compile(r"\]\(executed/(?P<slug>[a-z0-9-]+)(?:\.en)?\.ipynb\)")
_SECTION_MARK = re.compile(r"^\s*#\s*--8<--\s*\[(start|end):[^\]]*\]\s*$")
_EXERCISE = re.compile(r"""^\s*--8<--\s+["'](?P<spec>[^"':]+/exercise_(?P<name>\w+)\.py)["']\s*$""")
_ANSWER_MARK = re.compile(r"^(?P<indent>\s*)#\s*--8<--\s*\[(?P<end>start|end):answer\]\s*$")
HANDOUT = "...  # TODO: your answer here (the check cell below tests it)"

_LABELS = {
    "ko": {"setup": "# Colab에서만 실행됩니다: gdsc-book 패키지{data}를 설치합니다.\n"
                    "# 저장소를 받아 `pip install -e .`로 설치했다면 할 일이 없습니다.",
           "data": "와 데이터셋"},
    "en": {"setup": "# Runs only in Colab: installs the gdsc-book package{data}.\n"
                    "# Nothing to do if you installed it from a checkout with `pip install -e .`.",
           "data": " and the datasets"},
}
_CHECK_COMMENT = {
    "ko": "# 확인: 위 셀의 답을 검사합니다. 틀리면 기대한 것, 실제 값, 힌트를 보여 줍니다.",
    "en": "# Check: tests the answer in the cell above; a wrong one gets what was expected,\n"
          "# what was found, and the hint.",
}


@dataclass(frozen=True)
class Site:
    """What the notebooks need from ``mkdocs.yml``."""

    root: Path
    docs_dir: Path
    snippet_dirs: tuple[Path, ...]  # pymdownx.snippets' base paths, searched in order
    site_url: str
    repo_url: str
    branch: str

    def snippet_file(self, path: str) -> Path:
        """The file an include names, from the first base path that holds it."""
        for folder in self.snippet_dirs:
            if (folder / path).is_file():
                return folder / path
        where = ", ".join(str(d) for d in self.snippet_dirs)
        raise BookError(f"snippet {path!r} not found under {where}")

    @property
    def repo(self) -> str:
        """``owner/name`` of the GitHub repository."""
        m = re.match(r"https?://github\.com/([^/]+/[^/]+?)(?:\.git)?/?$", self.repo_url)
        if not m:
            raise BookError(f"repo_url {self.repo_url!r} in mkdocs.yml is not a GitHub repository")
        return m.group(1)

    def colab_url(self, slug: str, lang: str) -> str:
        return (f"https://colab.research.google.com/github/{self.repo}/blob/{self.branch}/"
                f"{NOTEBOOK_DIR}/{notebook_name(slug, lang)}")

    def page_url(self, slug: str, lang: str) -> str:
        prefix = "" if lang == DEFAULT_LANG else f"{lang}/"
        return f"{self.site_url}{prefix}{'' if slug == 'index' else slug + '/'}"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml with its ``!!python/...`` and ``!ENV`` tags read as plain values."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def load_site(root: Path | str = ".") -> Site:
    root = Path(root).resolve()
    cfg_path = root / "mkdocs.yml"
    if not cfg_path.exists():
        raise BookError(f"no mkdocs.yml in {root}: run from the project root or pass --root")
    cfg = yaml.load(cfg_path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    snippets = ["docs_src"]
    for ext in cfg.get("markdown_extensions") or []:
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            base = (ext["pymdownx.snippets"] or {}).get("base_path", snippets)
            snippets = base if isinstance(base, list) else [base]
    site_url = cfg.get("site_url") or ""
    edit = cfg.get("edit_uri") or "edit/main/docs/"
    m = re.match(r"(?:edit|blob)/([^/]+)/", edit)
    return Site(root=root, docs_dir=root / cfg.get("docs_dir", "docs"),
                snippet_dirs=tuple(root / s for s in snippets),
                site_url=site_url if site_url.endswith("/") else site_url + "/",
                repo_url=cfg.get("repo_url") or "", branch=m.group(1) if m else "main")


def notebook_name(slug: str, lang: str) -> str:
    return f"{slug}.{lang}.ipynb"


def page_path(site: Site, slug: str, lang: str) -> Path:
    return site.docs_dir / (f"{slug}.md" if lang == DEFAULT_LANG else f"{slug}.{lang}.md")


def chapter_slugs(site: Site) -> list[str]:
    """Slugs of the chapter and lab pages that exist in both languages, in navigation order."""
    slugs = []
    for p in sorted(site.docs_dir.glob("*.md")):
        slug = p.name[:-3]
        if CHAPTER_RE.match(slug) and all(page_path(site, slug, lang).exists() for lang in LANGS):
            slugs.append(slug)
    return slugs


# --- macros: the site's own, with figures pointing at the published site -----------------------


class _MacroEnv:
    """The part of mkdocs-macros' ``env`` that ``gdsc_book.docs_macros`` uses."""

    def __init__(self, site: Site):
        self.conf = {"docs_dir": str(site.docs_dir)}
        self.page = None
        self.macros: dict = {}
        self.variables: dict = {}

    def macro(self, fn):
        self.macros[fn.__name__] = fn
        return fn


def render_macros(site: Site, slug: str, lang: str, text: str) -> str:
    """Render the page's ``{{ ... }}`` macros as the site does, for a notebook."""
    import jinja2

    from gdsc_book import docs_macros

    env = _MacroEnv(site)
    docs_macros.define_env(env)
    src = page_path(site, slug, lang).name
    url = ("" if lang == DEFAULT_LANG else f"{lang}/") + f"{slug}/"
    env.page = SimpleNamespace(file=SimpleNamespace(src_uri=src), url=url, meta={})
    site_figure = env.macros["figure"]

    def figure(name, caption, part=None, width=None):
        # The page's <figure> HTML is not markdown Jupyter renders: a plain image of the
        # published figure instead (i18n serves figures/x.en.svg as en/figures/x.svg).
        html = site_figure(name, caption, part=part)
        m = re.search(r"\(((?:\.\./)*)figures/([^)\s]+)\)", html)
        stem, ext = m.group(2).rsplit(".", 1)
        stem = stem[: -len(f".{lang}")] if stem.endswith(f".{lang}") else stem
        prefix = "" if lang == DEFAULT_LANG else f"{lang}/"
        cap = caption.replace("\n", " ")
        return f"![{cap}]({site.site_url}{prefix}figures/{stem}.{ext})\n\n*{cap}*"

    site_explorable = env.macros["explorable"]

    def explorable(name, caption):
        # The slider needs the site's script: a notebook links the page that has it instead.
        site_explorable(name, caption)  # the same checks (the record exists, is explorable)
        label = {"ko": "사이트에서 직접 움직여 볼 수 있습니다", "en": "Explore it on the site"}[lang]
        return f"*[{label}]({site.page_url(slug, lang)})*"

    def playground():
        # The live demo needs the site's script, which a notebook does not run: link to it.
        from gdsc_book import playground_page

        return playground_page.web_link(site.site_url + url, lang)

    macros = dict(env.macros, figure=figure, explorable=explorable, playground=playground)
    jenv = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    try:
        docs_macros.on_pre_page_macros(env)
        page = SimpleNamespace(page=env.page, markdown=jenv.from_string(text).render(**macros))
        docs_macros.put_references(page)  # the chapter's list, as on the site
        return page.markdown
    except (OSError, KeyError, IndexError, ValueError, jinja2.TemplateError) as exc:
        # Same failures as the site build (a missing figure record, a wrong key): say where.
        raise BookError(f"{src}: {type(exc).__name__}: {exc}") from exc


# --- markdown to cells ------------------------------------------------------------------------


LIBRARY = "gdsc_book/"  # a page may show a section of the library's own source


def _snippet_code(site: Site, spec: str) -> str:
    path, _, rest = spec.partition(":")
    file = site.snippet_file(path)
    lines = file.read_text(encoding="utf-8").splitlines()
    if rest and re.fullmatch(r"\d*(:\d*)?", rest):  # path:start:end line range (1-based)
        start, _, end = rest.partition(":")
        lines = lines[int(start or 1) - 1: int(end) if end else None]
    elif rest:  # path:section between "# --8<-- [start:section]" and "[end:section]" markers
        text = "\n".join(lines)
        m = re.search(rf"\[start:{re.escape(rest)}\]\n(.*?)\n[^\n]*\[end:{re.escape(rest)}\]",
                      text, re.S)
        if not m:
            raise BookError(f"snippet section {spec!r} not found")
        lines = textwrap.dedent(m.group(1)).splitlines()  # as dedent_subsections shows it
    return "\n".join(ln for ln in lines if not _SECTION_MARK.match(ln)).strip("\n")


@dataclass(frozen=True)
class Exercise:
    """A coding exercise file: the program with its answer, and as handed out."""

    name: str
    reference: str
    handout: str

    @classmethod
    def read(cls, site: Site, spec: str) -> Exercise:
        m = _EXERCISE.match(f'--8<-- "{spec}"')
        if not m:
            raise BookError(f"{spec!r} is not an exercise file (<chapter>/exercise_<name>.py)")
        file = site.snippet_file(spec)
        lines = file.read_text(encoding="utf-8").splitlines()
        marks = [(k, mk) for k, mk in ((k, _ANSWER_MARK.match(ln)) for k, ln in enumerate(lines))
                 if mk]
        if [mk.group("end") for _, mk in marks] != ["start", "end"]:
            raise BookError(f"{spec}: mark the answer with one '# --8<-- [start:answer]' and "
                            "one '# --8<-- [end:answer]' line")
        (start, first), (end, _) = marks
        handout = lines[:start] + [first.group("indent") + HANDOUT] + lines[end + 1:]

        def clean(rows):
            return "\n".join(ln for ln in rows if not _SECTION_MARK.match(ln)).strip("\n")

        return cls(m.group("name"), clean(lines), clean(handout))


def check_cell(name: str, lang: str, hint: str) -> str:
    """The check cell of exercise ``name``; the hint goes in a raw string, as written."""
    hint = hint.strip().replace('"""', "'''")
    if hint.endswith(('"', "\\")):
        hint += " "
    return "\n".join([_CHECK_COMMENT[lang], "from gdsc_book.exercise_checks import check", "",
                      f'check("{name}", globals(), hint=r"""{hint}""")'])


def _admonition_end(lines: list[str], i: int) -> int:
    """The line after the indented body of the admonition that starts at ``i``."""
    j = i + 1
    while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
        j += 1
    while j > i + 1 and not lines[j - 1].strip():
        j -= 1
    return j


def _last_hint(md: list[str]) -> str:
    """The body of the last ``??? tip`` block in ``md``: the hint of the problem at hand."""
    for k in range(len(md) - 1, -1, -1):
        adm = _ADMONITION.match(md[k])
        if adm and adm.group("type") == "tip":
            return "\n".join(ln[4:] for ln in md[k + 1:_admonition_end(md, k)]).strip()
    return ""


def _convert_blocks(lines: list[str]) -> list[str]:
    """Material-only markdown to what Jupyter renders: admonitions and tabs become quotes."""
    out: list[str] = []
    i, fence = 0, None
    while i < len(lines):
        line = lines[i]
        if fence or _FENCE.match(line):  # code shown as text stays exactly as written
            m = _FENCE.match(line)
            if fence is None:
                fence = m.group("fence")
            elif m and m.group("fence").startswith(fence) and not m.group("info").strip():
                fence = None
            out.append(line)
            i += 1
            continue
        if line.strip() == "<quiz>":  # a self-check: Jupyter knows no <quiz> tag
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "</quiz>"),
                       len(lines))
            out.extend(_quiz_markdown(lines[i + 1:end]))
            i = end + 1
            continue
        adm, tab = _ADMONITION.match(line), _TAB.match(line)
        if adm or tab:
            if adm:
                title = adm.group("title")
                title = title if title is not None else adm.group("type").capitalize()
            else:
                title = tab.group("title")
            body = []
            i += 1
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            if adm and adm.group("kind") == "???":  # folded on the page: folded here too
                out.extend([f"<details><summary><b>{title}</b></summary>", ""])
                out.extend(_convert_blocks(body))
                out.extend(["", "</details>", ""])
                continue
            out.append(f"> **{title}**" if title else ">")
            out.append(">")
            out.extend(f"> {b}".rstrip() for b in _convert_blocks(body))
            out.append("")
            continue
        if line.startswith("#"):
            line = _ATTRS.sub("", line)
        # Footnotes are a Python-Markdown extension: plain superscripts for Jupyter.
        line = re.sub(r"^\[\^([^\]]+)\]:\s*", r"<sup>\1</sup> ", line)
        line = re.sub(r"\[\^([^\]]+)\]", r"<sup>\1</sup>", line)
        out.append(_ATTRS.sub("", line) if "](" in line else line)
        i += 1
    return out


_QUIZ_OPTION = re.compile(r"^[-*] \[([ xX]?)\] (.*)$")
_QUIZ_BLANK = re.compile(r"\[\[([^\]]+)\]\]")


def _quiz_markdown(body: list[str]) -> list[str]:
    """A mkdocs-quiz block as plain markdown: the question and its options, then the answer
    with each option's reason (or the number and its explanation) folded in a <details>."""
    question, options, rest = [], [], []
    for line in body:
        m = _QUIZ_OPTION.match(line)
        if m:
            options.append([m.group(1).lower() == "x", m.group(2), ""])
        elif line.startswith("> ") and options:
            options[-1][2] += line[2:]
        elif options:
            rest.append(line)
        else:
            question.append(line)
    if not options:  # fill in the blank: question, a rule, then the explanation
        text = "\n".join(question)
        ask, _, why = text.partition("\n---\n")
        answers = _QUIZ_BLANK.findall(ask)
        shown = [_QUIZ_BLANK.sub("____", ask).strip(), ""]
        folded = [", ".join(answers), "", why.strip()]
    else:
        shown = ["\n".join(question).strip(), ""] + [f"- {text}" for _, text, _ in options]
        folded = [f"- {'✓' if ok else '✗'} {text}: {why}".rstrip(": ") for ok, text, why in options]
        folded += ["", "\n".join(rest).strip()]
    return shown + ["", "<details><summary>✓</summary>", ""] + folded + ["", "</details>", ""]


def page_cells(site: Site, slug: str, lang: str, text: str,
               answers: bool = False) -> list[tuple[str, str, str]]:
    """(kind, source, tag) cells of a page: markdown split at headings, snippets as code; a
    coding exercise as an ``exercise`` cell (handed out, or filled in with ``answers``) and a
    ``check`` cell, then its folded answer."""
    cells: list[tuple[str, str, str]] = []
    md: list[str] = []

    def flush():
        body = "\n".join(_convert_blocks(md)).strip("\n")
        body = re.sub(r"\n{3,}", "\n\n", body)
        if body.strip():
            cells.append(("markdown", body, ""))
        md.clear()

    def page_link(m):
        anchor = m.group("anchor") or ""
        return f"]({site.page_url(m.group('page'), lang)}{anchor})"

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _ADMONITION.match(line):
            end = _admonition_end(lines, i)
            specs = [m for m in map(_EXERCISE.match, lines[i + 1:end]) if m]
            if specs:  # the answer block of a coding exercise
                ex = Exercise.read(site, specs[0].group("spec"))
                hint = _last_hint(md)
                flush()
                cells.append(("code", ex.reference if answers else ex.handout, "exercise"))
                cells.append(("code", check_cell(ex.name, lang, hint), "check"))
                for ln in lines[i:end]:  # the folded answer shows the code as text
                    if _EXERCISE.match(ln):
                        pad = ln[:len(ln) - len(ln.lstrip())]
                        md.extend(pad + c if c else "" for c in ex.reference.splitlines())
                    else:
                        md.append(ln)
                i = end
                continue
        fence = _FENCE.match(line)
        if fence:
            close = re.compile(rf"^ *{re.escape(fence.group('fence')[0])}{{{len(fence.group('fence'))},}}\s*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            body = lines[i + 1: j]
            specs = [_SNIPPET.match(b) for b in body if b.strip()]
            if specs and all(specs):
                flush()
                code = "\n\n".join(_snippet_code(site, s.group("spec")) for s in specs)
                if all(s.group("spec").startswith(LIBRARY) for s in specs):
                    # Library source is shown, not run: it is part of a function.
                    cells.append(("markdown", f"```python\n{code}\n```", ""))
                else:
                    cells.append(("code", code, ""))
            else:
                md.extend(lines[i: j + 1])
            i = j + 1
            continue
        if re.match(r"^#{1,6} ", line) and md:
            flush()
        # Executed notebooks are site pages: outside the site, link to the published one.
        line = _EXECUTED_LINK.sub(
            lambda m: f"]({site.page_url('executed/' + m.group('slug'), lang)})", line)
        md.append(_PAGE_LINK.sub(page_link, line))
        i += 1
    flush()
    return cells


def _datasets(codes: list[str]) -> list[str]:
    """Datasets the snippets load that must be downloaded in Colab (digits ships with sklearn)."""
    names = ("mnist", "fashion-mnist", "cifar10")
    return [n for n in names if any(re.search(rf"""["']{n}["']""", c) for c in codes)]


def setup_cell(site: Site, lang: str, datasets: list[str]) -> str:
    labels = _LABELS[lang]
    comment = labels["setup"].format(data=labels["data"] if datasets else "")
    lines = [comment, "import os", "import sys", "",
             f'os.environ["GDSC_BOOK_LANG"] = "{lang}"  # the check cells report in {lang}',
             'if "google.colab" in sys.modules:',
             f'    %pip install -q "gdsc-book @ git+{site.repo_url}"']
    if datasets:
        lines.append(f"    !gdsc-book data download {' '.join(datasets)}")
    return "\n".join(lines)


def build_notebook(site: Site, slug: str, lang: str, answers: bool = False):
    """The notebook of one page, as an ``nbformat`` node (exercises filled in with
    ``answers``); exercise and check cells carry the tags ``exercise`` and ``check``."""
    import nbformat

    path = page_path(site, slug, lang)
    if not path.exists():
        raise BookError(f"no page {path}")
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter is for mkdocs
    text = render_macros(site, slug, lang, text)
    cells = page_cells(site, slug, lang, text, answers=answers)
    codes = [src for kind, src, _ in cells if kind == "code"]
    setup = ("code", setup_cell(site, lang, _datasets(codes)), "")
    # Right after the title (the first markdown cell), so the reader installs before anything.
    at = 1 if cells and cells[0][0] == "markdown" else 0
    cells.insert(at, setup)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    for k, (kind, src, tag) in enumerate(cells):
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(src)
        cell.id = f"{slug}-{k:02d}"  # stable ids: regenerating an unchanged page changes nothing
        if tag:
            cell.metadata["tags"] = [tag]
        nb.cells.append(cell)
    return nb


def render_notebook(site: Site, slug: str, lang: str) -> str:
    import nbformat

    return nbformat.writes(build_notebook(site, slug, lang), version=4) + "\n"


def sync(site: Site, slugs: list[str] | None = None, check: bool = False) -> list[Path]:
    """Write (or with ``check``, only compare) the notebooks; return those out of date.

    Notebooks of pages that no longer exist count as out of date, and are removed unless
    ``check``.
    """
    known = chapter_slugs(site)
    if slugs:
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise BookError(f"no chapter page in both languages for: {', '.join(unknown)}; "
                            f"choose from: {', '.join(known) or '(none)'}")
    wanted = slugs or known
    out_dir = site.root / NOTEBOOK_DIR
    # Render everything before writing anything: a broken page leaves every notebook as it was.
    rendered = {out_dir / notebook_name(s, lang): render_notebook(site, s, lang)
                for s in wanted for lang in LANGS}
    stale = [p for p, text in rendered.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    orphans = []
    if not slugs and out_dir.is_dir():
        orphans = [p for p in sorted(out_dir.glob("*.ipynb")) if p not in rendered]
    if not check:
        out_dir.mkdir(exist_ok=True)
        for p in stale:
            p.write_text(rendered[p], encoding="utf-8")
        for p in orphans:
            p.unlink()
    return stale + orphans


def notebook_links(site: Site, slug: str, lang: str, page_url: str) -> dict | None:
    """Colab and download links for a page (``None`` when it has no notebook)."""
    name = notebook_name(slug, lang)
    if not (site.root / NOTEBOOK_DIR / name).exists():
        return None
    depth = page_url.strip("/").count("/") + 1 if page_url.strip("/") else 0
    return {"colab": site.colab_url(slug, lang),
            "download": "../" * depth + f"{NOTEBOOK_DIR}/{name}", "name": name}
