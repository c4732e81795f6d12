"""Online clustering of articles into events, and of events into stories.

After Miranda et al. (EMNLP 2018), "Multilingual Clustering of Streaming News":
an arriving article is scored against the events that share its terms or names
(an inverted index, so the cost does not grow with the number of events), using
per-field TF-IDF cosines (title, body, names), the cosine of multilingual dense
vectors, and a decay with the distance in time between event dates. It joins the
best event above a threshold or opens a new one; a new event joins the best story
above a lower threshold or opens one. Nothing is re-clustered on arrival, and the
same articles in the same order give the same clusters.

>>> clusterer = StoryClusterer()
>>> event_id, story_id = clusterer.add(article)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newstrace.nlp import embeddings
from newstrace.nlp.similarity import first_best
from newstrace.nlp.temporal import days_apart
from newstrace.records import Article
from newstrace.stages import RowStore
from newstrace.stories.features import Features, extract
from newstrace.stories.tables import StoredMap
from newstrace.stories.tfidf import IncrementalTfidf, cosine

#: Weights of the similarity features. Hand-set, then the two thresholds were
#: chosen on the odd-numbered ECB+ dev topics (see docs/benchmarks.md).
WEIGHTS = {"title": 0.15, "body": 0.35, "names": 0.25, "dense": 0.25}
EVENT_THRESHOLD = 0.15
STORY_THRESHOLD = 0.08
#: Gaussian decay with the days between event dates (Miranda et al. 2018): an event is
#: short-lived, a story is not. The floor keeps strong content matches possible.
EVENT_DAYS = 7.0
STORY_DAYS = 60.0
TIME_FLOOR = 0.2
MAX_TERMS = 300  # terms kept per cluster field (the heaviest)
INDEX_TERMS = 15  # an article looks up events through its heaviest terms and names
MAX_CANDIDATES = 30  # events scored per article: those sharing the most lookup keys
STATE_VERSION = 1
ROWS_VERSION = "rows-1"  # the state of a clusterer whose structures are rows


@dataclass
class Cluster:
    """An event (``parent`` = its story) or a story: pooled features of its members."""

    id: str
    members: list[str] = field(default_factory=list)  # article ids (events) or event ids
    title: Counter[str] = field(default_factory=Counter)
    body: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    vector_sum: np.ndarray = field(default_factory=lambda: np.zeros(embeddings.DIM, np.float32))
    dates: list[str] = field(default_factory=list)
    parent: str | None = None
    _cache: dict[str, Any] | None = None

    def absorb(self, f: Features | Cluster, member: str | None) -> None:
        """Pool ``f``'s features into this cluster; ``member`` joins the member list."""
        if member is not None:
            self.members.append(member)
        for mine, theirs in ((self.title, f.title), (self.body, f.body), (self.names,
                                                                            f.names)):
            mine.update(theirs)
            if len(mine) > MAX_TERMS * 2:  # keep the heaviest terms: bounded cost per event
                for term, _ in mine.most_common()[MAX_TERMS:]:
                    del mine[term]
        self.vector_sum = self.vector_sum + (f.vector if isinstance(f, Features)
                                             else f.vector_sum)
        dates = [f.date] if isinstance(f, Features) else f.dates
        self.dates.extend(d for d in dates if d)
        self._cache = None

    @property
    def date(self) -> str | None:
        """The event's date: the most common member date (earliest on ties)."""
        if not self.dates:
            return None
        counts = Counter(self.dates)
        return min(counts, key=lambda d: (-counts[d], d))

    def to_state(self) -> dict[str, Any]:
        return {"id": self.id, "members": self.members, "title": dict(self.title),
                "body": dict(self.body), "names": dict(self.names),
                "vector_sum": base64.b64encode(self.vector_sum.astype(np.float32).tobytes())
                .decode("ascii"), "dates": self.dates, "parent": self.parent,
                # the term weights in use, as they were when first needed: the clusters
                # of a store read in a later run score exactly as if it had never stopped
                "weights": None if self._cache is None else
                {k: self._cache[k] for k in ("title", "body", "names")}}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Cluster:
        vector = np.frombuffer(base64.b64decode(data["vector_sum"]), dtype=np.float32).copy()
        cluster = cls(data["id"], list(data["members"]), Counter(data["title"]),
                      Counter(data["body"]), Counter(data["names"]), vector,
                      list(data["dates"]), data["parent"])
        weights = data.get("weights")
        if weights is not None:
            norm = float(np.linalg.norm(vector)) or 1.0
            cluster._cache = {**weights, "dense": vector / norm}
        return cluster


class StoryClusterer:
    """Events and stories built one article at a time.

    With ``rows`` (a store's rows for this stage) events, stories, lookup keys, the
    article -> event map and document frequencies are read from the store as new
    articles need them and written back by :meth:`flush`; ``state`` (from
    :meth:`to_state`) then only counts documents. Without, everything is in memory
    and :meth:`to_state` is a whole snapshot.
    """

    def __init__(self, event_threshold: float = EVENT_THRESHOLD,
                 story_threshold: float = STORY_THRESHOLD, rows: RowStore | None = None,
                 docs: tuple[int, int] = (0, 0)) -> None:
        self.event_threshold = event_threshold
        self.story_threshold = story_threshold
        self.rows = rows
        self.words = IncrementalTfidf(StoredMap(rows, "w:", int, int), docs[0])
        self.name_df = IncrementalTfidf(StoredMap(rows, "n:", int, int), docs[1])
        self.events: StoredMap[Cluster] = StoredMap(rows, "e:", Cluster.to_state,
                                                    Cluster.from_state)
        self.stories: StoredMap[Cluster] = StoredMap(rows, "s:", Cluster.to_state,
                                                     Cluster.from_state)
        self.event_of: StoredMap[str] = StoredMap(rows, "a:", str, str)
        self.index: StoredMap[list[str]] = StoredMap(rows, "i:", list, list)  # key -> events
        self.features: dict[str, Features] = {}  # this session's articles, for summaries

    def _maps(self) -> tuple[StoredMap[Any], ...]:
        return (self.words.df, self.name_df.df, self.events, self.stories,  # type: ignore[return-value]
                self.event_of, self.index)

    def flush(self) -> None:
        """Write what changed to the store's rows (nothing to do in memory)."""
        for rows in self._maps():
            rows.flush()

    def prefetch_articles(self, article_ids: list[str]) -> None:
        """Read ahead where ``article_ids`` were placed, and their events and stories."""
        self.event_of.prefetch(article_ids)
        events = [self.event_of[a] for a in article_ids if a in self.event_of]
        self.events.prefetch(events)
        self.stories.prefetch(self.events[e].parent or "" for e in events)

    def story_of(self, article_id: str) -> str:
        """The story of a placed article ("" while its event is in none)."""
        return self.events[self.event_of[article_id]].parent or ""

    def story_members(self, story_id: str) -> list[str]:
        """Every article of a story, event by event."""
        events = self.stories[story_id].members
        self.events.prefetch(events)
        return [a for e in events for a in self.events[e].members]

    def _touch(self, cluster: Cluster) -> None:
        (self.events if cluster.id.startswith("event-") else self.stories).touch(cluster.id)

    def _prefetch_terms(self, clusters: list[Cluster]) -> None:
        """Read the frequencies the weights of ``clusters`` need, in one go each."""
        fresh = [c for c in clusters if c._cache is None]
        if fresh:
            self.words.df.prefetch(t for c in fresh for t in (*c.title, *c.body))  # type: ignore[attr-defined]
            self.name_df.df.prefetch(t for c in fresh for t in c.names)  # type: ignore[attr-defined]

    # -- scoring ------------------------------------------------------------------------------
    def _weighted(self, c: Cluster | Features) -> dict[str, Any]:
        cached = getattr(c, "_cache", None)
        if cached is not None:
            return cached
        vector = c.vector if isinstance(c, Features) else c.vector_sum
        norm = float(np.linalg.norm(vector)) or 1.0
        weighted = {"title": self.words.weigh(c.title), "body": self.words.weigh(c.body),
                    "names": self.name_df.weigh(c.names), "dense": vector / norm}
        if isinstance(c, Cluster):
            c._cache = weighted
            self._touch(c)  # the weights in use are kept with the cluster
        return weighted

    def similarity(self, a: Cluster | Features, b: Cluster, date_a: str | None,
                   date_b: str | None, days: float = EVENT_DAYS) -> float:
        wa, wb = self._weighted(a), self._weighted(b)
        dense = float(wa["dense"] @ wb["dense"])
        # multilingual news vectors are all fairly close: rescale 0.5..1 to 0..1
        score = (WEIGHTS["title"] * cosine(wa["title"], wb["title"])
                 + WEIGHTS["body"] * cosine(wa["body"], wb["body"])
                 + WEIGHTS["names"] * cosine(wa["names"], wb["names"])
                 + WEIGHTS["dense"] * max(0.0, (dense - 0.5) / 0.5))
        apart = days_apart(date_a, date_b)
        if apart is not None:
            score *= max(TIME_FLOOR, math.exp(-0.5 * (apart / days) ** 2))
        return score

    def _lookup_terms(self, f: Features | Cluster) -> list[str]:
        weighted = self._weighted(f)
        heavy = sorted(weighted["body"].items(), key=lambda kv: (-kv[1], kv[0]))[:INDEX_TERMS]
        return [f"w:{t}" for t, _ in heavy] + [f"n:{n}" for n in sorted(f.names)[:INDEX_TERMS]]

    # -- adding -------------------------------------------------------------------------------
    def add(self, article: Article) -> tuple[str, str]:
        """Place ``article`` in an event (and its event in a story); returns their ids."""
        if article.id in self.event_of:
            event = self.events[self.event_of[article.id]]
            return event.id, event.parent or ""
        return self.add_features(extract(article))

    def add_features(self, f: Features) -> tuple[str, str]:
        """Place an article by its extracted features (the expensive part is done)."""
        article_id = f.article_id
        self.features[article_id] = f
        self.words.df.prefetch((*f.title, *f.body))  # type: ignore[attr-defined]
        self.name_df.df.prefetch(f.names)  # type: ignore[attr-defined]
        self.words.observe(list(f.title) + list(f.body))
        self.name_df.observe(f.names)
        keys = self._lookup_terms(f)
        self.index.prefetch(keys)
        shared = Counter(e for k in keys for e in self.index.get(k, [])[-200:])
        ranked = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]
        candidates = sorted(e for e, _ in ranked)
        self.events.prefetch(candidates)
        events = [self.events[e] for e in candidates]
        self._prefetch_terms(events)
        scores = [self.similarity(f, event, f.date, event.date) for event in events]
        close = [n for n, score in enumerate(scores) if score >= self.event_threshold]
        # candidates are sorted by id: on a tie the first one wins, on every machine
        best = events[close[first_best([scores[n] for n in close])]] if close else None
        if best is None:
            best = Cluster(f"event-{article_id}")
            self.events[best.id] = best
            best.absorb(f, article_id)
            self._place_in_story(best, candidates)
        else:
            best.absorb(f, article_id)
            self.events.touch(best.id)
            if best.parent:
                self.stories[best.parent].absorb(f, None)
                self.stories.touch(best.parent)
        self.event_of[article_id] = best.id
        for key in keys:
            bucket = self.index.get(key, [])
            if not bucket or bucket[-1] != best.id:
                # only the last 200 are ever looked at
                self.index[key] = [*bucket[-199:], best.id]
        return best.id, best.parent or ""

    def _place_in_story(self, event: Cluster, neighbour_events: list[str]) -> None:
        parents = {self.events[e].parent for e in neighbour_events}
        self.stories.prefetch(p for p in parents if p)
        stories = [self.stories[s] for s in sorted(p for p in parents if p)]
        self._prefetch_terms(stories)
        scores = [self.similarity(event, story, event.date, story.date, STORY_DAYS)
                  for story in stories]
        close = [n for n, score in enumerate(scores) if score > self.story_threshold]
        # sorted by id: on a tie the first one wins, on every machine
        best = stories[close[first_best([scores[n] for n in close])]] if close else None
        if best is None:
            best = Cluster(f"story-{event.members[0]}")
        best.absorb(event, event.id)
        self.stories[best.id] = best
        event.parent = best.id
        self.events.touch(event.id)

    # -- persistence --------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """With rows: the document counts (the rest is in the rows; :meth:`flush` first).
        In memory: a whole snapshot."""
        if self.rows is not None:
            return {"version": ROWS_VERSION, "docs": [self.words.docs, self.name_df.docs]}
        return {"version": STATE_VERSION,
                "words": {"df": dict(self.words.df), "docs": self.words.docs},
                "names": {"df": dict(self.name_df.df), "docs": self.name_df.docs},
                "events": [e.to_state() for e in self.events.values()],
                "stories": [s.to_state() for s in self.stories.values()],
                "index": {k: v[-200:] for k, v in self.index.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any] | None, rows: RowStore | None = None
                   ) -> StoryClusterer:
        if rows is not None:
            docs = tuple(state["docs"]) if state and state.get("version") == ROWS_VERSION \
                else (0, 0)
            clusterer = cls(rows=rows, docs=docs)  # type: ignore[arg-type]
            if state and state.get("version") == STATE_VERSION:  # an earlier store's state
                clusterer._take(cls.from_state(state))
            return clusterer
        clusterer = cls()
        if not state or state.get("version") != STATE_VERSION:
            return clusterer
        clusterer.words.df.update(state["words"]["df"])
        clusterer.words.docs = state["words"]["docs"]
        clusterer.name_df.df.update(state["names"]["df"])
        clusterer.name_df.docs = state["names"]["docs"]
        for data in state["events"]:
            event = Cluster.from_state(data)
            clusterer.events[event.id] = event
            for article_id in event.members:
                clusterer.event_of[article_id] = event.id
        for data in state["stories"]:
            story = Cluster.from_state(data)
            clusterer.stories[story.id] = story
        for key, events in state["index"].items():
            clusterer.index[key] = list(events)
        return clusterer

    def _take(self, other: StoryClusterer) -> None:
        """Move an in-memory clusterer's contents into this one's rows."""
        for mine, theirs in zip(self._maps(), other._maps(), strict=True):
            for key, value in theirs.held.items():
                mine[key] = value
        self.words.docs, self.name_df.docs = other.words.docs, other.name_df.docs
        self.flush()
