"""``gdsc-book`` command line: one sub-command per module in ``gdsc_book.commands``.

Each command module defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``;
new commands plug in by adding a module, so chapters never edit this file.

A command's options are added only when that command is parsed (or its help is shown): the
options of ``train`` and ``repeat`` list datasets, models and recipes, which live in modules
that import torch, and ``gdsc-book --help`` or ``--version`` must not wait seconds for it.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from gdsc_book import __version__, commands
from gdsc_book.errors import BookError


class CommandParser(argparse.ArgumentParser):
    """A sub-command's parser: options added on first use; positionals may follow options.

    ``gdsc-book data check --data-root X mnist`` must read ``mnist`` as a dataset name, as it
    would before ``--data-root``: parsing is intermixed (positionals anywhere).
    """

    def __init__(self, *args, module_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._module_name = module_name
        self._intermixed = False

    def setup(self) -> None:
        if self._module_name:
            module = importlib.import_module(self._module_name)
            self._module_name = ""
            module.add_arguments(self)
            self.set_defaults(_run=module.run)

    def parse_known_args(self, args=None, namespace=None):
        self.setup()
        if self._intermixed:  # the inner passes of parse_known_intermixed_args
            return super().parse_known_args(args, namespace)
        self._intermixed = True
        try:
            return super().parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixed = False

    def format_help(self) -> str:
        self.setup()
        return super().format_help()

    def format_usage(self) -> str:
        self.setup()
        return super().format_usage()


def command_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__)
                  if not m.name.startswith("_"))


def _help_of(name: str) -> str:
    # A command module imports nothing heavy at its top, so reading HELP is cheap.
    return importlib.import_module(f"gdsc_book.commands.{name}").HELP


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdsc-book", description="Figures, training and labs of the GDSC deep-learning book."
    )
    parser.add_argument("--version", action="version", version=f"gdsc-book {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=CommandParser)
    for name in command_names():
        text = _help_of(name)
        # argparse %-formats help strings: a literal "95%" must reach it as "95%%".
        sub.add_parser(name, help=text.replace("%", "%%"), description=text,
                       module_name=f"gdsc_book.commands.{name}")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse itself exits 2 on a wrong option
    args._argv = argv  # what was typed: an interrupted run prints the command that resumes it
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
