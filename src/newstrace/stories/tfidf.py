"""Incremental TF-IDF: document frequencies grow as articles arrive; no refitting.

>>> model = IncrementalTfidf()
>>> model.observe(["china", "drones"]); model.observe(["china", "sanctions"])
>>> vec = model.weigh(Counter(["china", "drones"]))
>>> vec["drones"] > vec["china"]
True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping


class IncrementalTfidf:
    """Document frequencies of terms, updated one document at a time.

    ``df`` may be any mutable mapping of term -> count (a store's rows, read as
    needed: :class:`newstrace.stories.tables.StoredMap`).
    """

    def __init__(self, df: MutableMapping[str, int] | None = None, docs: int = 0) -> None:
        self.df: MutableMapping[str, int] = Counter() if df is None else df
        self.docs = docs

    def observe(self, terms: Iterable[str]) -> None:
        df = self.df
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
        self.docs += 1

    def forget(self, terms: Iterable[str]) -> None:
        """Undo :meth:`observe` of a document (it is counted again when placed again)."""
        df = self.df
        for term in set(terms):
            df[term] = max(0, df.get(term, 0) - 1)
        self.docs = max(0, self.docs - 1)

    def idf(self, term: str) -> float:
        # smoothed: a term seen nowhere yet is as informative as the rarest one
        return math.log((1 + self.docs) / (1 + self.df.get(term, 0))) + 1.0

    def weigh(self, counts: Mapping[str, float]) -> dict[str, float]:
        """Sublinear tf x idf, L2-normalised."""
        weights = {t: (1 + math.log(c)) * self.idf(t) for t, c in counts.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())
