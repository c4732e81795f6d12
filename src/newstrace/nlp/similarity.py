"""Choosing among similarity scores the same way on every CPU.

The last bits of a float32 dot product depend on the BLAS kernel OpenBLAS picks for the
CPU (``OPENBLAS_CORETYPE`` forces one) and on the shape of the product it is part of
(how many sentences were embedded together, by one process or two). Scores that are
equal in theory (both members of a two-member group are equally close to their centre;
a sentence repeated in a copy) come out about 1e-8 apart, in an order that changes from
machine to machine. So every choice among scores goes through this module: scores
within :data:`TIE` of each other are a tie, and a tie goes to the first candidate in a
fixed order (the order the caller gives).

A threshold is left as it is: a score decided differently on two machines must lie
within ~1e-7 of it, which real scores, spread over 0..1, almost never do; the test of
the whole pipeline on two kernels (``tests/e2e/test_blas_kernels.py``) checks that.

    >>> first_best([0.5, 0.8000000001, 0.8, 0.7])  # the two 0.8 are a tie: the first wins
    1
    >>> first_best([0.5, 0.7999999999, 0.8, 0.7])
    1
    >>> first_best([0.5, 0.79, 0.8])
    2
    >>> descending([0.3, 0.9000000001, 0.9, 0.1]).tolist()  # a tie keeps the given order
    [1, 2, 0, 3]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Scores closer than this are a tie (float32 products differ across kernels by ~1e-8).
TIE = 1e-6


def first_best(scores: Sequence[float] | np.ndarray) -> int:
    """The position of the best score, the first one among those tied with it."""
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no scores to choose from")
    return int(np.flatnonzero(values >= values.max() - TIE)[0])


def descending(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Positions of ``scores``, best first; scores equal to within :data:`TIE` keep their order.

    Scores are compared on a grid of :data:`TIE` (rounded to six places), so two scores
    a few 1e-8 apart sort as equal unless a grid line falls between them.
    """
    values = np.asarray(scores, dtype=np.float64)
    return np.argsort(-np.round(values, 6), kind="stable")
