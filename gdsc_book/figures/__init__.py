"""Figure functions, one module per chapter; see :mod:`gdsc_book.figures.registry`."""

from gdsc_book.figures.registry import REGISTRY, FigureContext, build, figure, load_all

__all__ = ["REGISTRY", "FigureContext", "build", "figure", "load_all"]
