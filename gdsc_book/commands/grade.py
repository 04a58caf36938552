"""``gdsc-book grade quiz1|quiz2 SOLUTION``: grade a student's solution to a lab's quiz."""

from __future__ import annotations

import contextlib
import sys

HELP = "grade a Quiz 1 or Quiz 2 solution (.py or .ipynb) against the lab pages' contract"


def add_arguments(p) -> None:
    p.add_argument("quiz", choices=["quiz1", "quiz2"])
    p.add_argument("solution", help="the student's .py file or .ipynb notebook")
    p.add_argument("--lang", choices=["ko", "en"], default="ko",
                   help="language of the report (default: ko)")
    p.add_argument("--json", action="store_true", help="print the report as JSON only")
    p.add_argument("--data-root", help="dataset folder (else $GDSC_BOOK_DATA, else the cache)")


def run(args) -> int:
    # torch and the graders load here, not at import: `gdsc-book --help` stays fast.
    from gdsc_book.grading import grade, solution

    # What the solution prints (training logs) goes to stderr: stdout is the report alone.
    with contextlib.redirect_stdout(sys.stderr):
        module = solution.load(args.solution)
        report = grade(args.quiz, module, data_root=args.data_root)
    print(report.to_json(args.lang) if args.json else report.render(args.lang))
    return 0 if report.passed else 1
