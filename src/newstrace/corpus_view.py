"""A read view of a corpus for the edges that answer many requests (the HTTP API and
the web UI) over one :class:`newstrace.corpus.Corpus`.

Every listing, filter and page is answered by the store's indexes
(:mod:`newstrace.store.listing`): a request reads the items it returns and a few index
entries, never every item of a kind nor the whole article index, so it costs the same
over ten thousand articles or millions. Only the whole report (``/api/report``,
``/api/graph``) still reads everything.

What is dear to recompute and small (totals, the stage status, the article count, the
ordered ids of a filtered listing of at most :data:`SMALL` items) is kept in a
:class:`GenerationCache`, bounded by weight and keyed by a generation token of the
store read in the same transaction as the answer: what is made of analysis results by
:meth:`newstrace.store.Store.results_generation` (changed by every write of results or
states, and by an ingest of articles a result names or of a new outlet: not by an
ingest the results cannot show), the article count by
:meth:`newstrace.store.Store.generation` (every write). A cached answer is never one
that was replaced, by this process or by another (the other workers of
``newstrace serve --workers N``, a CLI ingest). The items themselves are read for each
page.

    >>> from newstrace.corpus import Corpus
    >>> view = CorpusView(Corpus.open(":memory:"))
    >>> view.page("claims", outlet="CNN")["total"], view.status()["claims"]
    (0, 'not available: not run on this store yet')
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from newstrace.corpus import Corpus
from newstrace.registry import KEY_STAGE, STAGES
from newstrace.report.build import ANALYSIS_KEYS, build_report
from newstrace.store import Store
from newstrace.store.listing import ResultFilter, ResultReader, read_generations, reader
from newstrace.store.search import article_index

#: the state the server's analyse jobs record their stages' outcome in (read by
#: :meth:`CorpusView.status`)
STATUS_STATE = "web.analyses"
#: what the cache may hold, in ids (a total or a status counts as one): the ordered ids
#: of small filtered listings, so that paging through one slices a list
CACHE_BUDGET = 200_000
#: a filtered listing of at most this many items is kept whole (its ordered ids) and is
#: quick to page (see CorpusView.small_page)
SMALL = 5000

T = TypeVar("T")


def _strings(value: Any, out: set[str]) -> set[str]:
    """Every string inside ``value`` (JSON data) that could be an article id."""
    if isinstance(value, str):
        if 0 < len(value) <= 32:
            out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    return out


def _results_gen(r: ResultReader) -> str:
    """The token a cache of results answers keys on: the results generation or, in a
    store that has none yet (written before it existed), the generation of every
    write, which is as safe and only lasts less."""
    store_gen, results_gen = r.generations()
    return results_gen or store_gen


class GenerationCache:
    """A least-recently-used map for one store generation at a time, bounded by the
    total weight of its values (an id list weighs its length); thread-safe.

    A :meth:`get` for another generation forgets everything (the store changed); a
    :meth:`put` for another generation than the one held is dropped instead, when
    something is held: it comes from a request that read the token before a newer
    request saw the change, and switching back would empty the cache for nothing.

    >>> cache = GenerationCache(budget=3)
    >>> cache.put("g1", "a", [1, 2], weight=2); cache.put("g1", "b", 7)
    >>> cache.get("g1", "a"), cache.get("g2", "a")  # another generation: all forgotten
    ([1, 2], None)
    >>> cache.put("g2", "c", 1); cache.put("g1", "d", 2)  # late, from a g1 reader
    >>> cache.get("g2", "c"), cache.get("g2", "d"), len(cache)
    (1, None, 1)
    """

    def __init__(self, budget: int = CACHE_BUDGET) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._gen = ""
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._weight = 0

    def _at(self, gen: str) -> None:
        if gen != self._gen:  # the store changed: nothing kept is an answer any more
            self._gen, self._items, self._weight = gen, OrderedDict(), 0

    def get(self, gen: str, key: Hashable) -> Any:
        """The value under ``key`` for generation ``gen``, or None."""
        with self._lock:
            self._at(gen)
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        """The total weight of what is held."""
        return self._weight

    def put(self, gen: str, key: Hashable, value: Any, weight: int = 1) -> None:
        with self._lock:
            if gen != self._gen and self._items:
                return  # a late answer of another generation (see the class)
            self._at(gen)
            if weight > self.budget:
                return
            old = self._items.pop(key, None)
            self._weight += weight - (old[1] if old else 0)
            self._items[key] = (value, weight)
            while self._weight > self.budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items, self._weight = OrderedDict(), 0

    def cached(self, gen: str, key: Hashable, load: Callable[[], T]) -> T:
        """The value under ``key``, from ``load()`` the first time."""
        value = self.get(gen, key)
        if value is None:
            value = load()
            self.put(gen, key, value)
        return value  # type: ignore[no-any-return]


class CorpusView:
    """Analysis results of ``corpus`` a page at a time, filtered by the articles they
    touch; thread-safe (a server's threads share one)."""

    def __init__(self, corpus: Corpus, budget: int = CACHE_BUDGET) -> None:
        self.corpus = corpus
        #: what is made of results (and outlets), keyed by the results generation
        self.cache = GenerationCache(budget)
        #: the article count, keyed by the generation of every write
        self._count = GenerationCache(1)

    @property
    def store(self) -> Store:
        return self.corpus.store

    def cached(self, key: Hashable, load: Callable[[], T]) -> T:
        """``load()``, computed once per results generation under ``key``: an edge's own
        values derived from the results and the outlets (the web UI's rendered filter
        choices)."""
        with reader(self.store) as r:
            return self.cache.cached(_results_gen(r), key, load)

    def cached_each(self, keys: Sequence[Hashable],
                    load: Callable[[list[Hashable]], dict[Hashable, T]],
                    weigh: Callable[[T], int] = lambda _: 1) -> dict[Hashable, T]:
        """The values under ``keys`` for this results generation, those not kept yet
        from one ``load(missing keys)`` (a page's parts drawn together: their inputs are
        read in one query), each kept with the weight ``weigh(value)``."""
        gen = self._results_token()
        found: dict[Hashable, T] = {}
        for key in keys:
            value = self.cache.get(gen, key)
            if value is not None:
                found[key] = value
        missing = [key for key in keys if key not in found]
        if missing:
            for key, value in load(missing).items():
                self.cache.put(gen, key, value, weight=max(1, weigh(value)))
                found[key] = value
        return found

    def _results_token(self) -> str:
        store_gen, results_gen = read_generations(self.store)
        return results_gen or store_gen

    def outlets(self) -> list[str]:
        """The stored articles' outlets, sorted (cached: they are read from an index
        whole)."""
        return self.cached(("outlets",), self.corpus.outlets)

    def invalidate(self) -> None:
        """Forget what was read (a job of this process ended). Not needed for
        correctness, the generation token already changed: it frees the memory."""
        self.cache.clear()
        self._count.clear()

    # -- listings -------------------------------------------------------------------------------
    def page(self, kind: str, *, limit: int = 50, offset: int = 0, outlet: str | None = None,
             since: str | None = None, until: str | None = None, story: str | None = None,
             as_text: bool = False) -> dict[str, Any]:
        """One page of the items of ``kind`` touching at least one stored article that
        passes the filters (``story``: among that story's articles), with the total, as
        :class:`~newstrace.api.models.PageOut`; ``as_text``: each item as JSON text.

        Totals are cached, and so are the ordered ids of a filtered listing of at most
        :data:`SMALL` items (its later pages are slices); the items are read each time.
        """
        found = self._page(kind, ResultFilter(outlet, since, until, story), limit, offset,
                           only_if_small=False, as_text=as_text)
        assert found is not None
        return found

    def small_page(self, kind: str, *, limit: int = 50, offset: int = 0,
                   outlet: str | None = None, since: str | None = None,
                   until: str | None = None, story: str | None = None,
                   as_text: bool = False) -> dict[str, Any] | None:
        """:meth:`page` when it is known to be quick (unfiltered, a story's, or a filter
        known to match at most :data:`SMALL` items), else None: a server answers those
        on its event loop and the others in a thread, so that a filter matching half the
        corpus does not hold up every other request."""
        return self._page(kind, ResultFilter(outlet, since, until, story), limit, offset,
                          only_if_small=True, as_text=as_text)

    def _page(self, kind: str, f: ResultFilter, limit: int, offset: int, *,
              only_if_small: bool, as_text: bool) -> dict[str, Any] | None:
        cache = self.cache
        with reader(self.store) as r:
            gen = _results_gen(r)
            if f.empty:
                total = cache.cached(gen, ("count", kind), lambda: r.count_items(kind))
                items: list[Any] = []
                if offset < total:
                    spans = cache.cached(gen, ("spans", kind), lambda: r.spans_scopes(kind))
                    items = r.page_items(kind, limit=limit, offset=offset,
                                         one_scope_each=not spans, as_text=as_text)
                return {"total": total, "limit": limit, "offset": offset, "items": items}
            ids: list[str] | None = cache.get(gen, ("ids", kind, f))
            if ids is None:
                total = cache.get(gen, ("count", kind, f))
                if only_if_small and not f.story and (total is None or total > SMALL):
                    return None
                if total is None or total <= SMALL:  # read whole, if it is small
                    told, first = r.matching_ids(kind, f, limit=SMALL + 1)
                    total = told or 0
                    cache.put(gen, ("count", kind, f), total)
                    if total <= SMALL:
                        ids = first
                        cache.put(gen, ("ids", kind, f), ids, weight=max(1, len(ids)))
            if ids is not None:
                total, page_ids = len(ids), ids[offset:offset + limit]
            else:  # a large listing: its page alone
                page_ids = r.matching_ids(kind, f, limit=limit, offset=offset)[1]
            items = r.items_by_id(kind, page_ids, as_text=as_text)
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    def events_page(self, *, limit: int = 50, offset: int = 0, outlet: str | None = None,
                    since: str | None = None, until: str | None = None,
                    story: str | None = None) -> dict[str, Any]:
        """One page of the stories' events (each with its ``story_id``) whose own
        articles pass the filters; every event of ``story`` when only it is set."""
        f = ResultFilter(outlet, since, until, story)
        with reader(self.store) as r:
            gen = _results_gen(r)
            total = self.cache.get(gen, ("events", f))
            items: list[dict[str, Any]] = []
            if total is None or offset < total:
                told, items = r.page_events(f, limit=limit, offset=offset)
                total = told if told is not None else total
            if total is None:  # past the end: count
                total = r.count_events(f)
            self.cache.put(gen, ("events", f), total)
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    def item(self, kind: str, item_id: str, *, as_text: bool = False) -> Any:
        """One item by its id (merged over its scopes; ``as_text``: as JSON text); None
        when there is none."""
        with reader(self.store) as r:
            found = r.items_by_id(kind, [item_id], as_text=as_text)
        return found[0] if found else None

    def has_story(self, story_id: str) -> bool:
        with reader(self.store) as r:
            return r.has_item("stories", story_id)

    def story_article_ids(self, story_id: str) -> set[str] | None:
        """The articles of a story; None when there is no such story (a 404, not [])."""
        story = self.item("stories", story_id)
        return None if story is None else set(story.get("article_ids") or [])

    def touching(self, kind: str, article_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Every item of ``kind`` about one of ``article_ids`` (a story's or an article's
        page), in listing order."""
        return self.touching_each((kind,), article_ids)[kind]

    def touching_each(self, kinds: Iterable[str], article_ids: Iterable[str]
                      ) -> dict[str, list[dict[str, Any]]]:
        """:meth:`touching` for each of ``kinds``, in one read transaction (a story's
        page shows five kinds: one connection rather than five); a kind with no item
        stored at all (known per results generation) is not looked up."""
        ids = list(article_ids)
        with reader(self.store) as r:
            gen = _results_gen(r)
            out: dict[str, list[dict[str, Any]]] = {}
            for kind in kinds:
                stored = self.cache.cached(gen, ("has", kind), lambda k=kind: r.has_items(k))
                out[kind] = r.items_touching(kind, ids) if stored else []
            return out

    def story_choices(self, selected: str | None = None) -> list[tuple[str, str | None]]:
        """``(id, title)`` of the stories a story filter offers (the first ones, and the
        ``selected`` one)."""
        with reader(self.store) as r:
            choices = self.cache.cached(_results_gen(r), ("choices",), r.story_choices)
            if selected and all(sid != selected for sid, _ in choices):
                found = r.items_by_id("stories", [selected])
                if found:
                    choices = [*choices, (selected, found[0].get("title"))]
        return choices

    def articles_named(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The index entries (id, outlet, published, title) of the stored articles that
        ``items`` name anywhere, in ingest order: what a page of them shows."""
        named: set[str] = set()
        for item in items:
            _strings(item, named)
        return self.articles(named)

    def articles(self, article_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The index entries of the stored articles among ``article_ids``, ingest order."""
        return list(article_index(self.store, ids=list(article_ids)).values())

    # -- status and the whole report ------------------------------------------------------------
    def record_status(self, status: dict[str, str]) -> None:
        """Keep how each stage of an analyse job went, for :meth:`status`."""
        self.store.save_state(STATUS_STATE, {"status": status})

    def status(self) -> dict[str, str]:
        """Each stage's last outcome: recorded by a job, "done" where the stage's results
        are stored without one (analysed elsewhere), else "not available"."""
        with reader(self.store) as r:
            def load() -> dict[str, str]:
                saved = r.state(STATUS_STATE) or {}
                status = dict(saved.get("status") or {})
                for key, stage in KEY_STAGE.items():
                    if stage not in status and r.has_items(key):
                        status[stage] = "done"
                for stage in (s.name for s in STAGES):
                    status.setdefault(stage, "not available: not run on this store yet")
                return status
            return dict(self.cache.cached(_results_gen(r), ("status",), load))

    def article_count(self) -> int:
        """How many articles the corpus holds (cached until any write: counting reads
        an index whole)."""
        with reader(self.store) as r:
            return self._count.cached(r.generation(), ("articles",), r.count_articles)

    def report(self) -> dict[str, Any]:
        """The whole report: every article and every item, read for each call (the one
        answer that is about everything)."""
        arts = self.store.list_articles()
        items = {k: self.store.items(k) for k in ANALYSIS_KEYS}
        return build_report(arts, items, status=self.status(), errors=self.store.errors())
