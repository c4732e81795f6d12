"""Matrix products whose rows must carry the bits a large batch gives them.

The remembered first layers (:class:`newstrace.nlp.embeddings.PieceProjections`,
:class:`newstrace.claims.token_embeddings.RememberedEmbeddings`) compute a few new rows
and reuse them inside later batches, so those rows must be bit for bit what a batch's
product gives. OpenBLAS takes another path for small products (here below ~800,000
multiply-adds: up to 4 rows of 576 x 288, 2 rows of 512 x 768; numpy itself calls a
matrix-vector routine for one row), whose last bits differ. Padded to
:data:`BATCH_ROWS` rows, a product is far from that path at these sizes.

    >>> batch_rows([7, 9])[:3], len(batch_rows([7, 9])), len(batch_rows(list(range(100))))
    ([7, 9, 7], 64, 100)
"""

from __future__ import annotations

#: The fewest rows given to a product whose rows are remembered (padding costs ~0.1 ms).
BATCH_ROWS = 64


def batch_rows(at: list[int]) -> list[int]:
    """Row indices ``at``, padded with the first to :data:`BATCH_ROWS` rows."""
    return at + [at[0]] * max(0, BATCH_ROWS - len(at))
