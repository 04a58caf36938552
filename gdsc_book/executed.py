"""Executed lab notebooks: each lab's notebook run once, outputs kept, as a page of the site.

``gdsc-book notebooks --execute`` runs the notebook of each lab page (the same one readers get
for Colab, :mod:`gdsc_book.notebooks`) with nbclient and writes it, outputs and all, to
``docs/executed/<slug>.ipynb`` (Korean) and ``docs/executed/<slug>.en.ipynb``, which
mkdocs-jupyter renders as pages (``mkdocs_hooks`` keeps them working with i18n). A first cell
says when and on what it ran, and at what budget: the snippets train on subsets for a few
epochs, so their numbers are not the full-budget numbers of the page's figures.

The code cells' sources are fingerprinted in the notebook's metadata. ``gdsc-book notebooks``
refreshes the prose of an executed notebook whose code has not changed (outputs kept) and
reports one whose code has changed as stale: only a new run may change what it shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import time
from pathlib import Path

from gdsc_book.errors import BookError
from gdsc_book.notebooks import DEFAULT_LANG, LANGS, Site, build_notebook

EXECUTED = ("ch09-lab1-mnist", "ch10-lab2-cifar10")  # the labs: what the site shows run
EXECUTED_DIR = "executed"  # under docs/: /executed/<slug>/ and /en/executed/<slug>/

_LABEL = {
    "ko": {"title": "실행된 노트북",
           "intro": "이 페이지는 [실습 페이지]({page})의 노트북을 처음부터 끝까지 한 번 실행한 "
                    "결과입니다. {when}에 {machine}에서 실행했고 모두 {seconds}초 걸렸습니다"
                    "({versions}).",
           "budget": "코드 조각은 빨리 끝나도록 작은 예산으로 학습합니다. 그래서 아래의 정확도는 "
                     "전체 예산으로 만든 실습 페이지의 그림과 표의 숫자와 다릅니다. 이 실행의 "
                     "예산은 다음과 같습니다.",
           "cell": "셀", "none": "학습 예산이 코드에 드러나지 않는 셀만 있습니다."},
    "en": {"title": "executed notebook",
           "intro": "This page is the notebook of the [lab page]({page}), run once from top to "
                    "bottom. It ran on {when} on {machine} and took {seconds} s in all "
                    "({versions}).",
           "budget": "The snippets train at small budgets so that they finish quickly, so the "
                     "accuracies below differ from the full-budget numbers in the lab page's "
                     "figures and tables. This run's budgets:",
           "cell": "cell", "none": "No cell states a training budget in its code."},
}
_BUDGET = re.compile(r"\.subset\((?P<subset>[\d_]+)\)|\bepochs=(?P<epochs>\d+)|"
                     r"--epochs (?P<cli_epochs>\d+)|--subset (?P<cli_subset>\d+)")


def executed_path(site: Site, slug: str, lang: str) -> Path:
    name = f"{slug}.ipynb" if lang == DEFAULT_LANG else f"{slug}.{lang}.ipynb"
    return site.docs_dir / EXECUTED_DIR / name


def code_key(nb) -> str:
    """Fingerprint of what runs: the code cells' sources, in order."""
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(codes).encode()).hexdigest()


def budgets(nb) -> list[tuple[int, str]]:
    """(code cell number, "subset 10,000, epochs 2") for each code cell that names a budget."""
    out, k = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        k += 1
        found = []
        for m in _BUDGET.finditer(cell.source):
            for key, value in m.groupdict().items():
                if value:
                    found.append(f"{key.replace('cli_', '')} {int(value.replace('_', '')):,}")
        if found:
            out.append((k, ", ".join(dict.fromkeys(found))))
    return out


def _label(slug: str, lang: str, nb, info: dict) -> None:
    """Mark the title cell: "(executed notebook)" after the title, then when, where, budgets."""
    words = _LABEL[lang]
    first = nb.cells[0]
    title, _, rest = first.source.partition("\n")
    rows = [f"> - {words['cell']} {k}: {b}" for k, b in budgets(nb)] or [f"> {words['none']}"]
    # executed/<slug>/ and en/executed/<slug>/ both reach their lab page at ../../<slug>/
    intro = words["intro"].format(page=f"../../{slug}/", when=info["date"],
                                  machine=info["machine"], seconds=info["seconds"],
                                  versions=info["versions"])
    note = f"> {intro}\n>\n> {words['budget']}\n>\n" + "\n".join(rows)
    first.source = f"{title} ({words['title']})\n\n{note}\n{rest}".rstrip("\n")


def _scrub(text: str, replace: list[tuple[str, str]]) -> str:
    for old, new in replace:
        text = text.replace(old, new)
    return text


def _scrub_outputs(nb, replace: list[tuple[str, str]]) -> None:
    """No machine path reaches a committed page: data roots, caches, home, scratch folders."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = _scrub(out["text"], replace)
            for key, value in out.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    out["data"][key] = _scrub(value, replace)
            if "traceback" in out:
                out["traceback"] = [_scrub(t, replace) for t in out["traceback"]]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} CPU threads, Python {platform.python_version()}"


def execute(site: Site, slug: str, lang: str, timeout: int = 3600):
    """Run the notebook of ``slug`` in ``lang`` and return it, labelled, outputs scrubbed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from gdsc_book.checkpoint import library_versions
    from gdsc_book.data import cache_dir

    nb = build_notebook(site, slug, lang)
    key = code_key(nb)
    old_lang = os.environ.get("GDSC_BOOK_LANG")
    os.environ["GDSC_BOOK_LANG"] = lang  # the kernel inherits it (the setup cell sets it too)
    with tempfile.TemporaryDirectory(prefix="gdsc-exec-") as tmp:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": tmp}})
        t0 = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as exc:
            raise BookError(f"{slug} ({lang}): a cell failed while executing:\n{exc}") from None
        finally:
            if old_lang is None:
                os.environ.pop("GDSC_BOOK_LANG", None)
            else:
                os.environ["GDSC_BOOK_LANG"] = old_lang
        seconds = time.perf_counter() - t0
        replace = [(str(Path(tmp).resolve()), "."), (tmp, ".")]
    data_root = os.environ.get("GDSC_BOOK_DATA")
    if data_root:
        replace += [(str(Path(data_root).resolve()), "$GDSC_BOOK_DATA"),
                    (data_root, "$GDSC_BOOK_DATA")]
    replace += [(str(cache_dir()), "~/.cache/gdsc-book"), (str(site.root), "."),
                (str(Path.home()), "~")]
    _scrub_outputs(nb, replace)
    for cell in nb.cells:  # run timestamps would make every refresh rewrite the file
        cell.metadata.pop("execution", None)
    v = library_versions()
    info = {"date": time.strftime("%Y-%m-%d"), "machine": _machine(), "seconds": f"{seconds:.0f}",
            "versions": f"gdsc-book {v['gdsc_book']}, PyTorch {v['torch']}"}
    _label(slug, lang, nb, info)
    nb.metadata["gdsc_book"] = {"code": key, "executed": info}
    return nbformat.from_dict(nb)


def refresh(site: Site, slug: str, lang: str, check: bool = False) -> str:
    """Bring an executed notebook's prose up to date, outputs kept, if its code is current.

    Returns ``"current"``, ``"refreshed"`` (written unless ``check``), ``"stale"`` (its code
    changed: run ``gdsc-book notebooks --execute``) or ``"missing"``.
    """
    import nbformat

    path = executed_path(site, slug, lang)
    if not path.exists():
        return "missing"
    old = nbformat.read(path, as_version=4)
    meta = old.metadata.get("gdsc_book", {})
    fresh = build_notebook(site, slug, lang)
    if meta.get("code") != code_key(fresh):
        return "stale"
    runs = iter(c for c in old.cells if c.cell_type == "code")
    for cell in fresh.cells:
        if cell.cell_type == "code":
            ran = next(runs)
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    _label(slug, lang, fresh, meta["executed"])
    fresh.metadata = old.metadata  # the kernel's language_info from the run, and ours
    text = _text(fresh)
    if text == path.read_text(encoding="utf-8"):
        return "current"
    if not check:
        path.write_text(text, encoding="utf-8")
    return "refreshed"


def _text(nb) -> str:
    import nbformat

    return nbformat.writes(nb, version=4) + "\n"


def save(site: Site, slug: str, lang: str, nb) -> Path:
    path = executed_path(site, slug, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_text(nb), encoding="utf-8")
    return path


def write(site: Site, slugs=None, timeout: int = 3600, log=print) -> list[Path]:
    """Execute and write the executed notebooks of ``slugs`` (default: the labs)."""
    written = []
    for slug in slugs or EXECUTED:
        for lang in LANGS:
            t0 = time.perf_counter()
            path = save(site, slug, lang, execute(site, slug, lang, timeout=timeout))
            log(f"{path.relative_to(site.root)}: executed in {time.perf_counter() - t0:.0f} s")
            written.append(path)
    return written
