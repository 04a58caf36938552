"""Graders for the lecture's two quizzes: run a student's solution and check it independently.

``gdsc-book grade quiz1 SOLUTION`` and ``gdsc-book grade quiz2 SOLUTION`` load a ``.py`` file or
a notebook (:mod:`.solution`), call the functions the lab pages' contract names on small real
budgets, watch what they do (:mod:`.watch`: which images go through the model, which dataset
items are read, which seeds are set) and compare it with what the code saves and reports
(:mod:`.quiz1`, :mod:`.quiz2`). Each check passes or fails with expected / found / hint in
Korean or English (:mod:`.report`).
"""

from __future__ import annotations

QUIZZES = ("quiz1", "quiz2")


def grade(quiz: str, namespace, data_root=None):
    """Grade the functions in ``namespace`` (a module or a dict) for ``quiz``: a Report."""
    import importlib

    if quiz not in QUIZZES:
        from gdsc_book.errors import BookError

        raise BookError(f"unknown quiz {quiz!r}; choose one of: {', '.join(QUIZZES)}")
    module = importlib.import_module(f"gdsc_book.grading.{quiz}")
    return module.grade(namespace, data_root=data_root)


def check_notebook(quiz: str, namespace: dict, lang: str | None = None) -> bool:
    """A notebook's check cell: grade the functions defined above it and print the report.

    The language is ``lang``, else ``$GDSC_BOOK_LANG`` (the book's notebooks set it in their
    first cell), else Korean. Returns whether every required check passed; never raises for a
    wrong solution, so the notebook runs on.
    """
    import os

    from gdsc_book.errors import BookError

    lang = lang or os.environ.get("GDSC_BOOK_LANG") or "ko"
    try:
        report = grade(quiz, namespace)
    except BookError as exc:
        print(f"{quiz}: {exc}")
        return False
    print(report.render(lang))
    return report.passed
