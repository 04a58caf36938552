"""gdsc_book: the code behind every figure and number of the GDSC deep-learning book.

The package is ordered the way the lecture is: ``data`` (the D of D/M/L), ``models`` (M),
``train`` (L and its optimization), and ``figures`` (one module per chapter) on top.
Chapters read results; the library knows nothing about pages.
"""

__version__ = "0.1.0"
