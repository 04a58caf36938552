"""How many parameters an MLP has: plain arithmetic, importable without torch (the pages' calc
macro uses it while the site builds in the torch-free docs environment)."""

from __future__ import annotations


def parameter_count(dims) -> int:
    """``|Theta| = sum_l dim(h_l) (dim(h_{l-1}) + 1)`` for layer sizes ``[in, h_1, ..., out]``.

    The ``+ 1`` is each unit's bias; the slide writes ``~`` because layers without a bias (or
    with extra parameters, like batch normalization) change the count slightly.
    """
    dims = [int(d) for d in dims]
    return sum(d * (d_prev + 1) for d_prev, d in zip(dims[:-1], dims[1:]))
