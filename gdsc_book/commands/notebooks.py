"""``gdsc-book notebooks``: regenerate the chapter notebooks (Colab, download) from the pages."""

from __future__ import annotations

HELP = "write notebooks/<slug>.<lang>.ipynb from the chapter pages (--check: only compare)"


def add_arguments(p) -> None:
    p.add_argument("slugs", nargs="*", help="chapter slugs (e.g. ch01-what-is-ml); default: all")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a notebook is missing or out of date")
    p.add_argument("--root", default=".", help="project root, where mkdocs.yml is (default: .)")


def run(args) -> int:
    from gdsc_book import notebooks

    site = notebooks.load_site(args.root)
    stale = notebooks.sync(site, args.slugs or None, check=args.check)
    for p in stale:
        state = "out of date" if args.check else ("removed" if not p.exists() else "written")
        print(f"{p.relative_to(site.root)}: {state}")
    if args.check and stale:
        print("run `gdsc-book notebooks` to regenerate them")
        return 1
    if not stale:
        print("notebooks are up to date")
    return 0
