"""mkdocs-macros module: pages quote numbers and show figures only through these macros.

- ``{{ num("lab1_mnist", "cnn.test_acc", ".2%") }}`` prints a number from the figure record
  ``docs/results/lab1_mnist.json`` (a dotted path into its ``numbers``); a missing record or
  key fails the build, so a page can never show a number the code did not produce.
- ``{{ figure("ch01_tpe", "caption") }}`` shows the figure in the page's language
  (``figures/ch01_tpe.ko.svg`` on a Korean page, ``.en.svg`` on an English one).
- ``{{ explorable("ch05_width_explore", "caption") }}`` puts an explorable figure (a
  ``<div class="book-interactive">``) on the page: ``docs/javascripts/explore.js`` fetches the
  record ``results/ch05_width_explore.json`` when it scrolls near and draws the state the reader
  picks; print leaves it out and keeps the static figure beside it.
- ``{{ calc("mlp_params", 784, 10) }}`` prints an exercise answer that is derived rather than
  measured (``gdsc_book.exercises``), so answers are computed, never typed.
- ``{{ cite("lecun1998", "linear_error", ".1%") }}`` prints a number from the literature
  (``gdsc_book.literature``, each with its source); ``{{ reference("lecun1998") }}`` the source.
- ``{{ playground() }}`` puts chapter 4's live demo (an MLP trained in the browser) in a page.
- ``{{ provenance() }}`` says what the page's numbers were verified with.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from gdsc_book.site_search import tex_to_text

_MATH_IN_TEXT = re.compile(r"\$([^$]+)\$")

RESULTS_DIR = "results"


def _lang(env) -> str:
    page = env.page
    src = page.file.src_uri if page is not None else ""
    return "en" if src.endswith(".en.md") or "/en/" in f"/{page.url}" else "ko"


def _fmt(value, spec: str | None) -> str:
    if spec is None:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)
    return format(value, spec)


def define_env(env) -> None:
    docs_dir = Path(env.conf["docs_dir"])
    cache: dict[str, dict] = {}
    used: dict[str, set] = {}

    def record(name: str) -> dict:
        if name not in cache:
            path = docs_dir / RESULTS_DIR / f"{name}.json"
            if not path.exists():
                raise FileNotFoundError(
                    f"no figure record {path}; run `nox -s figures -- {name}` first")
            cache[name] = json.loads(path.read_text())
        used.setdefault(env.page.file.src_uri if env.page else "", set()).add(name)
        return cache[name]

    @env.macro
    def num(name: str, key: str, spec: str | None = None) -> str:
        value = record(name)["numbers"]
        for part in key.split("."):
            if isinstance(value, list):
                value = value[int(part)]
            elif part in value:
                value = value[part]
            else:
                raise KeyError(f"record {name} has no number {key!r}")
        return _fmt(value, spec)

    @env.macro
    def calc(name: str, *args, spec: str | None = None) -> str:
        from gdsc_book import exercises

        return _fmt(exercises.calc(name, *args), spec)

    @env.macro
    def figure(name: str, caption: str, part: str | None = None, width: str | None = None) -> str:
        rec = record(name)
        lang = _lang(env)
        stem = name if part is None else f"{name}_{part}"
        matches = [f for f in rec["files"] if f.startswith(f"{stem}.{lang}.")]
        if not matches:
            raise FileNotFoundError(f"record {name} lists no file {stem}.{lang}.*")
        depth = env.page.file.src_uri.count("/") if env.page else 0
        src = "../" * depth + f"figures/{matches[0]}"
        # on-glb: the lightbox plugin (mkdocs.yml, manual mode) opens this image full-screen
        style = f"{{ .on-glb width=\"{width}\" }}" if width else "{ .on-glb }"
        cap = caption.replace("\n", " ")
        # The caption may hold $math$: typeset in the caption, spelled out in the alt text.
        alt = _MATH_IN_TEXT.sub(lambda m: tex_to_text(m.group(1)), cap).replace('"', "'")
        return (f'<figure class="book-figure" markdown="span">\n'
                f'![{alt}]({src}){style}\n<figcaption markdown="span">{cap}</figcaption>\n'
                f"</figure>")

    @env.macro
    def grader(quiz: str, key: str, spec: str | None = None) -> str:
        """A grader's setting (its budget, tolerance), read from gdsc_book.grading.<quiz>."""
        import importlib

        name, *parts = key.split(".")
        value = getattr(importlib.import_module(f"gdsc_book.grading.{quiz}"), name)
        for part in parts:
            value = value[part]
        return _fmt(value, spec)

    @env.macro
    def cite(source: str, key: str, spec: str | None = None) -> str:
        from gdsc_book import literature

        return _fmt(literature.cite(source, key), spec)

    @env.macro
    def reference(source: str) -> str:
        from gdsc_book import literature

        return literature.reference(source)

    @env.macro
    def explorable(name: str, caption: str) -> str:
        rec = record(name)
        if rec.get("fmt") != "data":
            raise ValueError(f"record {name} is not an explorable figure (fmt='data'); "
                             f"show it with figure(...)")
        depth = env.page.url.count("/") if env.page else 0
        href = "../" * depth + f"{RESULTS_DIR}/{name}.json"
        loading = {"ko": "그림을 불러오는 중…", "en": "Loading the figure…"}[_lang(env)]
        cap = caption.replace("\n", " ")
        return (f'<div class="book-interactive" data-name="{name}" data-record="{href}" '
                f'markdown="block">\n'
                f'<div class="book-interactive__stage"><p class="book-interactive__status">'
                f"{loading}</p></div>\n"
                f'<p class="book-interactive__caption" markdown="span">{cap}</p>\n</div>')

    @env.macro
    def playground() -> str:
        """Chapter 4's live demo (gdsc_book.playground_page), fed from its figure record."""
        from gdsc_book import playground_page

        return playground_page.html_block(record("ch04_playground")["numbers"], _lang(env))

    @env.macro
    def provenance() -> str:
        src = env.page.file.src_uri if env.page else ""
        names = sorted(used.get(src, set()))
        if not names:
            return ""
        recs = [record(n) for n in names]
        torch_v = sorted({r["versions"]["torch"] for r in recs})
        tv_v = sorted({r["versions"]["torchvision"] for r in recs})
        dates = sorted({r["date"] for r in recs})
        if _lang(env) == "ko":
            return (f"이 페이지의 그림과 수치는 torch {', '.join(torch_v)}, torchvision "
                    f"{', '.join(tv_v)}로 {dates[-1]}에 `gdsc_book`이 만들었습니다.")
        return (f"Figures and numbers on this page were produced by `gdsc_book` with torch "
                f"{', '.join(torch_v)} and torchvision {', '.join(tv_v)} on {dates[-1]}.")

    @env.macro
    def pdf_link() -> str:
        """The print edition's download button (``gdsc-book pdf`` puts the PDFs at the site's
        root when the site is published; screen only, like the notebook buttons)."""
        from gdsc_book import print_edition

        lang = _lang(env)
        depth = env.page.url.count("/") if env.page else 0
        href = "../" * depth + print_edition.pdf_name(lang)
        label = print_edition.LABELS[lang]["download"]
        return (f'<p class="book-pdf"><a class="md-button" href="{href}" '
                f'download="{print_edition.pdf_name(lang)}">{label}</a></p>')


# --- notebooks: "Open in Colab" and "download" on every chapter page (gdsc_book.notebooks) -----

_NOTEBOOK_LABELS = {
    "ko": ("Colab에서 열기", "노트북 내려받기"),
    "en": ("Open in Colab", "Download notebook"),
}


@functools.lru_cache(maxsize=4)
def _load_site(root: Path):
    """mkdocs.yml is read once per build, not once per page."""
    from gdsc_book import notebooks

    return notebooks.load_site(root)


def _notebook_site(env):
    from gdsc_book import notebooks

    conf_file = env.conf.get("config_file_path")
    root = Path(conf_file).parent if conf_file else Path(env.conf["docs_dir"]).parent
    return notebooks, _load_site(root.resolve())


def on_post_page_macros(env) -> None:
    """Put the page's notebook links under its title, so no chapter author has to add them."""
    if env.page is None:
        return
    notebooks, site = _notebook_site(env)
    lang = _lang(env)
    slug = env.page.file.src_uri[: -len(".md")] if env.page.file.src_uri.endswith(".md") else ""
    slug = slug[: -len(f".{lang}")] if slug.endswith(f".{lang}") else slug
    links = notebooks.notebook_links(site, slug, lang, env.page.url) if slug else None
    if links is None:
        return
    colab, download = _NOTEBOOK_LABELS[lang]
    html = (f'<p class="book-notebook">'
            f'<a class="md-button md-button--primary" href="{links["colab"]}" target="_blank" '
            f'rel="noopener">{colab}</a> '
            f'<a class="md-button" href="{links["download"]}" download="{links["name"]}">'
            f"{download} (.ipynb)</a></p>")
    lines = env.markdown.split("\n")
    at = next((i + 1 for i, ln in enumerate(lines) if ln.startswith("# ")), 0)
    env.markdown = "\n".join(lines[:at] + ["", html, ""] + lines[at:])


def on_post_build(env) -> None:
    """Serve the notebooks beside the pages (site/notebooks/), for the download links."""
    import shutil

    notebooks, site = _notebook_site(env)
    src = site.root / notebooks.NOTEBOOK_DIR
    if not src.is_dir():
        return
    dest = Path(env.conf["site_dir"]) / notebooks.NOTEBOOK_DIR
    dest.mkdir(parents=True, exist_ok=True)
    for nb in sorted(src.glob("*.ipynb")):
        shutil.copyfile(nb, dest / nb.name)
