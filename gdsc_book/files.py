"""Writing a file so that nobody ever reads half of it.

Each writer fills a temporary file of its own beside the target, then renames it over the
target. A crash mid-write keeps the previous file; two processes writing the same file at once
(a lab beside the tests, both filling the dataset cache) both succeed, the last rename winning.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what open() would give: mkstemp's 0600 would hide figures


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object], *,
                     durable: bool = False) -> Path:
    """Call ``write(f)`` on a fresh binary file, then put it at ``path`` in one rename.

    ``durable`` also flushes it to disk before the rename (checkpoints: survive a power cut).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    return write_atomically(path, lambda f: f.write(text.encode("utf-8")))
