"""Rows of a per-item computation, remembered.

The first layer of a text encoder often reads one item alone (a word piece of the
sentence encoder, a token's attributes in spaCy's encoders): its rows can be computed
once per distinct item and reused (:class:`RememberedRows`, used by
:class:`newstrace.nlp.embeddings.PieceProjections` and
:class:`newstrace.nlp.fastparse.token_embeddings.RememberedEmbeddings`).

A remembered row equals what the library's own pass computes for that item to within
float32 rounding, not bit for bit: the last bits of a matrix product depend on the
BLAS kernel OpenBLAS picks for the CPU and on how many rows the product had (numpy
calls a matrix-vector routine for one row; OpenBLAS takes another path for small
products). The tests hold the rows to the library's within a stated tolerance, and
the choices made downstream do not depend on those bits
(:mod:`newstrace.nlp.similarity`).

    >>> import numpy as np
    >>> memory = RememberedRows(width=2, limit=100)
    >>> memory(["a", "b", "a"], lambda at: np.array([[float(n), 0.0] for n in at])).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np


class RememberedRows:
    """float32 rows of ``width`` values, one per key, computed the first time a key is
    seen and kept; once more than ``limit`` keys are kept, they are all forgotten and
    the memory starts again (a bound for long-running servers)."""

    def __init__(self, width: int, limit: int) -> None:
        self.limit = limit
        self.row_of: dict[Hashable, int] = {}
        self.table = np.empty((1024, width), dtype=np.float32)

    def __call__(self, keys: Sequence[Hashable], compute: Callable[[list[int]], np.ndarray]
                 ) -> np.ndarray:
        """The rows of ``keys``, in order. ``compute(at)`` gives the rows of the items at
        positions ``at`` of ``keys``: the first place of each new key, in order."""
        row_of = self.row_of
        new = [k for k in dict.fromkeys(keys) if k not in row_of]
        if new:
            if len(row_of) + len(new) > self.limit:
                row_of.clear()
                new = list(dict.fromkeys(keys))
            first: dict[Hashable, int] = {}
            for n, key in enumerate(keys):
                first.setdefault(key, n)
            rows = compute([first[k] for k in new])
            start = len(row_of)
            if start + len(new) > len(self.table):
                grown = np.empty((max(2 * len(self.table), start + len(new)),
                                  self.table.shape[1]), dtype=np.float32)
                grown[:start] = self.table[:start]
                self.table = grown
            self.table[start : start + len(new)] = rows[: len(new)]
            for n, key in enumerate(new):
                row_of[key] = start + n
        return self.table[[row_of[k] for k in keys]]
