"""Errors meant for the reader, not for a traceback."""


class BookError(Exception):
    """A problem the user can fix: the CLI prints the message and exits with code 2."""


class DataError(BookError):
    """A dataset is missing or unreadable."""
