"""Answers to the chapters' exercises that no figure record holds: derived, not measured.

Pages quote them through the ``calc`` macro (``{{ calc("mlp_params", 784, 256, 10) }}``), so an
answer shown to the reader is computed by the same code the tests check, never typed. Measured
numbers still come from the figure records through ``num``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from gdsc_book.parameters import parameter_count


def mlp_params(*dims: int) -> int:
    """Parameters of a fully connected network with layer sizes ``dims`` (biases included)."""
    return parameter_count(dims)


def max_pieces_1d(width: int, depth: int = 1) -> int:
    """Upper bound on the linear pieces of a ReLU network on a line: ``(width + 1) ** depth``."""
    return (int(width) + 1) ** int(depth)


def sawtooth_pieces(depth: int) -> int:
    """Pieces of the tent map composed ``depth`` times (Telgarsky): ``2 ** depth``."""
    return 2 ** int(depth)


def sigmoid_chain_bound(layers: int) -> float:
    """Largest factor a gradient can keep through ``layers`` sigmoids: ``max sigma' = 1/4``."""
    return 0.25 ** int(layers)


def threshold_width(n: int, d: int, k: int) -> float:
    """Hidden width ``h`` of a one-hidden-layer MLP with ``h (d + 1) + k (h + 1) = n k``."""
    return (n * k - k) / (d + 1 + k)


def smoothed_ce_floor(eps: float, k: int) -> float:
    """Smallest cross-entropy with label smoothing ``eps`` over ``k`` classes: the entropy of
    the smoothed target ``(1 - eps + eps/k, eps/k, ...)``, reached when the model predicts it."""
    hi, lo = 1 - eps + eps / k, eps / k
    return -(hi * math.log(hi) + (k - 1) * lo * math.log(lo))


def power(base: float, exponent: float) -> float:
    """``base ** exponent``: how an error grows or shrinks by a factor per step."""
    return float(base) ** float(exponent)


def errors_from_accuracy(acc: float, n: int) -> int:
    """How many of ``n`` test images a model with accuracy ``acc`` gets wrong."""
    return round((1 - acc) * n)


ANSWERS: dict[str, Callable] = {f.__name__: f for f in (
    mlp_params, max_pieces_1d, sawtooth_pieces, sigmoid_chain_bound, threshold_width,
    smoothed_ce_floor, errors_from_accuracy, power)}


def calc(name: str, *args):
    """The answer ``name`` for ``args``; an unknown name says which names exist."""
    if name not in ANSWERS:
        raise KeyError(f"no exercise answer {name!r}; known: {', '.join(sorted(ANSWERS))}")
    return ANSWERS[name](*args)
