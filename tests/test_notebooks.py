"""Chapter notebooks: generated from the pages, up to date, and running top to bottom."""

from __future__ import annotations

import json
import os
import re
import shutil

import nbformat
import pytest

from gdsc_book import cli, notebooks

from .pages import ROOT, SNIPPET, structure

SITE = notebooks.load_site(ROOT)
SLUGS = notebooks.chapter_slugs(SITE)


def test_committed_notebooks_are_up_to_date():
    """`gdsc-book notebooks --check`: every chapter has both notebooks, none is stale or orphaned."""
    assert SLUGS, "no chapter page"
    stale = notebooks.sync(SITE, check=True)
    assert not stale, f"regenerate with `gdsc-book notebooks`: {[p.name for p in stale]}"
    for slug in SLUGS:
        for lang in notebooks.LANGS:
            assert (ROOT / "notebooks" / notebooks.notebook_name(slug, lang)).is_file()


@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_follows_its_page(slug):
    """Same headings and snippets as the page, in order; Korean and English share every line
    of code, so running one language's notebook runs the other's code too."""
    code = {}
    for lang in notebooks.LANGS:
        page = notebooks.page_path(SITE, slug, lang)
        nb = nbformat.read(ROOT / "notebooks" / notebooks.notebook_name(slug, lang), as_version=4)
        nbformat.validate(nb)
        md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        prose = re.sub(r"^```.*?^```", "", md, flags=re.M | re.S)  # code shown as text
        levels = [len(m) for m in re.findall(r"^(#{1,6}) ", prose, re.M)]
        assert levels == structure(page).headings, (slug, lang)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        assert 'if "google.colab" in sys.modules:' in cells[0]  # the Colab install comes first
        snippets = SNIPPET.findall(page.read_text(encoding="utf-8"))
        body = "\n".join(cells[1:])
        for spec in snippets:
            if spec.startswith(notebooks.LIBRARY):  # library source: shown as text, not run
                section = notebooks._snippet_code(SITE, spec)
                assert f"```python\n{section}\n```" in md, (slug, spec)
                continue
            src = (ROOT / "docs_src" / spec.split(":")[0]).read_text(encoding="utf-8")
            assert src.strip().splitlines()[-1] in body, (slug, spec)
        assert "{{" not in md and "--8<--" not in md + body, (slug, lang)  # all rendered
        code[lang] = cells[1:]
    assert code["ko"] == code["en"]


def _execute(path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # Run where a reader would: outside the repository, with the datasets CI has.
    env = {"MPLBACKEND": "Agg"}
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_notebook_runs_top_to_bottom(slug, tmp_path):
    """The Korean notebook runs without error (its code is the English one's, see above)."""
    path = ROOT / "notebooks" / notebooks.notebook_name(slug, "ko")
    nb = _execute(path, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert len(ran) == sum(c.cell_type == "code" for c in nb.cells)


# --- the generator on a small book of its own -----------------------------------------------

PAGE_KO = """# 9. 시험 장

소개 문단. [다음 장](ch10-next.md#절)으로 이어집니다.

## 첫 절 { #first }

!!! note "참고"
    수치 {{ num("t_rec", "acc", ".1%") }}는 기록에서 옵니다.

{{ figure("t_rec", "캡션") }}

```python
--8<-- "ch09-test/hello.py"
```

```text
출력은 마크다운으로 남습니다
```

{{ provenance() }}
"""

PAGE_EN = PAGE_KO.replace("# 9. 시험 장", "# 9. Test chapter").replace("참고", "Note")


@pytest.fixture
def book(tmp_path):
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    docs = tmp_path / "docs"
    (docs / "results").mkdir(parents=True)
    (docs / "ch09-test.md").write_text(PAGE_KO, encoding="utf-8")
    (docs / "ch09-test.en.md").write_text(PAGE_EN, encoding="utf-8")
    (docs / "index.md").write_text("# 홈\n", encoding="utf-8")
    rec = {"numbers": {"acc": 0.9731}, "files": ["t_rec.ko.svg", "t_rec.en.svg"],
           "versions": {"torch": "9.9", "torchvision": "8.8"}, "date": "2030-01-02"}
    (docs / "results" / "t_rec.json").write_text(json.dumps(rec), encoding="utf-8")
    (tmp_path / "docs_src" / "ch09-test").mkdir(parents=True)
    (tmp_path / "docs_src" / "ch09-test" / "hello.py").write_text(
        'from gdsc_book.data import load\n\nds = load("mnist", train=False)\nprint(6 * 7)\n')
    return tmp_path


def test_generator_turns_a_page_into_cells(book):
    site = notebooks.load_site(book)
    assert notebooks.chapter_slugs(site) == ["ch09-test"]
    nb = notebooks.build_notebook(site, "ch09-test", "ko")
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "markdown", "code", "markdown"]
    title, setup, section, code, tail = (c.source for c in nb.cells)
    assert title.startswith("# 9. 시험 장")
    assert "https://gdsc-ku.github.io/gdsc-book/ch10-next/#절" in title  # page links go online
    assert "%pip install -q \"gdsc-book @ git+https://github.com/gdsc-ku/gdsc-book\"" in setup
    assert "!gdsc-book data download mnist" in setup  # the snippet loads MNIST
    assert section.startswith("## 첫 절\n")  # attribute lists are MkDocs-only
    assert "> **참고**" in section and "97.3%" in section  # admonition -> quote, num rendered
    assert "![캡션](https://gdsc-ku.github.io/gdsc-book/figures/t_rec.svg)" in section
    assert code == 'from gdsc_book.data import load\n\nds = load("mnist", train=False)\nprint(6 * 7)'
    assert "```text" in tail and "torch 9.9" in tail and "2030-01-02" in tail
    en = notebooks.build_notebook(site, "ch09-test", "en")
    assert "https://gdsc-ku.github.io/gdsc-book/en/figures/t_rec.svg" in en.cells[2].source
    assert "Runs only in Colab" in en.cells[1].source and "Colab에서만" in setup


def test_setup_cell_is_valid_ipython(book):
    """The magics in the Colab branch must parse, or the first cell fails everywhere."""
    from IPython.core.inputtransformer2 import TransformerManager

    site = notebooks.load_site(book)
    setup = notebooks.build_notebook(site, "ch09-test", "en").cells[1].source
    python = TransformerManager().transform_cell(setup)
    compile(python, "setup", "exec")
    assert "run_line_magic('pip'" in python and "system('gdsc-book data download mnist')" in python


def test_cli_writes_checks_and_rejects_bad_input(book, capsys):
    root = ["--root", str(book)]
    assert cli.main(["notebooks", "--check", *root]) == 1  # nothing written yet
    assert cli.main(["notebooks", *root]) == 0
    written = sorted(p.name for p in (book / "notebooks").iterdir())
    assert written == ["ch09-test.en.ipynb", "ch09-test.ko.ipynb"]
    assert cli.main(["notebooks", "--check", *root]) == 0
    before = (book / "notebooks" / "ch09-test.ko.ipynb").read_text()
    assert cli.main(["notebooks", *root]) == 0  # regenerating changes nothing
    assert (book / "notebooks" / "ch09-test.ko.ipynb").read_text() == before

    capsys.readouterr()
    assert cli.main(["notebooks", "ch99-nope", *root]) == 2
    assert "ch99-nope" in capsys.readouterr().err
    assert cli.main(["notebooks", "--root", str(book / "nowhere")]) == 2
    # A page whose snippet is missing fails with a message and leaves the notebooks alone.
    (book / "docs_src" / "ch09-test" / "hello.py").unlink()
    assert cli.main(["notebooks", *root]) == 2
    assert "hello.py" in capsys.readouterr().err
    assert (book / "notebooks" / "ch09-test.ko.ipynb").read_text() == before
