"""Where the reuse index keeps what grows with the corpus: lookup keys and entries.

The index (:class:`newstrace.reuse.index.ReuseIndex`) finds candidates by keys
(an exact-text digest, MinHash LSH bands, SimHash bands of the document vector)
and compares entries (an article's fingerprints and sentence vectors). Both live
in a :class:`ReuseTables`:

- :class:`MemoryTables` holds them in dicts (a run without a store, tests);
- :class:`StoredTables` keeps them as rows of the store: keys in an inverted
  index table (``KeyIndex``), entries as per-article products, articles in the
  articles table. Only the keys a new article looks up and the entries of its
  candidates are read: nothing loads the corpus.

    >>> tables = MemoryTables()
    >>> tables.lookup(["d:abc"])
    {}
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from newstrace.records import Article
from newstrace.reuse.entries import ENTRY_PRODUCT, Entry, entry_from_product, entry_to_product
from newstrace.stages import KeyIndex, ProductCache

#: entries a stored index keeps in memory between lookups (a bound for long runs)
CACHED_ENTRIES = 20_000


class ReuseTables(Protocol):
    """Keys and entries of a reuse index."""

    def indexed(self) -> int:
        """How many articles are indexed (the next entry's arrival number)."""
        ...

    def known(self, article_ids: Sequence[str]) -> set[str]:
        """Those of ``article_ids`` that are indexed."""
        ...

    def lookup(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """The indexed articles under each key (keys with none are left out)."""
        ...

    def entries(self, article_ids: Sequence[str]) -> dict[str, Entry]:
        """The entries of indexed articles."""
        ...

    def insert(self, entry: Entry, keys: Sequence[str]) -> None:
        """Index ``entry`` under ``keys``."""
        ...

    def changed(self, entry: Entry) -> None:
        """``entry``'s vectors grew (more sentences embedded): keep them."""
        ...

    def flush(self) -> None:
        """Write what is pending."""
        ...


class MemoryTables:
    """Keys and entries in dicts."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[str]] = {}
        self.by_id: dict[str, Entry] = {}

    def indexed(self) -> int:
        return len(self.by_id)

    def known(self, article_ids: Sequence[str]) -> set[str]:
        return {a for a in article_ids if a in self.by_id}

    def lookup(self, keys: Sequence[str]) -> dict[str, list[str]]:
        return {k: list(self.by_key[k]) for k in keys if k in self.by_key}

    def entries(self, article_ids: Sequence[str]) -> dict[str, Entry]:
        return {a: self.by_id[a] for a in article_ids if a in self.by_id}

    def insert(self, entry: Entry, keys: Sequence[str]) -> None:
        self.by_id[entry.article.id] = entry
        for key in keys:
            self.by_key.setdefault(key, []).append(entry.article.id)

    def changed(self, entry: Entry) -> None:
        pass

    def flush(self) -> None:
        pass

    def entries_in_order(self) -> list[Entry]:
        return sorted(self.by_id.values(), key=lambda e: e.order)


class StoredTables:
    """Keys and entries as rows of a store, read as they are needed.

    ``count`` is how many articles were indexed before (kept in the stage's small
    state); new keys and entries are written by :meth:`flush`, in one batch.
    """

    def __init__(self, keys: KeyIndex, products: ProductCache,
                 load_articles: Callable[[Sequence[str]], Iterable[Article]],
                 count: int = 0) -> None:
        self.keys = keys
        self.products = products
        self.load_articles = load_articles
        self.count = count
        self.pending_keys: list[tuple[str, str]] = []
        self.pending: dict[str, Entry] = {}
        self.cache: OrderedDict[str, Entry] = OrderedDict()

    def indexed(self) -> int:
        return self.count

    def known(self, article_ids: Sequence[str]) -> set[str]:
        wanted = [a for a in article_ids if a not in self.pending and a not in self.cache]
        stored = set(self.products.load(ENTRY_PRODUCT, wanted)) if wanted else set()
        return {a for a in article_ids if a in self.pending or a in self.cache or a in stored}

    def lookup(self, keys: Sequence[str]) -> dict[str, list[str]]:
        found = self.keys.lookup(keys)
        wanted = set(keys)
        for key, article_id in self.pending_keys:
            if key in wanted:
                found.setdefault(key, []).append(article_id)
        return found

    def entries(self, article_ids: Sequence[str]) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        missing = []
        for a in article_ids:
            entry = self.pending.get(a) or self.cache.get(a)
            if entry is None:
                missing.append(a)
            else:
                out[a] = entry
        if missing:
            values = self.products.load(ENTRY_PRODUCT, missing)
            articles = {a.id: a for a in self.load_articles(list(values))}
            for article_id, value in values.items():
                if article_id in articles:
                    entry = entry_from_product(articles[article_id], value)
                    out[article_id] = self._cached(entry)
        return {a: out[a] for a in article_ids if a in out}

    def _cached(self, entry: Entry) -> Entry:
        self.cache[entry.article.id] = entry
        while len(self.cache) > CACHED_ENTRIES:
            self.cache.popitem(last=False)
        return entry

    def insert(self, entry: Entry, keys: Sequence[str]) -> None:
        self.pending[entry.article.id] = entry
        self.pending_keys.extend((key, entry.article.id) for key in keys)
        self.count += 1

    def changed(self, entry: Entry) -> None:
        self.pending[entry.article.id] = entry

    def flush(self) -> None:
        if self.pending:
            self.products.save(ENTRY_PRODUCT, {a: entry_to_product(e)
                                               for a, e in self.pending.items()})
        if self.pending_keys:
            self.keys.add(self.pending_keys)
        for entry in self.pending.values():
            self._cached(entry)
        self.pending, self.pending_keys = {}, []
