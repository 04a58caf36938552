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
  (``gdsc_book.literature``, the book's one bibliography, each number with its source).
- ``{{ ref("nakkiran2020") }}`` cites a work in the text ("Nakkiran et al. (2020)", linked to its
  entry), ``{{ refp("cybenko1989", "hornik1989") }}`` in parentheses; ``{{ references() }}``,
  under the heading 참고 문헌 / References, prints the list of exactly the works the page cited.
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

    # --- citations: one bibliography (gdsc_book.literature), each page listing what it cites ---
    @env.macro
    def cite(source: str, key: str, spec: str | None = None) -> str:
        from gdsc_book import literature

        value = literature.cite(source, key)
        _cited(env).append(source)
        return _fmt(value, spec)

    @env.macro
    def ref(*sources: str) -> str:
        from gdsc_book import literature

        text = literature.in_text(sources, _lang(env), paren=False)
        _cited(env).extend(sources)
        return text

    @env.macro
    def refp(*sources: str) -> str:
        from gdsc_book import literature

        text = literature.in_text(sources, _lang(env), paren=True)
        _cited(env).extend(sources)
        return text

    @env.macro
    def references() -> str:
        # A marker: citations below it (in the exercises) join the list too, once the whole
        # page is rendered (on_post_page_macros).
        return REFERENCES_MARKER

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

    _define_typography_macros(env)


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


# --- citations: the page's list, built from what it cited --------------------------------

REFERENCES_MARKER = "<!-- book-references -->"
_CITED: dict[str, list[str]] = {}


def _cited(env) -> list[str]:
    return _CITED.setdefault(env.page.file.src_uri if env.page else "", [])


def put_references(env) -> None:
    """Replace the page's references() marker by its list (the site and the notebooks)."""
    from gdsc_book import literature

    src = env.page.file.src_uri
    keys = _CITED.pop(src, [])
    count = env.markdown.count(REFERENCES_MARKER)
    if keys and count != 1:
        raise ValueError(f"{src} cites {', '.join(sorted(set(keys)))} but has "
                         f"{count} {{{{ references() }}}} lists; put one at the chapter's end")
    if count and not keys:
        raise ValueError(f"{src} has {{{{ references() }}}} but cites nothing; cite with "
                         f"{{{{ ref(...) }}}} or remove the list")
    if keys:
        env.markdown = env.markdown.replace(REFERENCES_MARKER, literature.references_html(keys))


def on_pre_page_macros(env) -> None:
    if env.page is not None:
        _CITED.pop(env.page.file.src_uri, None)  # a rebuild (mkdocs serve) starts afresh


def on_post_page_macros(env) -> None:
    """Put the page's notebook links under its title, so no chapter author has to add them;
    fill in its list of references."""
    if env.page is None:
        return
    put_references(env)
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


# --- Korean typography: particles after printed text, and the glossary table -------------------
# (gdsc_book.glossary; tests/test_typography.py and tests/test_glossary.py)

# Particle pairs: (after a final consonant, after a vowel). 으로/로 also takes 로 after ㄹ.
_PARTICLES = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"),
              "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"),
              "으로": ("으로", "로"), "로": ("으로", "로")}
# The final consonant (받침) of each digit read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ",
                "8": "ㄹ", "9": ""}
# Trailing zeros read as a unit: 십 백 천, then 만 억 조 every four.
_TENS_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ"}
_MYRIAD_FINAL = {1: "ㄴ", 2: "ㄱ", 3: "", 4: "ㅇ"}
# Latin letters by their Korean names: only 엘, 엠, 엔, 알 end in a consonant.
_LETTER_FINAL = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_FINALS = ["", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
           "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]


def _final_consonant(text: str) -> str:
    """The final consonant with which ``text`` is read aloud ("" after a vowel)."""
    s = re.sub(r"[\s)\]}\"'*_`$]+$", "", text)
    if not s:
        raise ValueError(f"josa: no text to attach a particle to ({text!r})")
    last = s[-1]
    if "가" <= last <= "힣":
        return _FINALS[(ord(last) - ord("가")) % 28]
    if last == "%":
        return ""  # 퍼센트
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL.get(last.lower(), "")
    if last.isdigit():
        whole = re.search(r"[\d,]*\.?\d*$", s).group(0)
        if "." in whole:  # digits after the point are read one by one: 삼 점 일사
            return _DIGIT_FINAL[last]
        digits = whole.replace(",", "").lstrip("0") or "0"
        zeros = len(digits) - len(digits.rstrip("0"))
        if zeros == 0 or digits == "0":
            return _DIGIT_FINAL[last]
        if zeros % 4:
            return _TENS_FINAL[zeros % 4]
        return _MYRIAD_FINAL.get(zeros // 4, "")
    raise ValueError(f"josa: cannot tell how {text!r} is read; write the particle by hand")


def josa(text, particle: str) -> str:
    """``text`` followed by the form of ``particle`` its reading takes: ``josa("4", "을")`` is
    "4를", ``josa("10", "을")`` "10을" (십), ``josa("7", "으로")`` "7로" (칠: ㄹ takes 로)."""
    if particle not in _PARTICLES:
        raise ValueError(f"josa: unknown particle {particle!r}; use one of "
                         f"{', '.join(sorted(_PARTICLES))}")
    text = str(text)
    final = _final_consonant(text)
    after_consonant, after_vowel = _PARTICLES[particle]
    if after_consonant == "으로" and final == "ㄹ":
        return text + after_vowel
    return text + (after_consonant if final else after_vowel)


def _glossary_table(docs: Path, lang: str) -> str:
    """The glossary as a Markdown table, in the page's order, each term linked to the chapter
    where it is first used (its title read from that page)."""
    from gdsc_book import glossary

    suffix = ".md" if lang == "ko" else ".en.md"
    head = ("| 한국어 | English | 처음 나오는 장 |\n| --- | --- | --- |" if lang == "ko"
            else "| English | 한국어 | First used in |\n| --- | --- | --- |")
    lines = [head]
    for t in glossary.rows(lang):
        page = (docs / f"{t.chapter}{suffix}").read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", page, re.M).group(1).strip()
        pair = f"{t.ko} | {t.en}" if lang == "ko" else f"{t.en} | {t.ko}"
        lines.append(f"| {pair} | [{title}]({t.chapter}.md) |")
    return "\n".join(lines)


def _define_typography_macros(env) -> None:
    env.macro(josa)

    @env.macro
    def glossary() -> str:
        return _glossary_table(Path(env.conf["docs_dir"]), _lang(env))
