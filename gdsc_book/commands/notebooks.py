"""``gdsc-book notebooks``: regenerate the chapter notebooks (Colab, download) from the pages,
and keep the executed lab notebooks of the site (``--execute`` runs them again)."""

from __future__ import annotations

HELP = ("write notebooks/<slug>.<lang>.ipynb from the chapter pages (--check: only compare; "
        "--execute: run the lab notebooks into docs/executed/)")


def add_arguments(p) -> None:
    p.add_argument("slugs", nargs="*", help="chapter slugs (e.g. ch01-what-is-ml); default: all")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a notebook is missing or out of date")
    p.add_argument("--execute", action="store_true",
                   help="run the lab notebooks (or SLUGS) and write them with their outputs to "
                        "docs/executed/, the site's executed-notebook pages (takes minutes)")
    p.add_argument("--root", default=".", help="project root, where mkdocs.yml is (default: .)")


def run(args) -> int:
    from gdsc_book import executed, notebooks

    site = notebooks.load_site(args.root)
    if args.execute:
        notebooks.sync(site, args.slugs or None)
        executed.write(site, args.slugs or None)
        return 0
    stale = notebooks.sync(site, args.slugs or None, check=args.check)
    for p in stale:
        state = "out of date" if args.check else ("removed" if not p.exists() else "written")
        print(f"{p.relative_to(site.root)}: {state}")
    bad = []
    chapters = notebooks.chapter_slugs(site)
    for slug in executed.EXECUTED:
        if slug not in chapters or (args.slugs and slug not in args.slugs):
            continue
        for lang in notebooks.LANGS:
            state = executed.refresh(site, slug, lang, check=args.check)
            path = executed.executed_path(site, slug, lang).relative_to(site.root)
            if state == "refreshed":
                print(f"{path}: prose {'out of date' if args.check else 'refreshed'} "
                      f"(code unchanged, outputs kept)")
            elif state in ("stale", "missing"):
                print(f"{path}: {state}: its code changed or it was never run; run "
                      f"`gdsc-book notebooks --execute {slug}`")
                bad.append(path)
            if args.check and state == "refreshed":
                bad.append(path)
    if args.check and (stale or bad):
        print("run `gdsc-book notebooks` to regenerate them")
        return 1
    if not stale and not bad:
        print("notebooks are up to date")
    return 0
