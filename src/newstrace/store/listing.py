"""Result items listed a page at a time, filtered by the articles they touch, in SQL.

    >>> from newstrace.store import Store
    >>> store = Store.open(":memory:")
    >>> store.save_items("claims", [{"id": "c1", "article_ids": ["a"]}, {"id": "c2"}])
    >>> with reader(store) as r:
    ...     r.count_items("claims"), [c["id"] for c in r.page_items("claims")]
    (2, ['c1', 'c2'])
    >>> with reader(store) as r:  # article a is not stored: nothing passes a filter
    ...     r.count_items("claims", ResultFilter(outlet="CNN"))
    0

The order is :meth:`Store.items`'s: by an item's first scope, then its id (an item
held by several scopes comes once, merged). A filter goes through ``result_articles``
(the articles each item touches, migration 0005) and the store's one article filter
(:meth:`Store.filter_articles`: an outlet in any case, dates inclusive), so no listing
reads every item of a kind.

The queries are shaped so that SQLite's planner, which has no statistics in a store
nobody ran ``ANALYZE`` on, cannot pick a scan: the articles that pass come from an
``IN (SELECT ...)`` over their indexes, and ``result_articles`` has no index that leads
with (kind, item): SQLite would walk such an index to read the items in id order,
every item of the kind.

An unfiltered listing is a range of the primary key; a page deep in it starts from a
bookmark, the key of every :data:`BOOKMARK`-th item, found once per results generation,
so that SQLite does not walk the whole offset in the index for every page.

A :class:`ResultReader` holds one connection, and so one read transaction on SQLite:
what a request reads (the generation token, a total, a page) is one snapshot, and costs
one pool checkout rather than one per query.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.sql import ColumnElement

from newstrace.store.schema import articles, result_articles, results, stage_state
from newstrace.store.store import (
    EVENTS,
    GENERATION,
    RESULTS_GENERATION,
    Store,
    _chunks,
    article_conditions,
)

ra = result_articles

# The statements every request runs, built once with bound parameters: building a
# statement and its cache key costs more than SQLite takes to run it.
_KIND, _ID = bindparam("kind", type_=String), bindparam("item_id", type_=String)
_LIMIT, _OFFSET = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
_GENERATION = select(stage_state.c.data).where(stage_state.c.stage == GENERATION)
_ARTICLES = select(func.count()).select_from(articles)
_HAS_KIND = select(literal(1)).where(results.c.kind == _KIND).limit(1)
_HAS_ITEM = select(literal(1)).where(results.c.kind == _KIND, results.c.item_id == _ID).limit(1)
_SPANS = select(func.count(), func.count(func.distinct(results.c.item_id))).where(
    results.c.kind == _KIND)
_COUNT = select(func.count(func.distinct(results.c.item_id))).where(results.c.kind == _KIND)
# no ORDER BY: sorting by scope would make SQLite walk the primary key instead
_IDS = results.c.item_id.in_(bindparam("ids", expanding=True))
_BY_ID = select(results.c.item_id, results.c.scope, results.c.data).where(
    results.c.kind == _KIND, _IDS)
# the same, the bodies as stored JSON text: an API response passes them on undecoded
_BY_ID_TEXT = select(results.c.item_id, results.c.scope, cast(results.c.data, Text)).where(
    results.c.kind == _KIND, _IDS)
# the rows of the items touching some articles, bodies and all, in one statement: the
# articles' entries in result_articles' covering index, then each item's rows by
# ix_results_item (a story's page asks this for every kind it shows)
_TOUCHED = select(ra.c.item_id).where(
    ra.c.kind == _KIND, ra.c.article_id.in_(bindparam("article_ids", expanding=True)))
_TOUCHING = select(results.c.item_id, results.c.scope, results.c.data).where(
    results.c.kind == _KIND, results.c.item_id.in_(_TOUCHED))

#: an unfiltered listing's pages past the first BOOKMARK items start from a bookmark,
#: the key (scope, item id) of every BOOKMARK-th item in listing order, kept per results
#: generation (:class:`_Bookmarks`): the index is entered at the key, and SQLite walks
#: fewer than BOOKMARK entries for the offset instead of all of them
BOOKMARK = 500
_FROM_KEY = tuple_(results.c.scope, results.c.item_id) >= tuple_(
    bindparam("from_scope", type_=String), bindparam("from_item", type_=String))
_ORDER = (results.c.scope, results.c.item_id)
_body = results.alias("body")
_later = results.alias("later")
# an id's first row in (scope, id) order: the rows of later scopes are skipped
_FIRST = ~select(literal(1)).where(_later.c.kind == _KIND,
                                   _later.c.item_id == results.c.item_id,
                                   _later.c.scope < results.c.scope).exists()


def _paging(from_key: bool) -> dict[str, Any]:
    """The statements of a page of an unfiltered listing, from its start or (``from_key``)
    from a bookmark: ``range`` / ``range_text``, a page when no id is in two scopes (a
    range of the primary key, skipped over in the covering index, not the table, then
    the bodies of the page's rows); ``first_rows``, the ids of a page otherwise; and
    ``key`` / ``first_key``, the key of the item at an offset (a bookmark), of either."""
    where = [results.c.kind == _KIND, *([_FROM_KEY] if from_key else [])]
    page = (select(*_ORDER).where(*where).order_by(*_ORDER).limit(_LIMIT)
            .offset(_OFFSET).subquery("page"))
    on_page = and_(_body.c.kind == _KIND, _body.c.scope == page.c.scope,
                   _body.c.item_id == page.c.item_id)
    return {
        "range": select(_body.c.item_id, _body.c.scope, _body.c.data).join_from(
            page, _body, on_page),
        "range_text": select(_body.c.item_id, _body.c.scope,
                             cast(_body.c.data, Text)).join_from(page, _body, on_page),
        "first_rows": (select(results.c.item_id).where(*where, _FIRST).order_by(*_ORDER)
                       .limit(_LIMIT).offset(_OFFSET)),
        "key": select(*_ORDER).where(*where).order_by(*_ORDER).limit(1).offset(_OFFSET),
        "first_key": (select(*_ORDER).where(*where, _FIRST).order_by(*_ORDER).limit(1)
                      .offset(_OFFSET)),
    }


_FROM_START, _FROM_BOOKMARK = _paging(False), _paging(True)


class _Bookmarks:
    """The bookmarks of one store's unfiltered listings, for one results generation at a
    time (each found when a page first needs it, from the nearest one before it);
    thread-safe. At most one key per BOOKMARK items of a kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token = ""
        #: (kind, by first rows) -> block number -> the key of item block * BOOKMARK
        self._keys: dict[tuple[str, bool], dict[int, tuple[str, str]]] = {}

    def nearest(self, token: str, listing: tuple[str, bool], block: int
                ) -> tuple[int, tuple[str, str] | None]:
        """The last known bookmark at or before ``block``: (its block, its key); (0,
        None) for the listing's start."""
        with self._lock:
            if token != self._token:  # the results changed: no key is known any more
                self._token, self._keys = token, {}
            known = self._keys.get(listing) or {}
            if block in known:  # the usual case once a listing has been paged through
                return block, known[block]
            best = max((b for b in known if b <= block), default=0)
            return best, known.get(best)

    def keep(self, token: str, listing: tuple[str, bool], block: int,
             key: tuple[str, str]) -> None:
        with self._lock:
            if token == self._token:  # else found in a snapshot older than what is held
                self._keys.setdefault(listing, {})[block] = key


#: each open store's bookmarks (by its engine, forgotten with it)
_BOOKMARKS: weakref.WeakKeyDictionary[Any, _Bookmarks] = weakref.WeakKeyDictionary()
_BOOKMARKS_LOCK = threading.Lock()


def _bookmarks(store: Store) -> _Bookmarks:
    with _BOOKMARKS_LOCK:
        found = _BOOKMARKS.get(store.engine)
        if found is None:
            found = _BOOKMARKS[store.engine] = _Bookmarks()
        return found


@dataclass(frozen=True)
class ResultFilter:
    """Which items of a kind a listing holds: those touching at least one stored
    article that passes ``outlet`` / ``since`` / ``until``, counting only the articles of
    ``story`` when it is set (kind ``stories``: that story alone). Nothing set: every
    item, whatever it touches. Dates compare as days (``YYYY-MM-DD``).

    Frozen, so that a cache can key on it.
    """

    outlet: str | None = None
    since: str | None = None
    until: str | None = None
    story: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.outlet or self.since or self.until or self.story)

    @property
    def on_articles(self) -> bool:
        """Whether any filter is on the articles themselves (not only the story)."""
        return bool(self.outlet or self.since or self.until)

    @property
    def shape(self) -> tuple[bool, bool, bool, bool]:
        """Which filters are set: one statement serves every filter of a shape."""
        return bool(self.outlet), bool(self.since), bool(self.until), bool(self.story)

    def params(self) -> dict[str, str]:
        """The values bound to the statement of the filter's shape (:func:`_statements`),
        days (the conditions, :func:`~newstrace.store.store.article_conditions`, take
        ``until`` to the end of its day)."""
        out = {"outlet": self.outlet, "since": self.since[:10] if self.since else None,
               "until": self.until[:10] if self.until else None,
               "story": self.story}
        return {k: v for k, v in out.items() if v}


NO_FILTER = ResultFilter()


# the tokens' rows named in the text (constants): the one statement run on a driver's
# cursor, whatever its parameter style
_TOKENS_SQL = (f"SELECT stage, data FROM {stage_state.name} WHERE stage IN "
               f"('{GENERATION}', '{RESULTS_GENERATION}')")


def read_generations(store: Store) -> tuple[str, str]:
    """:meth:`Store.generation` and :meth:`Store.results_generation` in one statement on
    a pooled driver connection, without a SQLAlchemy transaction (for a cache that
    checks them before every answer, where the connection's set-up and ``BEGIN`` cost
    more than the read). SQLite's driver runs it in autocommit (see the store's
    connect hook); the pool ends any other driver's transaction on return.

    >>> store = Store.open(":memory:")
    >>> store.save_items("claims", [{"id": "c1"}])
    >>> read_generations(store) == (store.generation(), store.results_generation())
    True
    """
    raw = store.engine.raw_connection()
    try:
        return _read_tokens(raw)
    finally:
        raw.close()  # back to the pool, which rolls back what is open


def _read_tokens(dbapi_connection: Any) -> tuple[str, str]:
    """Both tokens, by one statement on a driver connection's own cursor (a tenth of
    what the same statement costs through SQLAlchemy's execution)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_TOKENS_SQL)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    found: dict[str, str] = {}
    for stage, data in rows:
        value = json.loads(data) if isinstance(data, (str, bytes)) else data
        found[stage] = str((value or {}).get("token") or "")
    return found.get(GENERATION, ""), found.get(RESULTS_GENERATION, "")


@contextmanager
def reader(store: Store) -> Iterator[ResultReader]:
    """A :class:`ResultReader` on a connection of its own, closed afterwards."""
    with store.engine.connect() as conn:
        yield ResultReader(store, conn)


class ResultReader:
    """The listing queries, on one connection of ``store``."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self.store = store
        self.conn = conn

    def generation(self) -> str:
        """:meth:`Store.generation`, read in this reader's transaction."""
        data = self.conn.execute(_GENERATION).scalar()
        return str((data or {}).get("token") or "")

    def generations(self) -> tuple[str, str]:
        """:meth:`Store.generation` and :meth:`Store.results_generation`, read in one
        query of this reader's transaction (a cache of answers keys on one or the
        other, by what the answer shows)."""
        if not self.conn.in_transaction():
            self.conn.begin()  # the answer's reads join it: the tokens are of their snapshot
        return _read_tokens(self.conn.connection.dbapi_connection)

    def state(self, stage: str) -> dict[str, Any] | None:
        """:meth:`Store.load_state`, in this reader's transaction."""
        return self.conn.execute(select(stage_state.c.data).where(
            stage_state.c.stage == stage)).scalar()  # type: ignore[no-any-return]

    def count_articles(self) -> int:
        return int(self.conn.execute(_ARTICLES).scalar_one())

    def has_items(self, kind: str) -> bool:
        """Whether any item of ``kind`` is stored (one index probe)."""
        return self.conn.execute(_HAS_KIND, {"kind": kind}).first() is not None

    def has_item(self, kind: str, item_id: str) -> bool:
        return self.conn.execute(_HAS_ITEM, {"kind": kind, "item_id": item_id}
                                 ).first() is not None

    def spans_scopes(self, kind: str) -> bool:
        """Whether some item id of ``kind`` is held by more than one scope (an entity
        named in two scopes): when none is, the primary key's order is the listing's."""
        rows, ids = self.conn.execute(_SPANS, {"kind": kind}).one()
        return bool(rows != ids)

    # -- items by id ------------------------------------------------------------------------
    def items_by_id(self, kind: str, ids: Iterable[str], *, as_text: bool = False
                    ) -> list[Any]:
        """The items of ``kind`` with these ids, each merged over its scopes, in the
        order given (unknown ids are left out); ``as_text``: each as JSON text (as
        stored, when one scope holds it), for a response that need not decode it."""
        return [item for _, item in self._load(kind, ids, as_text=as_text)]

    def _load(self, kind: str, ids: Iterable[str], *, as_text: bool = False
              ) -> list[tuple[str, Any]]:
        """``(first scope, merged item)`` for the stored ids of ``kind``, in the order
        given."""
        wanted = list(dict.fromkeys(ids))
        rows: dict[str, list[tuple[str, Any]]] = {}
        stmt = _BY_ID_TEXT if as_text else _BY_ID
        for chunk in _chunks(wanted):
            for item_id, scope, data in self.conn.execute(stmt, {"kind": kind,
                                                                 "ids": list(chunk)}):
                rows.setdefault(item_id, []).append((scope, data))
        return [_merged(kind, rows[i], as_text) for i in wanted if i in rows]

    def items_touching(self, kind: str, article_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Every item of ``kind`` that touches one of ``article_ids`` (stored or not), in
        listing order: a story's claims, an article's reuse pairs."""
        wanted = list(dict.fromkeys(article_ids))
        rows: dict[str, dict[str, Any]] = {}  # item id -> scope -> body
        for chunk in _chunks(wanted):  # an item seen in two chunks: its rows once
            for item_id, scope, data in self.conn.execute(
                    _TOUCHING, {"kind": kind, "article_ids": list(chunk)}):
                rows.setdefault(item_id, {})[scope] = data
        loaded = [_merged(kind, list(held.items())) for held in rows.values()]
        return [item for _, item in sorted(loaded, key=lambda r: (r[0], str(r[1].get("id"))))]

    # -- filtered listings ------------------------------------------------------------------
    def count_items(self, kind: str, f: ResultFilter = NO_FILTER) -> int:
        """How many items of ``kind`` pass ``f``."""
        if f.empty:
            return int(self.conn.execute(_COUNT, {"kind": kind}).scalar_one())
        return int(self.conn.execute(_statements(kind, f.shape)[1], f.params()).scalar_one())

    def page_items(self, kind: str, *, limit: int = 50, offset: int = 0,
                   one_scope_each: bool = False, as_text: bool = False) -> list[Any]:
        """One page of every item of ``kind``, in listing order (``as_text``: as in
        :meth:`items_by_id`).

        ``one_scope_each``: the caller knows (:meth:`spans_scopes`) that no id of
        ``kind`` is in two scopes, so the page is a range of the primary key.

        Past the first :data:`BOOKMARK` items the page starts from the bookmark before
        ``offset`` (:meth:`bookmark`), the same page as the offset gives.
        """
        key, rest = self.bookmark(kind, offset, first_rows=not one_scope_each)
        stmts = _FROM_START if key is None else _FROM_BOOKMARK
        params: dict[str, Any] = {"kind": kind, "limit": limit, "offset": rest}
        if key is not None:
            params.update(from_scope=key[0], from_item=key[1])
        if one_scope_each:
            rows = self.conn.execute(stmts["range_text" if as_text else "range"],
                                     params).all()
            return [data for _, _, data in sorted(rows, key=lambda r: (r[1], r[0]))]
        ids = self.conn.execute(stmts["first_rows"], params).scalars()
        return self.items_by_id(kind, ids, as_text=as_text)

    def bookmark(self, kind: str, offset: int, *, first_rows: bool = False
                 ) -> tuple[tuple[str, str] | None, int]:
        """Where a page of every item of ``kind`` at ``offset`` starts: the key (scope,
        item id) of the item at the last multiple of :data:`BOOKMARK` at or before it,
        and how many items after that key to skip; ``(None, offset)`` from the start
        (an offset within the first BOOKMARK items, or past the end). ``first_rows``:
        the listing counts each id once, at its first scope.

        A bookmark not known yet for this results generation is found from the nearest
        known one before it (one walk over the items between them, once)."""
        block = offset // BOOKMARK
        if block == 0:
            return None, offset
        store_gen, results_gen = self.generations()
        token = results_gen or store_gen  # as the view's caches key (no results token yet)
        marks = _bookmarks(self.store)
        listing = (kind, first_rows)
        known, key = marks.nearest(token, listing, block)
        if known < block:
            stmts = _FROM_START if key is None else _FROM_BOOKMARK
            params: dict[str, Any] = {"kind": kind, "offset": (block - known) * BOOKMARK}
            if key is not None:
                params.update(from_scope=key[0], from_item=key[1])
            row = self.conn.execute(stmts["first_key" if first_rows else "key"],
                                    params).first()
            if row is None:  # past the end: the page is empty either way
                return None, offset
            key = (str(row[0]), str(row[1]))
            marks.keep(token, listing, block, key)
        return key, offset - block * BOOKMARK

    def matching_ids(self, kind: str, f: ResultFilter, *, limit: int, offset: int = 0
                     ) -> tuple[int | None, list[str]]:
        """The ids of a page of the items of ``kind`` that pass ``f`` (not empty), in
        listing order, and how many pass in all; None for that when the page is empty
        (offset past the end), which :meth:`count_items` then tells."""
        rows = self.conn.execute(_statements(kind, f.shape)[0],
                                 {**f.params(), "limit": limit, "offset": offset}).all()
        return (int(rows[0][-1]) if rows else None), [row[0] for row in rows]

    # -- events -----------------------------------------------------------------------------
    def count_events(self, f: ResultFilter = NO_FILTER) -> int:
        """How many events of stories pass ``f`` (by their own articles)."""
        return int(self.conn.execute(_statements(EVENTS, f.shape)[1], f.params()
                                     ).scalar_one())

    def page_events(self, f: ResultFilter = NO_FILTER, *, limit: int = 50, offset: int = 0
                    ) -> tuple[int | None, list[dict[str, Any]]]:
        """One page of the stories' events that pass ``f``, each with its ``story_id``,
        in story order then event order; and the total, as :meth:`matching_ids`."""
        rows = self.conn.execute(_statements(EVENTS, f.shape)[0],
                                 {**f.params(), "limit": limit, "offset": offset}).all()
        stories = {s.get("id"): s for s in self.items_by_id("stories", [r[0] for r in rows])}
        out = []
        for story_id, part, _ in rows:
            events = (stories.get(story_id) or {}).get("events") or []
            if part < len(events):
                out.append({**events[part], "story_id": story_id})
        return (int(rows[0][2]) if rows else None), out

    def story_choices(self, limit: int = 500) -> list[tuple[str, str | None]]:
        """``(id, title)`` of the first ``limit`` stories in listing order: the choices
        of a story filter, read without the stories' bodies."""
        title = results.c.data["title"].as_string()
        stmt = (select(results.c.item_id, title).where(results.c.kind == "stories")
                .order_by(results.c.scope, results.c.item_id).limit(limit * 2))
        out: dict[str, str | None] = {}
        for item_id, name in self.conn.execute(stmt):
            out.setdefault(item_id, name)  # an id in two scopes: its first
        return list(out.items())[:limit]


def _merged(kind: str, held: list[tuple[str, Any]], as_text: bool = False
            ) -> tuple[str, Any]:
    """``(first scope, item)`` of one id's rows ``(scope, item)``, merged in scope order
    (``as_text``: the rows and the answer are JSON text)."""
    if len(held) == 1:
        return held[0]
    from newstrace.scopes import merge_items

    held.sort(key=lambda r: r[0])
    items = [json.loads(data) if as_text else data for _, data in held]
    merged = merge_items(kind, items)[0]
    return held[0][0], json.dumps(merged) if as_text else merged


@lru_cache(maxsize=256)
def _statements(kind: str, shape: tuple[bool, bool, bool, bool]) -> tuple[Any, Any]:
    """``(page, count)`` statements of the filtered listing of ``kind`` for filters of
    one :attr:`ResultFilter.shape`, built once with bound parameters (the page's with
    the total over the window: the matches are all read to be sorted anyway).

    The candidates are the distinct items (for :data:`EVENTS`: story and event index)
    of the ``result_articles`` rows whose article passes: the articles come from an
    ``IN (SELECT ...)`` over their indexes, or, for a story, are the story's few
    articles, each checked by its primary key (an IN over every passing article would
    read them all when only the story is set). The article conditions are those of
    :meth:`Store.filter_articles`.
    """
    outlet, since, until, story = shape
    events = kind == EVENTS
    found = select(ra.c.item_id, *([ra.c.part] if events else [])).where(ra.c.kind == kind)
    if story and kind in ("stories", EVENTS):
        found = found.where(ra.c.item_id == bindparam("story", type_=String))
    passing = select(articles.c.id).where(*article_conditions(
        *(bindparam(name, type_=String) if on else None
          for name, on in (("outlet", outlet), ("since", since), ("until", until)))))
    if events and not (outlet or since or until):
        pass  # a story's events (or every event), whatever their articles
    elif story and not events:
        found = found.where(ra.c.article_id.in_(_story_articles(bindparam("story", type_=String))),
                            passing.where(articles.c.id == ra.c.article_id).exists())
    else:
        found = found.where(ra.c.article_id.in_(passing))
    sub = found.distinct().subquery()
    first = _first_scope("stories" if events else kind, sub.c.item_id)
    order = [first, sub.c.item_id, *([sub.c.part] if events else [])]
    page = (select(*sub.c, func.count().over()).order_by(*order)
            .limit(_LIMIT).offset(_OFFSET))
    return page, select(func.count()).select_from(sub)


def _story_articles(story: Any) -> Any:
    """The articles of ``story`` (over its scopes) as a subquery on the primary key of
    ``result_articles`` (scope, kind, item), without reading the story."""
    scopes = select(results.c.scope).where(results.c.kind == "stories",
                                           results.c.item_id == story)
    return select(ra.c.article_id).where(ra.c.scope.in_(scopes), ra.c.kind == "stories",
                                         ra.c.item_id == story)


def _first_scope(kind: str, item_id: ColumnElement[Any]) -> Any:
    """The first scope holding ``item_id`` of ``kind`` (one probe of (kind, item, scope))."""
    return (select(func.min(results.c.scope))
            .where(results.c.kind == kind, results.c.item_id == item_id).scalar_subquery())
