"""Where the story clusterer keeps what grows with the corpus: rows read as needed.

The clusterer (:class:`newstrace.stories.clusterer.StoryClusterer`) keeps events,
stories, the events each lookup key leads to, the article -> event map and the
document frequencies of words and names. Each is a :class:`StoredMap`: a mapping
that, given a store's ``RowStore``, reads a row the first time it is needed (or
ahead, with :meth:`StoredMap.prefetch`), remembers what it changed and writes it
back with :meth:`StoredMap.flush`. Without a row store it is a plain dict. Only the
rows a new article touches are read: nothing loads the corpus.

    >>> counts = StoredMap(None, "w:", int, int)
    >>> counts["war"] = 2
    >>> counts.get("war"), counts.get("peace"), "war" in counts
    (2, None, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

from newstrace.stages import RowStore

V = TypeVar("V")

#: rows a map keeps in memory once written (a bound for long runs; what is changed
#: and not yet written is always kept)
CACHED_ROWS = 200_000


_MISSING = object()


class StoredMap(MutableMapping[str, V], Generic[V]):
    """A mapping over rows ``prefix + key`` of a row store (a dict without one)."""

    def __init__(self, rows: RowStore | None, prefix: str, encode: Callable[[V], Any],
                 decode: Callable[[Any], V]) -> None:
        self.rows = rows
        self.prefix = prefix
        self.encode = encode
        self.decode = decode
        self.held: dict[str, V] = {}
        self.absent: set[str] = set()
        self.dirty: set[str] = set()

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the rows of ``keys`` not read yet, in one go."""
        if self.rows is None:
            return
        wanted = [k for k in dict.fromkeys(keys) if k not in self.held and k not in self.absent]
        if not wanted:
            return
        found = self.rows.load(self.prefix + k for k in wanted)
        for key in wanted:
            value = found.get(self.prefix + key)
            if value is None:
                self.absent.add(key)
            else:
                self.held[key] = self.decode(value)

    def get(self, key: str, default: Any = None) -> Any:  # the hot path: no exception
        value = self.held.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if self.rows is None or key in self.absent:
            return default
        self.prefetch([key])
        return self.held.get(key, default)

    def __getitem__(self, key: str) -> V:
        if key not in self.held:
            self.prefetch([key])
        return self.held[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __setitem__(self, key: str, value: V) -> None:
        self.held[key] = value
        self.absent.discard(key)
        self.dirty.add(key)

    def touch(self, key: str) -> None:
        """Mark ``key``'s value as changed in place (a cluster that absorbed an article)."""
        if key in self.held:
            self.dirty.add(key)

    def __delitem__(self, key: str) -> None:
        raise TypeError("rows are never deleted")

    def __iter__(self) -> Iterator[str]:
        if self.rows is not None:
            raise TypeError("a stored map does not list its rows")
        return iter(self.held)

    def __len__(self) -> int:
        if self.rows is not None:
            raise TypeError("a stored map does not count its rows")
        return len(self.held)

    def flush(self) -> None:
        """Write the changed rows; forget read ones past :data:`CACHED_ROWS`."""
        if self.rows is None:
            return
        if self.dirty:
            self.rows.save({self.prefix + k: self.encode(self.held[k]) for k in self.dirty})
            self.dirty.clear()
        if len(self.held) > CACHED_ROWS:
            self.held.clear()
            self.absent.clear()
