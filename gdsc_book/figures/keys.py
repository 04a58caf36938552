"""What a figure or a computation depends on, read from the source without importing it.

A *unit* is one top-level definition of a ``gdsc_book`` module (a function, a class, a
constant). The code of a unit is its source without comments, docstrings and blank lines.
``reach`` follows the names a unit uses to the units they name, across modules, so a key made
of the reached code changes exactly when code that can run changes: editing ``train.train_model``
invalidates the computations that call it, and nothing else; a new axis label in a figure
function invalidates no computation.

Reading source, not importing it, keeps "is every figure current?" fast: no torch, no
matplotlib (see ``registry.build``).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

from gdsc_book.errors import BookError

PACKAGE = "gdsc_book"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
FIGURES_MODULE = f"{PACKAGE}.figures"

# How figures are cached, saved and styled is not part of any computation.
PIPELINE = frozenset({
    f"{PACKAGE}.figures.registry", f"{PACKAGE}.figures.keys", f"{PACKAGE}.figures",
    f"{PACKAGE}.figures.legibility",
    f"{PACKAGE}.files", f"{PACKAGE}.errors", PACKAGE,
})
DRAWING = frozenset({f"{PACKAGE}.style"})
# What a figure's declared data goes through (``ctx.load`` lives in the pipeline, so no name
# leads there): one unit and what it reaches, never the whole module, so a new function in
# data.py invalidates no computation, while a change to how datasets load invalidates both a
# computation and its figure.
DATA_LOADING = (f"{PACKAGE}.data:load",)


def module_path(name: str) -> Path | None:
    """The .py file of ``gdsc_book`` module ``name`` (None when ``name`` is no such module)."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        # A module outside the package that is already imported (a test's figure module):
        # read the same way, so its figures get the same two keys.
        import sys

        file = getattr(sys.modules.get(name), "__file__", None)
        if not file or not file.endswith(".py") or name == "__main__" or \
                not Path(file).is_absolute():
            return None
        installed = ("site-packages", "dist-packages")
        if any(part in installed for part in Path(file).parts) or \
                file.startswith((sys.base_prefix, sys.prefix)):
            return None  # libraries: their versions are in the record
        return Path(file)
    rel = Path(*name.split(".")[1:])
    for p in (PACKAGE_DIR / rel.with_suffix(".py"), PACKAGE_DIR / rel / "__init__.py"):
        if p.is_file():
            return p
    return None


@dataclass
class Module:
    name: str
    tree: ast.Module
    kept: list[str]  # each line without comments; "" for dropped lines (docstrings, blanks)
    defs: dict[str, ast.AST]  # top-level name -> the statement that binds it
    imports: dict[str, tuple[str, str | None]]  # alias -> (module, attribute or None)

    def code(self, node: ast.AST) -> str:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "\n".join(s for s in self.kept[first - 1:node.end_lineno] if s)


def _imports_of(nodes, module: str) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    package = module.rsplit(".", 1)[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = (a.name, None)
                else:
                    out[a.name.split(".")[0]] = (a.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for a in node.names:
                # `from gdsc_book import recipes` names a module: an alias like `import x`
                sub = f"{base}.{a.name}"
                out[a.asname or a.name] = (sub, None) if _is_module(sub) else (base, a.name)
    return out


@functools.lru_cache(maxsize=512)
def _parse(path: str, _mtime_ns: int, _size: int, name: str) -> Module:
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            for i in range(body[0].lineno - 1, body[0].end_lineno):
                lines[i] = ""
    kept = [line.rstrip() if line.strip() else "" for line in lines]
    defs: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        defs[n.id] = node
    top_imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return Module(name, tree, kept, defs, _imports_of(top_imports, name))


def load_module(name: str) -> Module | None:
    p = module_path(name)
    if p is None:
        return None
    st = p.stat()
    return _parse(str(p), st.st_mtime_ns, st.st_size, name)


def _is_module(name: str) -> bool:
    return module_path(name) is not None


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


Unit = tuple[str, str]  # (module, top-level name); name "*" is the whole module


def _resolve(module: str, attr: str, exclude: frozenset) -> list[Unit]:
    """What ``from module import attr`` names: a unit, a module, or (re-exported) elsewhere."""
    sub = f"{module}.{attr}"
    if _is_module(sub):
        return [] if sub in exclude else [(sub, "*")]
    if module in exclude:
        return []
    mod = load_module(module)
    if mod is None:
        return []
    if attr in mod.defs:
        return [(module, attr)]
    if attr in mod.imports:  # a re-export, e.g. a package __init__
        target, name = mod.imports[attr]
        return _resolve(target, name, exclude) if name else (
            [(target, "*")] if _is_module(target) and target not in exclude else [])
    return []


_USES: dict[tuple, list] = {}


def _uses(mod: Module, node: ast.AST, exclude: frozenset) -> list[Unit]:
    """The units that the names used inside ``node`` refer to (once per file version: 47
    figures share a few hundred units)."""
    key = (id(mod), id(node), exclude)
    hit = _USES.get(key)
    if hit is None or hit[0] is not mod:
        hit = _USES[key] = (mod, _find_uses(mod, node, exclude))
    return hit[1]


def _find_uses(mod: Module, node: ast.AST, exclude: frozenset) -> list[Unit]:
    local = dict(mod.imports)
    local.update(_imports_of([n for n in ast.walk(node)
                              if isinstance(n, (ast.Import, ast.ImportFrom))], mod.name))
    found: list[Unit] = []
    seen_attr_bases: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and id(n) not in seen_attr_bases:
            chain = _dotted(n)
            if chain and chain[0] in local and local[chain[0]][1] is None:
                # module.attr.attr...: the longest module prefix, then the unit in it
                target = local[chain[0]][0]
                rest = chain[1:]
                while rest and _is_module(f"{target}.{rest[0]}"):
                    target, rest = f"{target}.{rest[0]}", rest[1:]
                if _is_module(target) and target not in exclude:
                    found += _resolve(target, rest[0], exclude) if rest else [(target, "*")]
                inner = n.value
                while isinstance(inner, ast.Attribute):
                    seen_attr_bases.add(id(inner))
                    inner = inner.value
                seen_attr_bases.add(id(inner))
        elif isinstance(n, ast.Name) and id(n) not in seen_attr_bases:
            if n.id in mod.defs:
                found.append((mod.name, n.id))
            elif n.id in local:
                target, attr = local[n.id]
                if attr is None:
                    if _is_module(target) and target not in exclude:
                        found.append((target, "*"))
                else:
                    found += _resolve(target, attr, exclude)
    return found


def reach(start: list[tuple[str, ast.AST, str]], exclude: frozenset = PIPELINE) -> dict:
    """Code of every unit reachable from ``start`` ((module, node, label) triples)."""
    code: dict[str, str] = {}
    todo: list[tuple[str, ast.AST, str]] = list(start)
    while todo:
        mod_name, node, label = todo.pop()
        key = f"{mod_name}:{label}"
        if key in code:
            continue
        mod = load_module(mod_name)
        if mod is None:
            continue
        code[key] = mod.code(node)
        for unit_mod, unit in _uses(mod, node, exclude):
            m = load_module(unit_mod)
            if m is None:
                continue
            if unit == "*":
                todo += [(unit_mod, d, n) for n, d in m.defs.items()]
            elif unit in m.defs:
                todo.append((unit_mod, m.defs[unit], unit))
    return code


def function_node(module: str, name: str | None = None, line: int | None = None):
    """The def of top-level function ``name`` (or of the def starting at ``line``) and its
    unit label."""
    mod = load_module(module)
    if mod is None:
        return None
    if name is not None and name in mod.defs:
        return mod.defs[name], name
    for n in ast.walk(mod.tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([n.lineno] + [d.lineno for d in n.decorator_list])
            if line in (n.lineno, first):
                return n, f"<line {first}>"
    return None


def code_hash(module: str, name: str | None, line: int | None = None,
              exclude: frozenset = PIPELINE, extra: tuple[str, ...] = ()) -> str:
    """sha256 of the code a function reaches, plus ``extra``: whole modules (``"pkg.mod"``)
    or single units and what they reach (``"pkg.mod:name"``)."""
    found = function_node(module, name, line)
    if found is None:
        raise LookupError(f"no function {name or line} in module {module}")
    node, label = found
    start = [(module, node, label)]
    for m in extra:
        m, _, unit = m.partition(":")
        mod = load_module(m)
        if mod is not None:
            start += [(m, d, n) for n, d in mod.defs.items() if not unit or n == unit]
    code = reach(start, exclude)
    h = hashlib.sha256()
    for k in sorted(code):
        h.update(k.encode() + b"\n" + code[k].encode() + b"\n")
    return h.hexdigest()


def func_location(func) -> tuple[str, str | None, int]:
    """(module, top-level name or None, first line) of a live function."""
    top = func.__qualname__ if "<locals>" not in func.__qualname__ and \
        "." not in func.__qualname__ else None
    return func.__module__, top, func.__code__.co_firstlineno


def live_code_hash(func, exclude: frozenset = PIPELINE, extra: tuple[str, ...] = ()) -> str:
    """``code_hash`` of a live function; functions outside ``gdsc_book`` (tests) are read
    from their file."""
    module, name, line = func_location(func)
    if module_path(module) is None:
        raise BookError(f"{func.__qualname__}: a figure or a computation must be a function "
                        f"of an importable module (its key is read from its source)")
    return code_hash(module, name, line, exclude, extra)


# ---------------------------------------------------------------- figures, read statically


@dataclass
class Declared:
    """A figure as its decorator declares it, read without importing its module."""

    name: str
    module: str
    function: str
    chapter: str | None
    data: tuple[str, ...] | None
    long: bool | None


def declared_figures() -> dict[str, Declared]:
    """Every ``@figure("name", ...)`` in ``gdsc_book/figures/*.py``."""
    out: dict[str, Declared] = {}
    for p in sorted((PACKAGE_DIR / "figures").glob("*.py")):
        name = f"{FIGURES_MODULE}.{p.stem}"
        if p.stem == "__init__" or name in PIPELINE:
            continue
        mod = load_module(name)
        for node in mod.tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for dec in node.decorator_list:
                if not (isinstance(dec, ast.Call) and _dotted(dec.func)
                        and _dotted(dec.func)[-1] == "figure" and dec.args
                        and isinstance(dec.args[0], ast.Constant)):
                    continue
                kw = {}
                for k in dec.keywords:
                    try:
                        kw[k.arg] = ast.literal_eval(k.value)
                    except ValueError:
                        kw[k.arg] = None  # not a literal: read when the module is imported
                data = kw.get("data", ())
                out[dec.args[0].value] = Declared(
                    dec.args[0].value, name, node.name, kw.get("chapter"),
                    None if data is None else tuple(data), kw.get("long", False))
    return out
