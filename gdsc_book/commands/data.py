"""``gdsc-book data``: see where datasets are found, check them, or download them."""

from __future__ import annotations

HELP = "list, check or download datasets (the data root: --data-root, $GDSC_BOOK_DATA, cache)"


def add_arguments(p) -> None:
    from gdsc_book import data

    p.add_argument("action", choices=["list", "check", "download"])
    p.add_argument("names", nargs="*", help=f"datasets (default: all of {', '.join(data.DATASETS)})")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")


def run(args) -> int:
    from gdsc_book import data, inputs

    names = args.names or list(data.DATASETS)
    for n in names:
        if n not in data.DATASETS:
            raise data.DataError(f"unknown dataset '{n}'. Choose one of: {', '.join(data.DATASETS)}")
    if args.action == "list":
        print("data roots, in order:")
        for r in data.data_roots(args.data_root):
            print(f"  {r}")
        for n in names:
            found = n == "digits" or data._find(n, data.data_roots(args.data_root))
            state = "found" if found else "missing"
            if found:
                try:
                    data.verify(n, args.data_root, decode=True)
                except data.CorruptData as exc:
                    state = f"corrupt: {exc.file} ({exc.why})"
            print(f"{n:14} {state}")
        return 0
    for n in names:
        for train in (True, False):
            ds = inputs.load_split(n, train, args.data_root, download=args.action == "download")
            print(f"{n:14} {ds.split:5} {tuple(ds.images.shape)}  from {ds.source}")
    return 0
