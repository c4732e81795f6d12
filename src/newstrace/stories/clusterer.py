"""Online clustering of articles into events, and of events into stories.

After Miranda et al. (EMNLP 2018), "Multilingual Clustering of Streaming News":
an arriving article is scored against the events that share its terms or names
(an inverted index, so the cost does not grow with the number of events), using
per-field TF-IDF cosines (title, body, names), the cosine of multilingual dense
vectors, and a decay with the distance in time between event dates. It joins the
best event above a threshold or opens a new one; a new event joins the best story
above a lower threshold or opens one.

Arrival order does not decide the answer (:meth:`StoryClusterer.place_all`): a batch's
articles are placed in their canonical order (date, then id), and a story that a
late-arriving article joins ahead of members already placed (an original that comes
after its copies) is placed again, every member in canonical order, their words counted
again as they are placed. So articles arriving in canonical order, in one batch or
many, give exactly the clusters of one batch; a late arrival gives those of one batch
for the stories it touches, up to the document frequencies of the articles the replay
does not touch (counted whole where one batch would count a prefix).

>>> clusterer = StoryClusterer()
>>> event_id, story_id = clusterer.add(article)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
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
#: a story larger than this is not placed again for a late arrival (the cost of a
#: replay is its members'): its newcomers are placed online, in canonical order
REPLAY_MAX = 2_000
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
    # the member last in canonical order (:func:`canonical`): what tells, without reading
    # the members, whether a newcomer comes before one of them; None with members: not
    # known (a row of a version that did not keep it)
    latest: tuple[str, str] | None = None
    _cache: dict[str, Any] | None = None

    @property
    def latest_known(self) -> bool:
        return self.latest is not None or not self.members

    def absorb(self, f: Features | Cluster, member: str | None) -> None:
        """Pool ``f``'s features into this cluster; ``member`` joins the member list."""
        was_known = self.latest_known
        theirs, known = ((canonical(f), True) if isinstance(f, Features)
                         else (f.latest, f.latest_known))
        if not (was_known and known):
            self.latest = None
        elif theirs is not None and (self.latest is None or theirs > self.latest):
            self.latest = theirs
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
                "latest": None if self.latest is None else list(self.latest),
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
        latest = data.get("latest")
        cluster.latest = (latest[0], latest[1]) if latest else None
        weights = data.get("weights")
        if weights is not None:
            norm = float(np.linalg.norm(vector)) or 1.0
            cluster._cache = {**weights, "dense": vector / norm}
        return cluster


@dataclass
class Replayed:
    """What :meth:`StoryClusterer.place_all` placed again: the stories it emptied (their
    ids may be taken again by the new placement) and their members."""

    stories: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)


#: a story's last member in canonical order before a batch touched it: None when it had
#: none, False when not known (a row of an older version)
LastBefore = tuple[str, str] | bool | None


def _note_before(before: dict[str, LastBefore] | None, story: Cluster) -> None:
    """Note ``story``'s last member before the batch (:data:`LastBefore`), the first time
    the batch touches it."""
    if before is not None:
        before.setdefault(story.id, story.latest if story.latest_known else False)


def canonical(f: Features) -> tuple[str, str]:
    """An article's place in the order the clusterer places articles in: by date (the
    undated last), then id."""
    return (f.date or "9999-99-99", f.article_id)


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

    def add_features(self, f: Features,
                     before: dict[str, LastBefore] | None = None
                     ) -> tuple[str, str]:
        """Place an article by its extracted features (the expensive part is done).

        ``before`` collects, for each story the article joins, its last member in
        canonical order before this batch touched it (:data:`LastBefore`)."""
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
        # an event emptied to be placed again (:meth:`_replay`) is no candidate
        events = [event for event in (self.events[e] for e in candidates) if event.members]
        candidates = [event.id for event in events]
        self._prefetch_terms(events)
        scores = [self.similarity(f, event, f.date, event.date) for event in events]
        close = [n for n, score in enumerate(scores) if score >= self.event_threshold]
        # candidates are sorted by id: on a tie the first one wins, on every machine
        best = events[close[first_best([scores[n] for n in close])]] if close else None
        if best is None:
            best = Cluster(f"event-{article_id}")
            self.events[best.id] = best
            best.absorb(f, article_id)
            self._place_in_story(best, candidates, before)
        else:
            best.absorb(f, article_id)
            self.events.touch(best.id)
            if best.parent:
                story = self.stories[best.parent]
                _note_before(before, story)
                story.absorb(f, None)
                self.stories.touch(best.parent)
        self.event_of[article_id] = best.id
        for key in keys:
            bucket = self.index.get(key, [])
            if not bucket or bucket[-1] != best.id:
                # only the last 200 are ever looked at
                self.index[key] = [*bucket[-199:], best.id]
        return best.id, best.parent or ""

    def place_all(self, batch: Sequence[Features],
                  known: Callable[[list[str]], Mapping[str, Features]] | None = None
                  ) -> Replayed:
        """Place a batch of articles not placed yet, whatever order they came in.

        They are placed in canonical order (:func:`canonical`), each counted in the
        document frequencies as it is placed; then each story one of them joined ahead
        of a member placed before this batch (the batch holds an earlier article than
        it) is placed again (:meth:`_replay`), which needs those members' features:
        ``known(ids)`` (a story whose members' features are not all known is left as
        placed). Returns the stories emptied and the stored articles placed again.

        >>> clusterer = StoryClusterer()
        >>> clusterer.place_all([features_of(a) for a in articles])  # doctest: +SKIP
        """
        fresh = list({f.article_id: f for f in batch
                      if f.article_id not in self.event_of}.values())
        if not fresh:
            return Replayed()
        self.words.df.prefetch(t for f in fresh for t in (*f.title, *f.body))  # type: ignore[attr-defined]
        self.name_df.df.prefetch(t for f in fresh for t in f.names)  # type: ignore[attr-defined]
        fresh.sort(key=canonical)
        before: dict[str, LastBefore] = {}
        for f in fresh:
            self.add_features(f, before)
        if known is None:
            return Replayed()
        first_new: dict[str, tuple[str, str]] = {}
        for f in fresh:  # in canonical order: the first seen is a story's earliest newcomer
            first_new.setdefault(self.story_of(f.article_id), canonical(f))
        new_ids = {f.article_id for f in fresh}
        late: list[str] = []
        for story_id, earliest in sorted(first_new.items()):
            prior = before.get(story_id, False)
            if not story_id or prior is None:  # no member before this batch
                continue
            if prior is not False and prior <= earliest:  # nothing stored comes after
                continue
            members = self.story_members(story_id)
            old = [a for a in members if a not in new_ids]
            if not old or len(members) > REPLAY_MAX:
                continue
            found = known(old)
            if len(found) < len(old):
                continue
            if prior is not False or any(canonical(found[a]) > earliest for a in old):
                late.append(story_id)
        return Replayed(late, self._replay(late, known) if late else [])

    def _replay(self, story_ids: list[str],
                known: Callable[[list[str]], Mapping[str, Features]]) -> list[str]:
        """Place every member of ``story_ids`` again, in canonical order: their events
        and stories are emptied first (rows are never deleted: an empty cluster is none)
        and dropped from the lookup keys that lead to them. Returns the members."""
        event_ids = [e for s in story_ids for e in self.stories[s].members]
        self.events.prefetch(event_ids)
        members = [a for e in event_ids for a in self.events[e].members]
        features = dict(known(members))
        for s in story_ids:
            self.stories[s] = Cluster(s)
        for e in event_ids:
            self.events[e] = Cluster(e)
        emptied = set(event_ids)
        keys = sorted({k for a in members for k in self._lookup_terms(features[a])})
        self.index.prefetch(keys)
        for key in keys:
            bucket = self.index.get(key, [])
            kept = [e for e in bucket if e not in emptied]
            if len(kept) != len(bucket):
                self.index[key] = kept
        # counted again as each is placed: the frequencies it is placed with are those
        # of the articles before it (and of every article the replay does not touch)
        for a in members:
            self.words.forget(list(features[a].title) + list(features[a].body))
            self.name_df.forget(features[a].names)
        for f in sorted((features[a] for a in members), key=canonical):
            self.add_features(f)
        return members

    def _place_in_story(self, event: Cluster, neighbour_events: list[str],
                        before: dict[str, LastBefore] | None = None
                        ) -> None:
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
        _note_before(before, best)
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
