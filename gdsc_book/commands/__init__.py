"""Sub-commands of ``gdsc-book``: one module each (see ``gdsc_book.cli``)."""
