"""``gdsc-book pdf``: the print edition, one PDF per language, printed from the built site."""

from __future__ import annotations

HELP = "print the built site as build/pdf/gdsc-book.<lang>.pdf (one book per language)"


def add_arguments(p) -> None:
    from gdsc_book import print_edition

    p.add_argument("--site", default="site", help="the built site (default: site, `mkdocs build`)")
    p.add_argument("--out", default="build/pdf", help="where the PDFs go (default: build/pdf)")
    p.add_argument("--lang", nargs="+", choices=print_edition.LANGS,
                   default=list(print_edition.LANGS), help="languages (default: all)")
    p.add_argument("--root", default=".", help="project root, where mkdocs.yml is (default: .)")


def run(args) -> int:
    from gdsc_book import print_edition

    print_edition.build(args.site, args.out, args.lang, root=args.root)
    return 0
