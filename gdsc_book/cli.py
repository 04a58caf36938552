"""``gdsc-book`` command line: one sub-command per module in ``gdsc_book.commands``.

Each command module defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``;
new commands plug in by adding a module, so chapters never edit this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from gdsc_book import __version__, commands
from gdsc_book.errors import BookError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdsc-book", description="Figures, training and labs of the GDSC deep-learning book."
    )
    parser.add_argument("--version", action="version", version=f"gdsc-book {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"gdsc_book.commands.{info.name}")
        # argparse %-formats help strings: a literal "95%" must reach it as "95%%".
        p = sub.add_parser(info.name, help=module.HELP.replace("%", "%%"), description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on a wrong option
    try:
        return int(args._run(args) or 0)
    except BookError as exc:
        print(f"gdsc-book {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gdsc-book {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
