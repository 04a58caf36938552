"""Loading a student's solution (a ``.py`` file or a notebook) as a module, and calling into it.

Code under ``if __name__ == "__main__":`` does not run: the solution is loaded under another
name, so a script or a notebook can keep its own long training runs there. Problems the student
can fix before grading starts (no such file, a syntax error, an exception at import, a missing
function) are :class:`BookError`: a clear message and exit code 2.
"""

from __future__ import annotations

import sys
import traceback
import types
from pathlib import Path

from gdsc_book.errors import BookError

MODULE_NAME = "student_solution"


def _cells(path: Path) -> list[tuple[str, str]]:
    """(label, source) of each code cell; ``%magic`` and ``!shell`` lines are dropped."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise BookError(f"{path} is not a readable notebook ({type(exc).__name__}: {exc})") from None
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = ["" if ln.lstrip().startswith(("%", "!")) else ln
                 for ln in cell.source.splitlines()]
        out.append((f"{path} [cell {i + 1}]", "\n".join(lines)))
    return out


def load(path: str | Path) -> types.ModuleType:
    """Run the solution file as a fresh module and return it."""
    path = Path(path)
    if not path.exists():
        raise BookError(f"solution file {path} does not exist")
    if path.suffix not in (".py", ".ipynb"):
        raise BookError(f"{path}: give a .py file or a .ipynb notebook")
    if path.suffix == ".py":
        sources = [(str(path), path.read_text(encoding="utf-8"))]
    else:
        sources = _cells(path)
    codes = []
    for label, src in sources:
        try:
            codes.append(compile(src, label, "exec"))
        except SyntaxError as exc:
            raise BookError(f"{exc.filename}, line {exc.lineno}: syntax error: {exc.msg}. "
                            f"Fix it, then grade again.") from None
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = str(path.resolve())
    sys.modules[MODULE_NAME] = module  # pickling (DataLoader workers) finds its classes
    sys.path.insert(0, str(path.resolve().parent))  # the solution may import its neighbours
    try:
        for code in codes:
            exec(code, module.__dict__)
    except Exception as exc:
        raise BookError(f"running {path} failed before grading: {describe(exc)}") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def namespace_module(namespace) -> types.ModuleType:
    """A notebook's ``globals()`` (or a module) as something to read functions from."""
    if isinstance(namespace, types.ModuleType):
        return namespace
    module = types.ModuleType(MODULE_NAME)
    module.__dict__.update(namespace)
    module.__file__ = namespace.get("__file__", "notebook")
    return module


def require(module, names: list[str]) -> None:
    missing = [n for n in names if not callable(getattr(module, n, None))]
    if missing:
        raise BookError(f"{getattr(module, '__file__', 'the solution')} does not define "
                        f"{', '.join(missing)}: the lab page's contract section lists the "
                        f"functions the grader calls")


def describe(exc: BaseException) -> str:
    """``Error: message (file, line N)``, naming the deepest line outside torch and the grader."""
    grader = str(Path(__file__).parent)
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename
        if name.startswith(grader) or "site-packages" in name or name.startswith("<frozen"):
            continue
        if "ipykernel_" in name or name.startswith("<ipython-input"):
            where = f" (notebook cell, line {frame.lineno})"  # Jupyter's temporary cell files
        else:
            base = name.split(" [cell")[0]  # ours: "quiz1.ipynb [cell 3]"
            where = f" ({Path(base).name}{name[len(base):]}, line {frame.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"
