"""A cached, filterable read view of a corpus, for the edges that answer many requests
(the HTTP API and the web UI) over one :class:`newstrace.corpus.Corpus`.

Results are small next to the articles; they are read once and cached for a while (and
dropped when a job of this process changes the store), so listing, filtering and paging
do not go back to the store each time.

    >>> from newstrace.corpus import Corpus
    >>> view = CorpusView(Corpus.open(":memory:"))
    >>> view.filtered("claims", outlet="CNN"), view.status()["claims"]
    ([], 'not available: not run on this store yet')
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from newstrace.corpus import Corpus
from newstrace.registry import KEY_STAGE, STAGES
from newstrace.report.build import ANALYSIS_KEYS, build_report
from newstrace.scopes import item_article_ids
from newstrace.store import Store
from newstrace.store.search import article_index

#: the state the server's analyse jobs record their stages' outcome in (read by
#: :meth:`CorpusView.status`)
STATUS_STATE = "web.analyses"

T = TypeVar("T")


class CorpusView:
    """Analysis results of ``corpus`` by kind and id, filtered by the articles they touch,
    each cached for ``ttl`` seconds; thread-safe (a server's workers share one)."""

    def __init__(self, corpus: Corpus, ttl: float = 30.0) -> None:
        self.corpus = corpus
        self.ttl = ttl
        self._lock = threading.Lock()
        self._load_lock = threading.RLock()  # single flight: one reload, the others wait
        self._cache: dict[str, tuple[float, Any]] = {}

    @property
    def store(self) -> Store:
        return self.corpus.store

    def invalidate(self) -> None:
        """Forget what was read: the store changed (a job of this process ended)."""
        with self._lock:
            self._cache.clear()

    def _cached(self, key: str, load: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        with self._load_lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
            value = load()
            with self._lock:
                self._cache[key] = (time.monotonic(), value)
        return value

    def by_id(self, kind: str) -> dict[str, dict[str, Any]]:
        return self._cached("byid:" + kind,
                            lambda: {str(i.get("id")): i for i in self.items(kind)})

    def _idsets(self, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
        return self._cached("ids:" + kind,
                            lambda: [(i, item_article_ids(i)) for i in self.items(kind)])

    def items(self, kind: str) -> list[dict[str, Any]]:
        return self._cached("items:" + kind, lambda: self.store.items(kind))

    def index(self) -> dict[str, dict[str, Any]]:
        return self._cached("index", lambda: article_index(self.store))

    def record_status(self, status: dict[str, str]) -> None:
        """Keep how each stage of an analyse job went, for :meth:`status`."""
        self.store.save_state(STATUS_STATE, {"status": status})

    def status(self) -> dict[str, str]:
        """Each stage's last outcome: recorded by a job, "done" where the stage's results
        are stored without one (analysed elsewhere), else "not available"."""
        def load() -> dict[str, str]:
            saved = self.store.load_state(STATUS_STATE) or {}
            status = dict(saved.get("status") or {})
            for key, stage in KEY_STAGE.items():
                if stage not in status and self.items(key):
                    status[stage] = "done"
            for stage in (s.name for s in STAGES):
                status.setdefault(stage, "not available: not run on this store yet")
            return status
        return self._cached("status", load)

    def story_article_ids(self, story_id: str) -> set[str] | None:
        """The articles of a story; None when there is no such story (a 404, not [])."""
        story = self.by_id("stories").get(story_id)
        return None if story is None else set(story.get("article_ids") or [])

    # -- filters ------------------------------------------------------------------------------
    def _article_ok(self, aid: str, outlet: str | None, since: str | None, until: str | None
                    ) -> bool:
        meta = self.index().get(aid)
        if meta is None:
            return False
        if outlet and meta.get("outlet") != outlet:
            return False
        day = (meta.get("published") or "")[:10]
        if since and (not day or day < since[:10]):
            return False
        return not (until and (not day or day > until[:10]))

    def filtered(self, kind: str, *, outlet: str | None = None, since: str | None = None,
                 until: str | None = None, story: str | None = None) -> list[dict[str, Any]]:
        """Items of ``kind`` touching at least one article that passes the filters."""
        story_ids = self.story_article_ids(story) if story else None
        if not (outlet or since or until or story):
            return self.items(kind)
        pairs = self._idsets(kind)
        if story and kind == "stories":
            pairs = [(i, ids) for i, ids in pairs if i.get("id") == story]
        out = []
        for item, ids in pairs:
            if story_ids is not None and kind != "stories":
                ids = [a for a in ids if a in story_ids]
            if any(self._article_ok(a, outlet, since, until) for a in ids):
                out.append(item)
        return out

    def events(self, **filters: Any) -> list[dict[str, Any]]:
        """The stories' events, each with its ``story_id``, filtered as :meth:`filtered`."""
        story = filters.pop("story", None)
        out = []
        for s in self.items("stories"):
            if story and s.get("id") != story:
                continue
            for ev in s.get("events") or []:
                ev = {**ev, "story_id": s.get("id")}
                ids = ev.get("article_ids") or []
                if any(filters.values()) and not any(self._article_ok(a, **filters) for a in ids):
                    continue
                out.append(ev)
        return out

    def report(self) -> dict[str, Any]:
        """The whole report, from the cached results and the view's stage status."""
        arts = self.store.list_articles()
        items = {k: self.items(k) for k in ANALYSIS_KEYS}
        return build_report(arts, items, status=self.status(), errors=self.store.errors())
