"""The contract every analysis stage keeps.

An analysis stage is a plain function::

    def analyze(articles: Sequence[Article], *, state: dict | None,
                upstream: Mapping[str, StageResult],
                context: StageContext | None = None) -> StageResult

``articles`` are the cleaned articles of one scope (a connected part of the
corpus, :mod:`newstrace.scopes`), in ingest order: the stage computes its answer
for them as a whole. ``state`` is whatever the stage returned as
``StageResult.state`` the last time it ran on this store (None the first time;
None returned means "unchanged"). ``upstream`` holds the results of the stages
that ran before it over the same scope, by stage name. ``context`` (given to a
stage whose function takes it; None when a stage is called on its own) carries
what the store knows of the scope: the items stored for it before and those the
linking pass just found (``previous``), and the per-article products kept in the
store (``products``), computed once per article.

A *linking* stage (reuse, stories) also has a ``link`` function, run first over
the new articles alone, that adds them to its store-wide structure (an LSH index,
the events) and returns ``records["links"]``: pairs of article ids it ties
together. Those links decide the scopes. A stage may have a ``prepare``
function, run once over all the articles of a run before any scope, that
computes and keeps their per-article products in one batch. ``StageResult.report`` maps report keys
(``reuse``, ``stories``, ``entities``, ``claims``, ``citations``, ``anomalies``)
to lists of JSON-ready items; items for ``anomalies`` from several stages are
concatenated. Each stage package ships ``schema.json``, the JSON Schema of its
report items, which :mod:`newstrace.report.schema` assembles.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from newstrace.records import Article


@dataclass(slots=True)
class StageResult:
    """What a stage adds to the report, and what it wants kept for next time."""

    report: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    state: dict[str, Any] | None = None
    #: Typed records for later stages (not serialised): e.g. reuse edges objects.
    records: dict[str, Any] = field(default_factory=dict)


class ProductCache(Protocol):
    """Per-article products (JSON-ready values) by kind and article id; a kind names
    its version ("claims.extract/1-…"), so that a changed step never reads old ones."""

    def load(self, kind: str, article_ids: Sequence[str]) -> dict[str, Any]:
        """The products of ``kind`` held for ``article_ids``: article id -> value (ids
        without a product are left out)."""
        ...

    def save(self, kind: str, values: Mapping[str, Any]) -> None:
        """Keep ``values`` (article id -> JSON-ready value) as products of ``kind``,
        replacing those held for the same ids."""
        ...


class MemoryProducts:
    """A :class:`ProductCache` in a dict, for a run without a store, tests and library use.

    Values are kept as JSON text: what is saved must be JSON-ready (as a store's would
    be), and what is loaded is a fresh copy that nothing else holds.

    >>> products = MemoryProducts()
    >>> products.save("demo/1", {"a": {"n": [1, 2]}})
    >>> products.load("demo/1", ["a", "b"]), products.load("demo/2", ["a"])
    ({'a': {'n': [1, 2]}}, {})
    """

    def __init__(self) -> None:
        #: kind -> article id -> the value as JSON text
        self.values: dict[str, dict[str, str]] = {}

    def load(self, kind: str, article_ids: Sequence[str]) -> dict[str, Any]:
        held = self.values.get(kind, {})
        return {i: json.loads(held[i]) for i in article_ids if i in held}

    def save(self, kind: str, values: Mapping[str, Any]) -> None:
        self.values.setdefault(kind, {}).update(
            (i, json.dumps(value, ensure_ascii=False)) for i, value in values.items())



def pack_array(array: np.ndarray) -> str:
    """An array's bytes in base64, JSON-ready for a product (its dtype as given).

    >>> unpack_array(pack_array(np.array([1.5, -2], np.float16)), np.float16).tolist()
    [1.5, -2.0]
    """
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def unpack_array(text: str, dtype: Any) -> np.ndarray:
    """:func:`pack_array` read back, as a flat array of ``dtype`` (a copy: writable)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()

class KeyIndex(Protocol):
    """An inverted index a stage keeps in the store: members (article or cluster ids)
    under string keys (a text digest, a band hash, a term)."""

    def lookup(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """The members under each of ``keys`` (keys with none are left out)."""
        ...

    def add(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Put each ``(key, member)``; one already there is left as it is."""
        ...


class RowStore(Protocol):
    """JSON values under string keys: a stage's own rows in the store (its events,
    its term counts), read and written a few at a time."""

    def load(self, keys: Iterable[str]) -> dict[str, Any]:
        """The rows held under ``keys`` (keys without one are left out)."""
        ...

    def save(self, values: Mapping[str, Any]) -> None:
        """Put each row, replacing one under the same key."""
        ...



class MemoryRows:
    """A :class:`RowStore` in a dict (JSON-ready values, as a store's rows), for a stage
    run over rows outside a store.

    >>> rows = MemoryRows({"e:a": {"n": 1}})
    >>> rows.save({"e:b": 2}); rows.load(["e:a", "e:b", "e:c"])
    {'e:a': {'n': 1}, 'e:b': 2}
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def load(self, keys: Iterable[str]) -> dict[str, Any]:
        return {k: self.values[k] for k in keys if k in self.values}

    def save(self, values: Mapping[str, Any]) -> None:
        self.values.update(values)

@dataclass(slots=True)
class StageContext:
    """What the store knows of the scope a stage is computing (see the module)."""

    #: items by report key: stored for this scope's articles, or found by linking now
    previous: Mapping[str, Sequence[dict[str, Any]]] = field(default_factory=dict)
    products: ProductCache | None = None
    #: the stage's own inverted index in the store (None: keep one in memory)
    keys: KeyIndex | None = None
    #: stored articles by id (those it knows), for a stage that must read old ones
    articles: Callable[[Sequence[str]], list[Article]] | None = None
    #: the stage's own rows in the store (None: keep its structures in memory)
    rows: RowStore | None = None


class AnalyzeFn(Protocol):
    def __call__(
        self,
        articles: Sequence[Article],
        *,
        state: dict[str, Any] | None,
        upstream: Mapping[str, StageResult],
    ) -> StageResult: ...


class LinkFn(Protocol):
    def __call__(self, articles: Sequence[Article], *, state: dict[str, Any] | None,
                 context: StageContext | None = None) -> StageResult: ...


class PrepareFn(Protocol):
    def __call__(self, articles: Sequence[Article], products: ProductCache) -> None: ...


@dataclass(frozen=True, slots=True)
class Stage:
    """A named analysis step; ``requires`` names stages that must run first.

    ``load`` gives the stage's ``analyze``; ``link`` (linking stages) and
    ``prepare`` (stages with per-article products) are optional loaders too.
    ``produces`` names the report keys it fills; ``module``, the package whose
    ``schema.json`` describes them. :meth:`of_package` declares a stage that is a
    package of newstrace's kind (``analyze``, and ``link`` / ``prepare`` if it says so).
    """

    name: str
    load: Callable[[], AnalyzeFn]
    requires: tuple[str, ...] = ()
    description: str = ""
    link: Callable[[], LinkFn] | None = None
    prepare: Callable[[], PrepareFn] | None = None
    produces: tuple[str, ...] = ()
    module: str | None = None

    @classmethod
    def of_package(cls, name: str, module: str, *, requires: tuple[str, ...] = (),
                   description: str = "", produces: tuple[str, ...] = (),
                   links: bool = False, prepares: bool = False) -> Stage:
        """The stage whose functions are ``module``'s, imported when it first runs."""
        return cls(name, _loader(module, "analyze"), requires, description,
                   _loader(module, "link") if links else None,
                   _loader(module, "prepare") if prepares else None, produces, module)


def _loader(module: str, name: str) -> Callable[[], Any]:
    def load() -> Any:
        import importlib

        fn = getattr(importlib.import_module(module), name, None)
        if fn is None:
            raise NotImplementedError(f"{module} has no {name}() yet")
        return fn

    return load
