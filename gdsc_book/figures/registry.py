"""The figure pipeline: a registry of figure functions, a content-hash cache, and records.

A chapter module declares a figure like this::

    @figure("ch01_tpe", chapter="ch01", full={"n": 1000}, quick={"n": 100}, data=("mnist",))
    def tpe(ctx):
        for lang in LANGS:
            fig, ax = plt.subplots()
            ...
            ctx.save(fig, lang)             # docs/figures/ch01_tpe.<lang>.svg
        return {"accuracy": 0.93}          # numbers the page quotes

``build()`` runs every registered figure whose *key* changed. The key hashes the figure's
module source, its budget, its seed, the package version and the fingerprints of the datasets
it declares, so an unchanged figure is skipped in milliseconds. Each run writes, next to the
images, a JSON record (``results/<name>.json``) with provenance and the returned numbers; pages
quote numbers only from these records.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import io
import json
import math
import platform
import time
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gdsc_book import __version__
from gdsc_book import data as data_mod
from gdsc_book.errors import BookError
from gdsc_book.files import write_text_atomically
from gdsc_book.style import LANGS, save, use_book_style

BUDGETS = ("full", "quick")


@dataclass
class FigureSpec:
    name: str
    chapter: str
    func: Callable
    full: dict
    quick: dict
    data: tuple[str, ...] = ()
    seed: int = 0
    fmt: str = "svg"  # "svg" for plots, "png" for image grids
    long: bool = False  # full budget takes far longer than the book's 30 minutes (see build)

    def params(self, budget: str) -> dict:
        return dict(self.quick if budget == "quick" else self.full)


REGISTRY: dict[str, FigureSpec] = {}


def figure(
    name: str,
    *,
    chapter: str,
    full: dict | None = None,
    quick: dict | None = None,
    data: tuple[str, ...] = (),
    seed: int = 0,
    fmt: str = "svg",
    long: bool = False,
):
    """Register a figure function ``func(ctx) -> dict | None`` under ``name``.

    ``long=True`` marks a figure whose full budget runs far past the whole book's 30 minutes
    on a 2-core CPU (Lab 2's ResNet-9): a full build of all figures or of its chapter leaves
    it alone unless its record is current, and it is built only when named.
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"figure {name}: fmt must be 'svg' or 'png'")

    def decorate(func: Callable) -> Callable:
        if name in REGISTRY and REGISTRY[name].func.__qualname__ != func.__qualname__:
            raise ValueError(f"figure name {name!r} is registered twice")
        full_p = dict(full or {})
        REGISTRY[name] = FigureSpec(name, chapter, func, full_p,
                                    dict(quick if quick is not None else full_p),
                                    tuple(data), seed, fmt, bool(long))
        return func

    return decorate


def load_all() -> dict[str, FigureSpec]:
    """Import every chapter module in ``gdsc_book.figures`` so their figures register."""
    import pkgutil

    import gdsc_book.figures as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name != "registry":
            importlib.import_module(f"gdsc_book.figures.{info.name}")
    return REGISTRY


class FigureContext:
    """What a figure function gets: its budget, seed, data access and a way to save."""

    def __init__(self, spec: FigureSpec, budget: str, out_root: Path, data_root=None):
        self.spec = spec
        self.budget = budget
        self.quick = budget == "quick"
        self.params = spec.params(budget)
        self.seed = spec.seed
        self.out_root = out_root
        self.data_root = data_root
        self.files: list[str] = []
        self.datasets: list[dict] = []
        self.key = ""  # the cache key: names a long figure's resumable checkpoints

    def __getitem__(self, key: str):
        return self.params[key]

    def path(self, lang: str, part: str | None = None) -> Path:
        stem = self.spec.name if part is None else f"{self.spec.name}_{part}"
        return self.out_root / "figures" / f"{stem}.{lang}.{self.spec.fmt}"

    def save(self, fig, lang: str, part: str | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        p = self.path(lang, part)
        save(fig, p)
        self.files.append(p.name)

    def load(self, name: str, train: bool = True) -> data_mod.Dataset:
        if name not in self.spec.data:
            raise ValueError(f"figure {self.spec.name} must declare data=({name!r},) to use it")
        ds = data_mod.load(name, train=train, data_root=self.data_root)
        self.datasets.append(ds.provenance())
        return ds


def _imported_book_modules(module_name: str) -> set[str]:
    """``gdsc_book`` modules a module imports anywhere (functions included), transitively.

    The pipeline itself is left out: changing how figures are cached or saved does not change
    what a figure shows.
    """
    seen: set[str] = set()
    todo = [module_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        src = _source(name)
        if src is None:
            continue
        tree = ast.parse(src.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from gdsc_book import regression` names a module; `from x import f` a name.
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for t in targets:
                if t.startswith("gdsc_book") and t not in _PIPELINE and _source(t):
                    todo.append(t)
    return seen


_PIPELINE = {"gdsc_book", "gdsc_book.figures", "gdsc_book.figures.registry"}


def _source(name: str) -> Path | None:
    """The .py file of module ``name``, or None if ``name`` is not a module (e.g. a function)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, AttributeError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _code_of(src: Path) -> str:
    """What a module computes: its source without comments, docstrings and blank lines.

    Fixing a comment or a docstring then leaves the figures current; changing code does not.
    Lines, not the syntax tree, are what is kept: ``ast.dump`` differs between Python versions,
    and a contributor on another Python must not see every figure as stale.
    """
    stat = src.stat()
    return _stripped(str(src), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _stripped(path: str, _mtime_ns: int, _size: int) -> str:
    # Cached per file version: 46 figures share a dozen modules, and tokenizing each once per
    # figure would make the "nothing changed" rerun slow.
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    drop: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
                and lines[body[0].end_lineno - 1].rstrip().endswith(('"""', "'''"))
                and not lines[body[0].lineno - 1][:body[0].col_offset].strip()):
            drop.update(range(body[0].lineno - 1, body[0].end_lineno))
    return "\n".join(line.rstrip() for i, line in enumerate(lines)
                     if i not in drop and line.strip())


def _module_hash(func: Callable) -> str:
    """Hash of the figure's module and every library module it depends on."""
    h = hashlib.sha256()
    for name in sorted(_imported_book_modules(func.__module__)):
        src = _source(name)
        if src is not None:
            h.update(name.encode())
            h.update(_code_of(src).encode())
    return h.hexdigest()


def cache_key(spec: FigureSpec, budget: str, data_root=None) -> tuple[str, dict]:
    fps = {name: data_mod.fingerprint(name, data_root) for name in spec.data}
    payload = {
        "name": spec.name, "budget": budget, "params": spec.params(budget), "seed": spec.seed,
        "fmt": spec.fmt, "version": __version__, "code": _module_hash(spec.func),
        "data": {k: v["sha256"] for k, v in fps.items()},
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest(), fps


def _clean(obj):
    """Make numbers JSON-friendly (tensors, numpy scalars, NaN)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _versions() -> dict:
    import matplotlib
    import numpy
    import torch
    import torchvision

    return {"gdsc_book": __version__, "python": platform.python_version(),
            "torch": torch.__version__, "torchvision": torchvision.__version__,
            "numpy": numpy.__version__, "matplotlib": matplotlib.__version__}


@dataclass
class BuildResult:
    name: str
    status: str  # "built", "cached", "skipped" (a long figure not named) or "failed"
    seconds: float
    error: str = ""
    files: list[str] = field(default_factory=list)


def _is_fresh(spec: FigureSpec, key: str, out_root: Path) -> bool:
    rec_path = out_root / "results" / f"{spec.name}.json"
    if not rec_path.exists():
        return False
    try:
        rec = json.loads(rec_path.read_text())
    except json.JSONDecodeError:
        return False
    files = rec.get("files", [])
    return rec.get("key") == key and bool(files) and all(
        (out_root / "figures" / f).exists() for f in files
    )


def build_one(spec: FigureSpec, budget: str, out_root: Path, data_root=None,
              force: bool = False, skip_long: bool = False) -> BuildResult:
    """Build one figure unless it is current. ``skip_long``: a long figure that would have to
    run at its full budget is skipped instead (it was not asked for by name)."""
    t0 = time.perf_counter()
    key, fps = cache_key(spec, budget, data_root)
    if not force and _is_fresh(spec, key, out_root):
        return BuildResult(spec.name, "cached", time.perf_counter() - t0)
    if skip_long and spec.long and budget == "full":
        return BuildResult(spec.name, "skipped", time.perf_counter() - t0,
                           f"long figure, built only by name: gdsc-book figures {spec.name}")
    use_book_style()
    import torch

    torch.manual_seed(spec.seed)
    ctx = FigureContext(spec, budget, out_root, data_root)
    ctx.key = key
    numbers = spec.func(ctx) or {}
    wall = time.perf_counter() - t0
    parts = {f.rsplit(".", 2)[0] for f in ctx.files}
    missing = [f"{p}.{lang}.{spec.fmt}" for p in parts for lang in LANGS
               if f"{p}.{lang}.{spec.fmt}" not in ctx.files]
    if not ctx.files or missing:
        raise BookError(f"figure {spec.name} must save every part in both languages; "
                        f"missing: {missing or 'all'}")
    record = {
        "name": spec.name, "chapter": spec.chapter, "budget": budget, "key": key,
        "params": spec.params(budget), "seed": spec.seed,
        "data": [dict(d, sha256=fps.get(d["dataset"], {}).get("sha256", d["sha256"]))
                 for d in ctx.datasets],
        "versions": _versions(), "device": "cuda" if torch.cuda.is_available() else "cpu",
        "date": date.today().isoformat(), "wall_seconds": round(wall, 2),
        "files": sorted(set(ctx.files)), "numbers": _clean(numbers),
    }
    write_text_atomically(out_root / "results" / f"{spec.name}.json",
                          json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return BuildResult(spec.name, "built", wall, files=record["files"])


def select(names: list[str] | None) -> list[FigureSpec]:
    reg = load_all()
    if not names:
        return [reg[k] for k in sorted(reg, key=lambda n: (reg[n].chapter, n))]
    chosen = []
    for n in names:
        hits = [reg[n]] if n in reg else [s for s in reg.values() if s.chapter == n]
        if not hits:
            raise BookError(f"no figure or chapter named {n!r}; "
                            f"see `gdsc-book figures --list`")
        chosen += [h for h in hits if h not in chosen]
    return chosen


def build(names=None, budget="full", out_root: Path | str = "docs", data_root=None,
          force=False, keep_going=False, verbose=True) -> list[BuildResult]:
    """Build the chosen figures; print a per-figure time table at the end."""
    if budget not in BUDGETS:
        raise BookError(f"unknown budget {budget!r}; choose one of {BUDGETS}")
    out_root = Path(out_root)
    results = []
    for spec in select(names):
        if verbose:
            print(f"[{spec.chapter}] {spec.name} ...", end="", flush=True)
        try:
            r = build_one(spec, budget, out_root, data_root, force,
                          skip_long=spec.name not in (names or ()))
        except BookError as exc:
            if not keep_going:
                raise
            r = BuildResult(spec.name, "failed", 0.0, str(exc))
        except Exception as exc:
            if not keep_going:
                raise
            r = BuildResult(spec.name, "failed", 0.0, f"{type(exc).__name__}: {exc}")
        results.append(r)
        if verbose:
            print(f" {r.status} ({r.seconds:.1f} s)" + (f": {r.error}" if r.error else ""))
    if verbose:
        print(time_table(results, budget))
    return results


def time_table(results: list[BuildResult], budget: str) -> str:
    width = max([len(r.name) for r in results] + [6])
    lines = [f"\n{'figure':<{width}}  {'status':<7} {'seconds':>8}", "-" * (width + 18)]
    for r in results:
        lines.append(f"{r.name:<{width}}  {r.status:<7} {r.seconds:>8.1f}")
    total = sum(r.seconds for r in results)
    lines.append("-" * (width + 18))
    lines.append(f"{'total (' + budget + ')':<{width}}  {'':<7} {total:>8.1f}")
    return "\n".join(lines)
