"""``gdsc-book figures``: build the book's figures and their records."""

from __future__ import annotations

import os
from pathlib import Path

from gdsc_book.errors import BookError

HELP = "build figures (all, or by name or chapter); unchanged ones are skipped"


def add_arguments(p) -> None:
    p.add_argument("names", nargs="*", help="figure names or chapters (e.g. ch01); default: all")
    p.add_argument("--quick", action="store_true", help="small budgets (CI); writes to build/quick")
    p.add_argument("--force", action="store_true",
                   help="redraw even if nothing changed (stored computations are reused)")
    p.add_argument("--recompute", action="store_true",
                   help="run the computations again too, even if their code is unchanged")
    p.add_argument("--out", type=Path, help="output root (default: docs, or build/quick)")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")
    p.add_argument("--list", action="store_true", help="list figures and exit")
    p.add_argument("--keep-going", action="store_true", help="build the rest if one fails")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--jobs", type=int, default=None,
                   help="figures built at once, in worker processes (default: up to 2, one "
                        "per core; 1 builds them one after another)")


def run(args) -> int:
    from gdsc_book import inputs, outputs
    from gdsc_book.figures import registry

    if args.list:
        for spec in registry.select(args.names):
            long = "  long: built only by name" if spec.long else ""
            print(f"{spec.chapter:6} {spec.name:32} data={','.join(spec.data) or '-'}{long}")
        return 0
    budget = "quick" if args.quick else "full"
    out = args.out or Path("build/quick" if args.quick else "docs")
    if not args.quick and args.out is None and not Path("mkdocs.yml").exists():
        raise BookError("run from the project root (where mkdocs.yml is), or pass --out DIR")
    if args.jobs is not None and args.jobs < 1:
        raise BookError(f"--jobs must be at least 1 (got {args.jobs})")
    jobs = args.jobs or min(2, os.cpu_count() or 1)
    outputs.check_folder(out, "--out")
    if args.data_root is not None:  # honoured or refused, never silently skipped
        for name in sorted({d for spec in registry.select(args.names) for d in spec.data}):
            inputs.require_data(name, args.data_root)
    results = registry.build(args.names, budget, out, args.data_root, args.force,
                             args.keep_going, recompute=args.recompute,
                             progress=not args.no_progress, jobs=jobs)
    failed = [r for r in results if r.status == "failed"]
    return 1 if failed else 0
