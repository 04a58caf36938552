"""What a command reads, checked before it is used: data roots, dataset files and result
files (checkpoints are checked in :mod:`gdsc_book.checkpoint`). Each check ends in a :class:`BookError` that names the problem and
the fix, never in a traceback from deep inside torch or json.
"""

from __future__ import annotations

import json
import math
import os
from numbers import Real
from pathlib import Path

from gdsc_book.errors import BookError, DataError

# ---------------------------------------------------------------- datasets


def require_data(name: str, data_root: str | os.PathLike | None) -> None:
    """An explicit ``--data-root`` must hold ``name``: it is honoured, never silently skipped."""
    if data_root is None or name == "digits":  # digits ship with scikit-learn
        return
    from gdsc_book import data

    root = Path(data_root).expanduser().resolve()
    if not root.is_dir():
        raise DataError(f"--data-root {data_root} is not a folder. Pass the folder that holds "
                        f"the datasets, or leave --data-root out to use ${data.ENV_VAR} or the "
                        f"cache (`gdsc-book data list` shows them)")
    found = data._find(name, [root])
    if found is None or not found[1].is_relative_to(root):
        where = data._tried(name, [root])[0]
        raise DataError(f"--data-root {data_root} does not hold dataset '{name}' (looked for "
                        f"{where}). Point --data-root at the folder that holds it, leave "
                        f"--data-root out to use ${data.ENV_VAR} or the cache, or run "
                        f"`gdsc-book data download {name} --data-root {data_root}`")


def load_split(name: str, train: bool, data_root=None, download: bool = False):
    """``gdsc_book.data.load``, with unreadable files turned into a clear error."""
    import pickle

    from gdsc_book import data

    if not download:
        require_data(name, data_root)
    try:
        return data.load(name, train=train, data_root=data_root, download=download)
    except DataError:
        raise
    except (RuntimeError, ValueError, OSError, EOFError, KeyError, IndexError,
            pickle.UnpicklingError) as exc:
        split = "train" if train else "test"
        raise DataError(f"dataset '{name}' ({split} split) could not be read "
                        f"({type(exc).__name__}: {str(exc)[:200]}). Its files are probably "
                        f"truncated or corrupt: copy them again, or download a fresh copy with "
                        f"`gdsc-book data download {name} --data-root EMPTY_FOLDER`") from None


def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


# ---------------------------------------------------------------- repeat result files


def repeat_runs(path: Path) -> list[dict]:
    """The finished runs in a ``repeat --out`` file, refused unless its shape is ours.

    ``gdsc_book.repeat`` compares the file's settings; this checks what it assumes first.
    """
    from gdsc_book.repeat import FORMAT

    fix = "Move it away or choose another --out"
    if not path.exists():
        return []
    if not path.is_file():
        raise BookError(f"--out {path} is not a file. {fix}")
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or not UTF-8
        raise BookError(f"--out {path} exists but is not readable JSON "
                        f"({type(exc).__name__}). {fix}") from None
    if not isinstance(old, dict) or old.get("format") != FORMAT:
        raise BookError(f"--out {path} is not a gdsc-book repeat file (no \"format\": "
                        f"\"{FORMAT}\" in a JSON object). {fix}")
    runs = old.get("runs", [])
    if not isinstance(old.get("config", {}), dict) or not isinstance(runs, list):
        raise BookError(f"--out {path}: \"config\" must be an object and \"runs\" a list. {fix}")
    seeds = set()
    for i, r in enumerate(runs):
        ok = (isinstance(r, dict) and isinstance(r.get("seed"), int)
              and not isinstance(r.get("seed"), bool) and _is_number(r.get("test_acc"))
              and math.isfinite(r["test_acc"]) and 0 <= r["test_acc"] <= 1)
        if not ok or r["seed"] in seeds:
            raise BookError(f"--out {path}: run {i + 1} is not a finished run (each needs a "
                            f"distinct whole-number \"seed\" and a \"test_acc\" from 0 to 1). "
                            f"{fix}")
        seeds.add(r["seed"])
    return runs
