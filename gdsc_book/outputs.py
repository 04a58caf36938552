"""Where a command writes: checked before any work, and cleaned of what a killed save left.

A run that trains for an hour and then cannot write its checkpoint or result file has wasted
the hour. Every output location is therefore tried with a real file first (permissions alone
do not say it: ``root`` may pass ``os.access`` on a read-only or virtual file system such as
``/sys``).
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from gdsc_book.errors import BookError


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _probe(folder: Path, option: str, target: Path) -> None:
    """Create and delete a file in ``folder``: the only honest test that writing works."""
    if not folder.is_dir():
        raise BookError(f"{option} {target}: {folder} is a file, not a folder, so nothing can "
                        f"be written under it. Choose a path in a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".gdsc-book-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise BookError(f"{option} {target}: cannot write in {folder} "
                        f"({exc.strerror or type(exc).__name__}). Choose a writable location, "
                        f"e.g. a path in your home folder") from None


def check_file(path: str | os.PathLike, option: str) -> Path:
    """Refuse ``path`` as an output file unless a file can be written there."""
    path = Path(path)
    if path.is_dir():
        raise BookError(f"{option} {path} is a folder. Give a file name, e.g. {path / 'run.pt'}")
    _probe(_nearest_existing(path.parent if str(path.parent) else Path(".")), option, path)
    return path


def check_folder(path: str | os.PathLike, option: str) -> Path:
    """Refuse ``path`` as an output folder unless files can be written in it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BookError(f"{option} {path} is a file. Give a folder")
    _probe(_nearest_existing(path), option, path)
    return path


def sweep_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the ``.NAME.*.tmp`` files that a save of ``path`` killed mid-write left behind.

    ``gdsc_book.files.write_atomically`` writes to such a file and renames it over ``path``;
    only SIGKILL or a power cut can stop it between the two. Call this only when nothing else
    is writing ``path`` (a run owns its checkpoint).
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    pattern = str(path.parent / f".{glob.escape(path.name)}.*.tmp")
    removed = []
    for name in glob.glob(pattern):
        try:
            Path(name).unlink()
            removed.append(Path(name))
        except OSError:
            pass  # not ours to fight over: it stays, as it did before
    return removed


def report_swept(removed: list[Path], what: Path) -> None:
    if removed:
        import sys

        print(f"removed {len(removed)} temporary file(s) of {what} left by a save that was "
              f"killed: {', '.join(p.name for p in removed)}", file=sys.stderr)
