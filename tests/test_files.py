"""Atomic writes: a failed write keeps the old file; files are readable like open()'s."""

from __future__ import annotations

import pytest

from gdsc_book.files import write_atomically, write_text_atomically


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = write_text_atomically(tmp_path / "sub" / "record.json", "old\n")
    assert path.read_text() == "old\n"

    def half_then_crash(f):
        f.write(b"ne")
        raise KeyboardInterrupt  # a user pressing Ctrl-C mid-write

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, half_then_crash)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["record.json"]


def test_files_get_the_mode_open_would_give(tmp_path):
    """mkstemp makes 0600 files; figures and records must stay readable by a web server."""
    write_atomically(tmp_path / "a.bin", lambda f: f.write(b"x"), durable=True)
    with open(tmp_path / "b.bin", "wb") as f:
        f.write(b"x")
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == (tmp_path / "b.bin").stat().st_mode & 0o777
