"""Chapter notebooks: generated from the pages, up to date, and running top to bottom."""

from __future__ import annotations

import json
import os
import re
import shutil

import nbformat
import pytest

from gdsc_book import cli, notebooks

from .conftest import has_dataset
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
        prose = re.sub(r"^```.*?^```$", "", md, flags=re.M | re.S)  # code shown as text
        levels = [len(m) for m in re.findall(r"^(#{1,6}) ", prose, re.M)]
        assert levels == structure(page).headings, (slug, lang)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        assert 'if "google.colab" in sys.modules:' in cells[0]  # the Colab install comes first
        snippets = SNIPPET.findall(page.read_text(encoding="utf-8"))
        body = "\n".join(cells[1:])
        for spec in snippets:
            if "/exercise_" in spec:  # handed out: the answer blanked, shown folded in markdown
                ex = notebooks.Exercise.read(SITE, spec)
                assert ex.handout in body and ex.reference not in body, (slug, spec)
                continue
            if spec.startswith(notebooks.LIBRARY):  # library source: shown as text, not run
                section = notebooks._snippet_code(SITE, spec)
                assert f"```python\n{section}\n```" in md, (slug, spec)
                continue
            src = SITE.snippet_file(spec.split(":")[0]).read_text(encoding="utf-8")
            assert src.strip().splitlines()[-1] in body, (slug, spec)
        assert "{{" not in md and "--8<--" not in md + body, (slug, lang)  # all rendered
        # A check cell's comment and hint are in the page's language; what it runs is not.
        code[lang] = [_HINT.sub("", c.source) if _tags(c) == ["check"] else c.source
                      for c in nb.cells[1:] if c.cell_type == "code"][1:]
    assert code["ko"] == code["en"]


_HINT = re.compile(r'^#.*\n|, hint=r"""(.|\n)*?"""\)$', re.M)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _execute(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    return _run(nb, tmp_path)


def _run(nb, tmp_path):
    from nbclient import NotebookClient

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


# --- the coding exercises: handed out, every check fails with its hint; answered, all pass ---

def _exercise_part(nb) -> list:
    """The setup cell and the exercise and check cells: what the exercises need to run."""
    return [nb.cells[1]] + [c for c in nb.cells if _tags(c) in (["exercise"], ["check"])]


EXERCISE_SLUGS = [s for s in SLUGS if any(_tags(c) == ["exercise"] for c in nbformat.read(
    ROOT / "notebooks" / notebooks.notebook_name(s, "ko"), as_version=4).cells)]
_CHECKED = re.compile(r'check\("(?P<name>\w+)", globals\(\), hint=r"""(?P<hint>(?:.|\n)*?)"""\)')
_SAYS = {"ko": "힌트", "en": "hint"}


def _exercise_runs(slug: str) -> list:
    """(lang, answers, cells): the committed notebooks' exercise part as handed out, Korean
    then English, then the Korean one with the page's answers filled in."""
    runs = []
    for lang in notebooks.LANGS:
        handout = nbformat.read(ROOT / "notebooks" / notebooks.notebook_name(slug, lang),
                                as_version=4)
        runs.append((lang, False, _exercise_part(handout)))
    answered = notebooks.build_notebook(SITE, slug, "ko", answers=True)
    return runs + [("ko", True, _exercise_part(answered))]


@pytest.fixture(scope="module")
def exercises_ran(tmp_path_factory) -> dict:
    """Every chapter's exercise runs in one kernel (torch is imported once: seconds, not a
    kernel per chapter), the namespace reset between runs. {slug: [(lang, answers, cells,
    ran cells)]}."""
    slugs = [s for s in EXERCISE_SLUGS if s != "ch10-lab2-cifar10" or has_dataset("cifar10")]
    reset = nbformat.v4.new_code_cell("%reset -f")
    plan = [(slug, run) for slug in slugs for run in _exercise_runs(slug)]
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}}
    for _, (_, _, cells) in plan:
        nb.cells += [reset] + [nbformat.from_dict(dict(c, outputs=[], execution_count=None))
                               for c in cells]
    ran = iter(_run(nb, tmp_path_factory.mktemp("exercises")).cells)
    out: dict = {}
    for slug, (lang, answers, cells) in plan:
        next(ran)  # the reset
        out.setdefault(slug, []).append((lang, answers, cells, [next(ran) for _ in cells]))
    return out


@pytest.mark.parametrize("slug", EXERCISE_SLUGS)
def test_exercise_checks_fail_the_handout_and_pass_the_answers(slug, exercises_ran):
    """The exercise cells of the committed notebooks, run as handed out (Korean, then English):
    each check fails and prints the page's hint in the notebook's language, and nothing raises;
    run with the page's answers, each check passes."""
    if slug not in exercises_ran:
        pytest.skip("needs CIFAR-10")
    for lang, answers, cells, ran in exercises_ran[slug]:
        page = " ".join(notebooks.page_path(SITE, slug, lang).read_text(encoding="utf-8").split())
        for cell, done in zip(cells, ran):
            out = done.get("outputs", [])
            assert not [o for o in out if o.output_type == "error"], (slug, lang, cell.source)
            if _tags(cell) != ["check"]:
                continue
            said = "".join(o.get("text", "") for o in out if o.output_type == "stream")
            m = _CHECKED.search(cell.source)
            hint = " ".join(m.group("hint").split())
            assert hint and hint in page, (slug, lang, hint)  # the page's own hint
            if answers:
                assert said.startswith(f"✓ {m.group('name')}: "), (slug, said)
            else:
                assert said.startswith(f"✗ {m.group('name')}\n"), (slug, lang, said)
                assert f"{_SAYS[lang]}: {hint}" in " ".join(said.split()), (slug, lang, said)


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
