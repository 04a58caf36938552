"""The ``gdsc-book`` entry points and their error contract."""

from __future__ import annotations

import subprocess
import sys

from gdsc_book import __version__
from gdsc_book.cli import build_parser, main


def test_module_and_version():
    r = subprocess.run([sys.executable, "-m", "gdsc_book", "--version"], capture_output=True,
                       text=True)
    assert r.returncode == 0 and __version__ in r.stdout


def test_every_command_module_is_a_subcommand():
    import pkgutil

    from gdsc_book import commands

    help_text = build_parser().format_help()
    for info in pkgutil.iter_modules(commands.__path__):
        assert info.name in help_text


def test_wrong_option_exits_2(capsys):
    try:
        main(["figures", "--no-such-option"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should exit")
    assert "unrecognized arguments" in capsys.readouterr().err


def test_book_errors_exit_2_with_a_message(capsys):
    assert main(["data", "check", "imagenet"]) == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'imagenet'" in err and "Traceback" not in err
