"""The figure pipeline: a registry of figures, two cached stages, and records.

A chapter module declares a figure like this::

    def _accuracy(run, n):                  # stage 1, the computation: numbers and arrays
        train = run.load("mnist")
        ...
        return {"acc": acc, "curve": np.array(curve)}

    @figure("ch01_tpe", chapter="ch01", full={"n": 1000}, quick={"n": 100}, data=("mnist",))
    def tpe(ctx):                           # stage 2, the drawing
        r = ctx.compute(_accuracy, n=ctx["n"])
        for lang in LANGS:
            fig, ax = plt.subplots()
            ...
            ctx.save(fig, lang)             # docs/figures/ch01_tpe.<lang>.svg
        return {"accuracy": r["acc"]}      # numbers the page quotes

Two keys, both read from source by :mod:`gdsc_book.figures.keys` (only code that can run
counts, comments and docstrings do not):

- a **computation** is cached under the code of its function and of the ``gdsc_book`` code
  that function reaches, its arguments, the figure's seed and its datasets' fingerprints, in
  ``results/compute/<figure>/`` beside the records (small ``.npz`` files, committed, so a
  fresh clone redraws without training). Drawing code, ``style.py`` and ``files.py`` are not
  part of it.
- a **figure** is current when its record's key matches the code of the figure function, all
  it reaches (its computations included) and ``style.py``. A stale figure is redrawn; its
  computations run again only when their own key changed.

Each build writes, next to the images, a JSON record (``results/<name>.json``) with
provenance and the returned numbers; pages quote numbers only from these records. Checking
that every figure is current reads source and records only: no torch, no matplotlib.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gdsc_book import __version__
from gdsc_book.errors import BookError, DataError
from gdsc_book.figures import keys
from gdsc_book.files import write_atomically, write_text_atomically

BUDGETS = ("full", "quick")
LANGS = ("ko", "en")  # the same as gdsc_book.style.LANGS (style imports matplotlib)
COMPUTE_DIR = "compute"
# What a record says about a dataset: what it is, never where it lay on the building machine.
DATA_FIELDS = ("dataset", "split", "n", "sha256", "note")


@dataclass
class FigureSpec:
    name: str
    chapter: str
    func: Callable
    full: dict
    quick: dict
    data: tuple[str, ...] = ()
    seed: int = 0
    fmt: str = "svg"  # "svg" for plots, "png" for image grids, "data" for explorables
    long: bool = False  # full budget takes far longer than the book's 20 minutes (see build)
    threads: int | None = 1  # torch threads; None: torch's default (all cores)

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
    threads: int | None = 1,
):
    """Register a figure function ``func(ctx) -> dict | None`` under ``name``.

    ``name``, ``chapter``, ``data`` and ``long`` are read from the source too (so checking
    that figures are current imports nothing): write them as literals.

    ``long=True`` marks a figure whose full budget runs far past the book's budget on a 2-core
    CPU (Lab 2's ResNet-9): a build of all figures or of its chapter leaves it alone unless
    its record is current, and it is built only when named.

    ``threads``: small models on a shared 2-core machine run several times faster on one
    thread than on two (the second thread spins waiting); convolutional nets ask for None.

    ``fmt="data"``: an explorable figure (``gdsc_book.figures.explorables``), drawn by the
    browser from its record's numbers; it saves no image.
    """
    if fmt not in ("svg", "png", "data"):
        raise ValueError(f"figure {name}: fmt must be 'svg', 'png' or 'data'")

    def decorate(func: Callable) -> Callable:
        if name in REGISTRY and REGISTRY[name].func.__qualname__ != func.__qualname__:
            raise ValueError(f"figure name {name!r} is registered twice")
        full_p = dict(full or {})
        REGISTRY[name] = FigureSpec(name, chapter, func, full_p,
                                    dict(quick if quick is not None else full_p),
                                    tuple(data), seed, fmt, bool(long), threads)
        return func

    return decorate


def load_all() -> dict[str, FigureSpec]:
    """Import every chapter module in ``gdsc_book.figures`` so their figures register."""
    for d in sorted({d.module for d in keys.declared_figures().values()}):
        importlib.import_module(d)
    return REGISTRY


# ---------------------------------------------------------------- keys


def _fingerprints(names, data_root=None, fallback: dict | None = None) -> dict:
    """sha256 of each dataset. A dataset absent here (a fresh clone without data) keeps the
    fingerprint its record was built with, so figures still redraw from cached computations;
    a computation that must run will then fail to load it, with the usual message."""
    from gdsc_book import data as data_mod

    out = {}
    for n in names:
        try:
            out[n] = data_mod.fingerprint(n, data_root)["sha256"]
        except DataError:
            if not fallback or n not in fallback:
                raise
            out[n] = fallback[n]
    return out


def _figure_key(name: str, budget: str, code: str, params: dict, seed: int,
                data_shas: dict) -> str:
    payload = {"name": name, "budget": budget, "params": params, "seed": seed,
               "version": __version__, "code": code, "data": data_shas}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def figure_code(spec: FigureSpec) -> str:
    """Hash of what the figure shows: its function, what that reaches, and the book style."""
    return keys.live_code_hash(spec.func, extra=_drawing_extra(spec.data))


def _drawing_extra(data) -> tuple[str, ...]:
    """Beyond what the figure function reaches: the book style, and how its data loads."""
    return tuple(sorted(keys.DRAWING)) + (keys.DATA_LOADING if data else ())


def _recorded_shas(rec: dict | None) -> dict:
    return {d["dataset"]: d["sha256"] for d in (rec or {}).get("data", []) if "sha256" in d}


def cache_key(spec: FigureSpec, budget: str, data_root=None, record: dict | None = None
              ) -> tuple[str, dict]:
    shas = _fingerprints(spec.data, data_root, _recorded_shas(record))
    return _figure_key(spec.name, budget, figure_code(spec), spec.params(budget), spec.seed,
                       shas), shas


def compute_key(fn: Callable, kwargs: dict, seed: int, data_shas: dict) -> str:
    """The key of one computation: its code (drawing and pipeline excluded), its arguments,
    the seed and the datasets (with the code that loads them)."""
    extra = keys.DATA_LOADING if data_shas else ()
    code = keys.live_code_hash(fn, exclude=keys.PIPELINE | keys.DRAWING, extra=extra)
    payload = {"function": f"{fn.__module__}:{fn.__qualname__}", "code": code,
               "kwargs": kwargs, "seed": seed, "data": data_shas, "version": __version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=repr).encode()).hexdigest()


# ---------------------------------------------------------------- computations on disk


def _encode(obj, arrays: list):
    """JSON-able structure with arrays set aside (saved as .npz members)."""
    import numpy as np

    if type(obj).__module__.startswith("torch") and hasattr(obj, "numpy"):
        arrays.append(obj.detach().cpu().numpy())
        return {"__array__": len(arrays) - 1, "torch": True}
    if isinstance(obj, np.ndarray):
        arrays.append(obj)
        return {"__array__": len(arrays) - 1}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {k: _encode(v, arrays) for k, v in obj.items()}
        return {"__items__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise BookError(f"a computation returned a {type(obj).__name__}; return numbers, strings, "
                    f"lists, dicts, numpy arrays or tensors (the drawing stage reads them back)")


def _decode(obj, arrays):
    if isinstance(obj, dict):
        if "__array__" in obj:
            a = arrays[f"a{obj['__array__']}"]
            if obj.get("torch"):
                import torch

                return torch.from_numpy(a.copy())
            return a
        if "__items__" in obj:
            return {_hashable(_decode(k, arrays)): _decode(v, arrays) for k, v in obj["__items__"]}
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays) for v in obj["__tuple__"])
        return {k: _decode(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    return obj


def _hashable(k):
    return tuple(k) if isinstance(k, list) else k


def save_computation(path: Path, key: str, result, meta: dict) -> None:
    import numpy as np

    arrays: list = []
    tree = _encode(result, arrays)
    header = json.dumps({"key": key, "meta": meta, "result": tree}, sort_keys=True,
                        allow_nan=True)
    members = {f"a{i}": np.ascontiguousarray(a) for i, a in enumerate(arrays)}
    buf = io.BytesIO()
    np.savez_compressed(buf, __header__=np.array(header), **members)
    write_atomically(path, lambda f: f.write(buf.getvalue()))


def load_computation(path: Path, key: str):
    """(result, meta) stored under ``key`` at ``path``, or None."""
    import numpy as np

    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            header = json.loads(str(z["__header__"]))
            if header.get("key") != key:
                return None
            arrays = {k: z[k] for k in z.files if k != "__header__"}
    except (OSError, ValueError, KeyError):
        return None  # a damaged file is recomputed, never trusted
    return _decode(header["result"], arrays), header.get("meta", {})


class Run:
    """What a computation gets: data loading and the figure's seed (both in its key)."""

    def __init__(self, ctx: FigureContext, key: str):
        self._ctx = ctx
        self.seed = ctx.seed
        self.key = key  # names a long computation's resumable checkpoints

    def load(self, name: str, train: bool = True):
        return self._ctx.load(name, train)


# ---------------------------------------------------------------- the context


class FigureContext:
    """What a figure function gets: its budget, seed, data access, computations and saving."""

    def __init__(self, spec: FigureSpec, budget: str, out_root: Path, data_root=None,
                 data_shas: dict | None = None, recompute: bool = False):
        self.spec = spec
        self.budget = budget
        self.quick = budget == "quick"
        self.params = spec.params(budget)
        self.seed = spec.seed
        self.out_root = out_root
        self.data_root = data_root
        self.data_shas = dict(data_shas or {})
        self.recompute = recompute
        self.files: list[str] = []
        self.datasets: list[dict] = []
        self.computations: list[dict] = []
        self.legibility: dict[str, dict] = {}  # per file: what the reader sees (style.legibility)
        self.key = ""  # the figure's cache key

    def __getitem__(self, key: str):
        return self.params[key]

    def path(self, lang: str, part: str | None = None) -> Path:
        stem = self.spec.name if part is None else f"{self.spec.name}_{part}"
        return self.out_root / "figures" / f"{stem}.{lang}.{self.spec.fmt}"

    def save(self, fig, lang: str, part: str | None = None) -> None:
        from gdsc_book.figures.legibility import legibility
        from gdsc_book.style import save

        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        if self.spec.fmt == "data":
            raise BookError(f"figure {self.spec.name} is an explorable (fmt='data'): its record "
                            f"is what the page draws; it saves no image")
        p = self.path(lang, part)
        self.legibility[p.name] = save(fig, p, inspect=legibility)
        self.files.append(p.name)

    def load(self, name: str, train: bool = True):
        from gdsc_book import data as data_mod

        if name not in self.spec.data:
            raise ValueError(f"figure {self.spec.name} must declare data=({name!r},) to use it")
        ds = data_mod.load(name, train=train, data_root=self.data_root)
        self._note_dataset(ds.provenance())
        return ds

    def _note_dataset(self, prov: dict) -> None:
        d = {k: prov[k] for k in DATA_FIELDS if k in prov}
        if d not in self.datasets:
            self.datasets.append(d)

    def compute(self, fn: Callable, **kwargs):
        """``fn(run, **kwargs)``, or its stored result when its key is unchanged.

        ``fn`` must be a function of a ``gdsc_book`` module, returning numbers, lists, dicts,
        numpy arrays or tensors. Its key is made by the registry from its code: nothing to
        declare, and nothing a figure author can forget.
        """
        return self._compute(self.spec.name, fn, kwargs)

    def reuse(self, figure: str, fn: Callable, **kwargs):
        """The computation that figure ``figure`` makes with the same call, from its folder:
        an explorable figure that extends a static one reads its stored run instead of
        repeating it (same seed and datasets needed for the same key). If it is missing, it
        runs and is stored there, where that figure's next build finds it."""
        return self._compute(figure, fn, kwargs)

    def _compute(self, owner: str, fn: Callable, kwargs: dict):
        key = compute_key(fn, kwargs, self.seed, self.data_shas)
        tag = hashlib.sha256(json.dumps(kwargs, sort_keys=True, default=repr).encode())
        path = (self.out_root / "results" / COMPUTE_DIR / owner
                / f"{fn.__name__.lstrip('_')}-{tag.hexdigest()[:10]}.npz")
        shared = {} if owner == self.spec.name else {"figure": owner}
        stored = None if self.recompute else load_computation(path, key)
        if stored is not None:
            result, meta = stored
            for d in meta.get("data", []):
                self._note_dataset(d)
            self.computations.append({"function": fn.__qualname__, "file": path.name,
                                      "cached": True, "seconds": meta.get("seconds", 0.0),
                                      **shared})
            return result
        t0 = time.perf_counter()
        before = len(self.datasets)
        result = fn(Run(self, key), **kwargs)
        seconds = round(time.perf_counter() - t0, 2)
        meta = {"seconds": seconds, "data": self.datasets[before:],
                "function": f"{fn.__module__}:{fn.__qualname__}", "kwargs": kwargs}
        save_computation(path, key, result, json.loads(json.dumps(meta, default=repr)))
        self.computations.append({"function": fn.__qualname__, "file": path.name,
                                  "cached": False, "seconds": seconds, **shared})
        # Read back what was stored: the drawing sees the same thing a cached build sees.
        return load_computation(path, key)[0]


# ---------------------------------------------------------------- records


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
    computed: float = 0.0  # seconds spent in computations that ran (not read back)
    reused: int = 0  # computations read back from their cache
    cpu: float = 0.0  # CPU seconds of this process: on a busy machine, wall time says little


def _record(out_root: Path, name: str) -> dict | None:
    try:
        return json.loads((out_root / "results" / f"{name}.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _is_fresh(rec: dict | None, key: str, out_root: Path) -> bool:
    if rec is None:
        return False
    files = rec.get("files", [])
    return rec.get("key") == key and (bool(files) or rec.get("fmt") == "data") and all(
        (out_root / "figures" / f).exists() for f in files
    )


def _prune(out_root: Path, name: str, used: list[dict]) -> None:
    """Drop a figure's stored computations that its latest build no longer used."""
    folder = out_root / "results" / COMPUTE_DIR / name
    keep = {c["file"] for c in used if "figure" not in c}
    for p in folder.glob("*.npz") if folder.is_dir() else []:
        if p.name not in keep:
            p.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def build_one(spec: FigureSpec, budget: str, out_root: Path, data_root=None,
              force: bool = False, skip_long: bool = False,
              recompute: bool = False) -> BuildResult:
    """Build one figure unless it is current. ``force`` redraws it (computations are read
    back unless ``recompute``); ``skip_long``: a long figure that would have to run at its full
    budget is skipped instead (it was not asked for by name)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out_root = Path(out_root)
    old = _record(out_root, spec.name)
    key, shas = cache_key(spec, budget, data_root, old if old and old.get("budget") == budget
                          else None)
    if not (force or recompute) and _is_fresh(old, key, out_root):
        return BuildResult(spec.name, "cached", time.perf_counter() - t0)
    if skip_long and spec.long and budget == "full":
        return BuildResult(spec.name, "skipped", time.perf_counter() - t0,
                           f"long figure, built only by name: gdsc-book figures {spec.name}")
    from gdsc_book.style import use_book_style

    use_book_style()
    import torch

    threads = torch.get_num_threads()
    if spec.threads:
        torch.set_num_threads(spec.threads)
    torch.manual_seed(spec.seed)
    ctx = FigureContext(spec, budget, out_root, data_root, shas, recompute)
    ctx.key = key
    try:
        numbers = spec.func(ctx) or {}
    finally:
        torch.set_num_threads(threads)
    wall = time.perf_counter() - t0
    parts = {f.rsplit(".", 2)[0] for f in ctx.files}
    missing = [f"{p}.{lang}.{spec.fmt}" for p in parts for lang in LANGS
               if f"{p}.{lang}.{spec.fmt}" not in ctx.files]
    if spec.fmt != "data" and (not ctx.files or missing):
        raise BookError(f"figure {spec.name} must save every part in both languages; "
                        f"missing: {missing or 'all'}")
    record = {
        "name": spec.name, "chapter": spec.chapter, "budget": budget, "key": key,
        "params": spec.params(budget), "seed": spec.seed,
        "data": [dict(d, sha256=shas.get(d["dataset"], d.get("sha256", "")))
                 for d in ctx.datasets],
        "versions": _versions(), "device": "cuda" if torch.cuda.is_available() else "cpu",
        "date": date.today().isoformat(), "wall_seconds": round(wall, 2),
        # What the numbers cost: the computations' own time, even when read back here.
        "compute_seconds": round(sum(c["seconds"] for c in ctx.computations), 2),
        "computations": ctx.computations,
        "files": sorted(set(ctx.files)), "numbers": _clean(numbers),
        "legibility": {f: ctx.legibility[f] for f in sorted(ctx.legibility)},
        **({"fmt": "data"} if spec.fmt == "data" else {}),
    }
    # An explorable's record is what its page downloads: compact (a quarter of the indented size).
    layout = {"separators": (",", ":")} if spec.fmt == "data" else {"indent": 2}
    write_text_atomically(out_root / "results" / f"{spec.name}.json",
                          json.dumps(record, ensure_ascii=False, sort_keys=True, **layout) + "\n")
    _prune(out_root, spec.name, ctx.computations)
    return BuildResult(spec.name, "built", wall, files=record["files"],
                       computed=sum(c["seconds"] for c in ctx.computations if not c["cached"]),
                       reused=sum(c["cached"] for c in ctx.computations),
                       cpu=time.process_time() - c0)


# ---------------------------------------------------------------- choosing and building


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


def _select_declared(names) -> list[keys.Declared] | None:
    """The chosen figures from their source alone, or None when that cannot tell."""
    dec = keys.declared_figures()
    if any(d.chapter is None or d.data is None or d.long is None for d in dec.values()):
        return None
    if not names:
        return [dec[k] for k in sorted(dec, key=lambda n: (dec[n].chapter, n))]
    chosen: list[keys.Declared] = []
    for n in names:
        hits = [dec[n]] if n in dec else [d for d in dec.values() if d.chapter == n]
        if not hits:
            return None  # select() gives the message
        chosen += [h for h in hits if h not in chosen]
    return chosen


def _current_without_import(d: keys.Declared, budget: str, out_root: Path,
                            data_root=None) -> bool:
    """Whether a figure is current, from its source and record (imports nothing heavy)."""
    rec = _record(out_root, d.name)
    if rec is None or rec.get("budget") != budget:
        return False
    try:
        shas = _fingerprints(d.data, data_root, _recorded_shas(rec))
        code = keys.code_hash(d.module, d.function, extra=_drawing_extra(d.data))
    except (DataError, LookupError):
        return False
    key = _figure_key(d.name, budget, code, rec.get("params", {}), rec.get("seed", 0), shas)
    return _is_fresh(rec, key, out_root)


def build(names=None, budget="full", out_root: Path | str = "docs", data_root=None,
          force=False, keep_going=False, verbose=True, recompute=False,
          progress=False, jobs: int = 1) -> list[BuildResult]:
    """Build the chosen figures; print a per-figure time table at the end.

    ``progress``: a tqdm bar over the figures on stderr, as ``train`` and ``repeat`` show
    one over the batches (the per-figure lines are printed above it). ``jobs`` > 1 builds
    that many figures at once in worker processes (see :func:`_build_parallel`)."""
    if budget not in BUDGETS:
        raise BookError(f"unknown budget {budget!r}; choose one of {BUDGETS}")
    out_root = Path(out_root)
    started = time.perf_counter()
    results: list[BuildResult] = []
    todo: list[str] = []
    declared = None if (force or recompute) else _select_declared(names)
    if declared is not None:
        for d in declared:
            t0 = time.perf_counter()
            if _current_without_import(d, budget, out_root, data_root):
                results.append(BuildResult(d.name, "cached", time.perf_counter() - t0))
            else:
                todo.append(d.name)
        specs = [s for s in select(todo)] if todo else []
        specs = [s for s in specs if s.name in todo]
    else:
        specs = select(names)
    bar = None
    if progress and specs:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(specs), unit="figure", dynamic_ncols=True, leave=False)
    say = bar.write if bar is not None else print

    def report(spec, r):
        results.append(r)
        if bar is not None:
            bar.update(1)
        if verbose:
            line = f" {r.status} ({r.seconds:.1f} s)" + (f": {r.error}" if r.error else "")
            say(f"[{spec.chapter}] {spec.name} ...{line}" if bar is not None or jobs > 1
                else line)

    if jobs > 1 and len(specs) > 1:
        _build_parallel(specs, jobs, report, budget, out_root, data_root, force, recompute,
                        keep_going, names)
        specs = []
    for spec in specs:
        if bar is not None:
            bar.set_postfix(figure=spec.name)
        elif verbose:
            print(f"[{spec.chapter}] {spec.name} ...", end="", flush=True)
        r, exc = _guarded_build(spec.name, budget, out_root, data_root, force,
                                spec.name not in (names or ()), recompute, spec)
        if exc is not None and not keep_going:
            raise exc
        report(spec, r)
    if bar is not None:
        bar.close()
    order = {n: i for i, n in enumerate(d.name for d in declared or [])}
    results.sort(key=lambda r: order.get(r.name, len(order)))
    if verbose:
        print(time_table(results, budget, out_root, whole_book=not names,
                         elapsed=time.perf_counter() - started, workers=jobs))
    return results


def _guarded_build(name, budget, out_root, data_root, force, skip_long, recompute,
                   spec=None) -> tuple[BuildResult, BaseException | None]:
    """``build_one``, with a failure turned into a "failed" result (and the error kept)."""
    try:
        spec = spec or load_all()[name]
        return build_one(spec, budget, out_root, data_root, force, skip_long=skip_long,
                         recompute=recompute), None
    except BookError as exc:
        return BuildResult(name, "failed", 0.0, str(exc)), exc
    except Exception as exc:
        return BuildResult(name, "failed", 0.0, f"{type(exc).__name__}: {exc}"), exc


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _build_parallel(specs, jobs, report, budget, out_root, data_root, force, recompute,
                    keep_going, names) -> None:
    """Build ``specs`` in ``jobs`` worker processes, the costliest first.

    Drawing is single-threaded Python (matplotlib, scour), so a redraw of the book on two
    cores takes half the time in two processes. Each worker gets its share of the cores as
    torch threads, so two trainings never fight over the same core; a figure that declares
    ``threads`` keeps them. Workers are spawned (a forked torch can hang in OpenMP)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    def cost(spec):  # what its last build took: the longest start first
        rec = _record(out_root, spec.name) or {}
        return -(rec.get("wall_seconds", 0.0) + rec.get("compute_seconds", 0.0) * recompute)

    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init, initargs=(threads,)) as pool:
        futures = {pool.submit(_guarded_build, spec.name, budget, out_root, data_root, force,
                               spec.name not in (names or ()), recompute): spec
                   for spec in sorted(specs, key=cost)}
        for future in as_completed(futures):
            r, exc = future.result()
            if exc is not None and not keep_going:
                pool.shutdown(cancel_futures=True)
                raise exc
            report(futures[future], r)


# The book's time budgets on a 2-core CPU (seconds; issue 15, CONTRIBUTING.md).
BUDGET_NOTHING_CHANGED = 3.0  # `gdsc-book figures` when every figure is current
BUDGET_REDRAW = 120.0  # every figure redrawn from stored computations (a style change)
BUDGET_QUICK = 180.0  # `--quick` for the whole book
BUDGET_CHAPTER1 = 180.0  # chapter 1 at its full budget, computations included
BUDGET_FULL = 1200.0  # every figure but the long ones at full budget


def _record_seconds(out_root: Path, chapter: str | None = None, workers: int = 1
                    ) -> float | None:
    """A full build's wall seconds as the records say (computations' own time plus drawing),
    for one chapter or for every figure but the long ones; None without records.

    With ``workers`` figures built at once, the costliest first (what ``--jobs`` does), the
    build lasts as long as its busiest worker, not the sum of every figure's seconds."""
    seconds = []
    for d in keys.declared_figures().values():
        if (chapter and d.chapter != chapter) or (not chapter and d.long):
            continue
        rec = _record(out_root, d.name)
        if rec is None or rec.get("budget") != "full":
            return None
        drawn = rec.get("wall_seconds", 0.0) - sum(
            c["seconds"] for c in rec.get("computations", []) if not c.get("cached"))
        seconds.append(rec.get("compute_seconds", 0.0) + max(0.0, drawn))
    busy = [0.0] * max(1, workers)
    for sec in sorted(seconds, reverse=True):  # each next figure goes to the first free worker
        busy[busy.index(min(busy))] += sec
    return max(busy) if seconds else None


def budget_lines(results: list[BuildResult], budget: str, out_root: Path | None = None,
                 whole_book: bool = False, elapsed: float | None = None,
                 workers: int = 1) -> list[str]:
    """The budgets this run measured, each with its limit: what kind of run it was decides
    which (nothing changed, a redraw, the quick book), and the records give a full build with
    ``workers`` figures at once. ``elapsed``: the run's wall time (figures built at once
    overlap: their sum overstates)."""
    wall = elapsed if elapsed is not None else sum(r.seconds for r in results)
    rows = []
    built = [r for r in results if r.status == "built"]
    if whole_book and budget == "quick":
        rows.append(("--quick, whole book", wall, BUDGET_QUICK))
    elif whole_book and results and not built:
        rows.append(("rerun with nothing changed", wall, BUDGET_NOTHING_CHANGED))
    elif whole_book and built and all(r.computed == 0 for r in built):
        rows.append(("redraw from stored computations", wall, BUDGET_REDRAW))
    if out_root is not None and budget == "full":
        at_once = f", {workers} jobs" if workers > 1 else ""
        for label, seconds, limit in (
                (f"chapter 1, full (records{at_once})",
                 _record_seconds(out_root, "ch01", workers), BUDGET_CHAPTER1),
                (f"all but long, full (records{at_once})",
                 _record_seconds(out_root, None, workers), BUDGET_FULL)):
            if seconds is not None:
                rows.append((label, seconds, limit))
    return [f"{label:<38} {sec:>8.1f} s  budget {limit:>6.0f} s  "
            f"{'ok' if sec <= limit else 'OVER'}" for label, sec, limit in rows]


def time_table(results: list[BuildResult], budget: str, out_root: Path | None = None,
               whole_book: bool = False, elapsed: float | None = None, workers: int = 1) -> str:
    """Seconds per figure: wall, CPU (this process, all threads), in computations that ran,
    and how many stored computations were reused; the load average says how busy it was."""
    import os

    width = max([len(r.name) for r in results] + [6])
    head = (f"{'figure':<{width}}  {'status':<7} {'wall s':>8} {'cpu s':>8} {'computed':>9} "
            f"{'reused':>6}")
    lines = ["", head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.name:<{width}}  {r.status:<7} {r.seconds:>8.1f} {r.cpu:>8.1f} "
                     f"{r.computed:>9.1f} {r.reused:>6}")
    lines.append("-" * len(head))
    lines.append(f"{'total (' + budget + ')':<{width}}  {'':<7} "
                 f"{sum(r.seconds for r in results):>8.1f} {sum(r.cpu for r in results):>8.1f} "
                 f"{sum(r.computed for r in results):>9.1f}")
    if elapsed is not None:
        lines.append(f"{'elapsed':<{width}}  {'':<7} {elapsed:>8.1f}")
    lines += budget_lines(results, budget, out_root, whole_book, elapsed, workers)
    if hasattr(os, "getloadavg"):
        lines.append(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
                     f"(wall times on a busy machine overstate the budgets; cpu s do not)")
    return "\n".join(lines)
