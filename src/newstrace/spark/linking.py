"""Linking at scale: reuse candidates from band keys, verified pair by pair; stories.

Reuse: the reuse index compares each article with the articles indexed before it
that share a lookup key (:meth:`newstrace.reuse.index.ReuseIndex.candidates`): the
first article with the same text digest ("exact"), every one sharing a MinHash LSH
band ("minhash"), and, among the others sharing a SimHash band, the 25 nearest by
document cosine above 0.6 ("embedding"). Here the same candidates come from joins on
the keys, with the articles numbered in ingest order (``order``), and each pair is
compared by :meth:`ReuseIndex.compare` itself: the edges are the single machine's.

Stories: the online clusterer is order-dependent (each article joins the best event
among those before it), so it runs in one task over the articles' features in ingest
order; only the features (the costly part) are computed in parallel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: a candidate's stage, by priority: one pair found by two stages keeps the first
STAGES = ("exact", "minhash", "embedding")


def candidate_pairs(keys: DataFrame) -> tuple[DataFrame, DataFrame]:
    """From ``keys`` (``key``, ``order``): the pairs (``i`` < ``j``, ``stage``) found by
    the digest and the MinHash bands, and the SimHash pairs (``i``, ``j``) not among
    them, which still need their cosine ranking (:func:`nearest`)."""
    from pyspark.sql import functions as F

    kind = F.substring("key", 1, 1)
    digests = keys.where(kind == "d")
    first = digests.groupBy("key").agg(F.min("order").alias("i"))
    exact = (digests.join(first, "key").where(F.col("order") > F.col("i"))
             .select("i", F.col("order").alias("j"), F.lit(0).alias("stage")))

    def shared(prefix: str) -> DataFrame:
        part = keys.where(kind == prefix)
        a, b = part.alias("a"), part.alias("b")
        return (a.join(b, F.col("a.key") == F.col("b.key"))
                .where(F.col("a.order") < F.col("b.order"))
                .select(F.col("a.order").alias("i"), F.col("b.order").alias("j"))
                .distinct())

    minhash = shared("m").select("i", "j", F.lit(1).alias("stage"))
    found = (exact.unionByName(minhash).groupBy("i", "j")
             .agg(F.min("stage").alias("stage")))
    near = shared("s").join(found.select("i", "j"), ["i", "j"], "left_anti")
    return found, near


def nearest(groups: Iterable[tuple[int, tuple[bytes, list[tuple[int, str, bytes]]]]]
            ) -> Iterator[tuple[int, int, int]]:
    """For each article ``j`` (its document vector, and the ``(order, id, vector)`` of
    the earlier articles sharing a SimHash band with it and found by no other stage):
    the pairs ``(i, j, 2)`` the index would align, as :meth:`ReuseIndex.candidates`
    ranks them (nearest first, by id on a tie, at most ``MAX_ALIGNED``, cosine at
    least ``DOC_COSINE``)."""
    from newstrace.nlp.similarity import descending
    from newstrace.reuse.index import DOC_COSINE, MAX_ALIGNED

    for j, (vector, others) in groups:
        ranked = sorted(others, key=lambda o: o[1])
        cosines = np.vstack([_vector(o[2]) for o in ranked]) @ _vector(vector)
        for k in descending(cosines)[:MAX_ALIGNED]:
            if cosines[k] >= DOC_COSINE:
                yield ranked[k][0], j, 2


def _vector(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def _entry(entry_json: str, article_json: str) -> Any:
    from newstrace.records import Article
    from newstrace.reuse.entries import entry_from_product

    return entry_from_product(Article.from_dict(json.loads(article_json)),
                              json.loads(entry_json))


#: entries a verifying task keeps decoded (and their vectors grown) at a time
MAX_ENTRIES = 20_000


class _Indexed:
    """The one thing :meth:`ReuseIndex.compare` asks of its tables: how many articles
    were indexed before the new one (its arrival number)."""

    def __init__(self) -> None:
        self.count = 0

    def indexed(self) -> int:
        return self.count


def verify(pairs: Iterable[tuple[int, int, int, str, str, str, str]]
           ) -> Iterator[tuple[int, int, str]]:
    """The reuse edges of candidate pairs ``(i, j, stage, entry i, article i, entry j,
    article j)``: ``(i, j, edge JSON)`` where the index's comparison finds one."""
    from newstrace.reuse.index import ReuseIndex

    tables = _Indexed()
    index = ReuseIndex(tables)  # type: ignore[arg-type]
    entries: dict[int, Any] = {}  # a partition's entries grow their vectors once
    for i, j, stage, entry_i, article_i, entry_j, article_j in pairs:
        if len(entries) > MAX_ENTRIES:
            entries.clear()
        old = entries.get(i) or entries.setdefault(i, _entry(entry_i, article_i))
        new = entries.get(j) or entries.setdefault(j, _entry(entry_j, article_j))
        tables.count = j
        edge = index.compare(old, new, STAGES[stage])
        if edge is not None:
            yield i, j, json.dumps(edge.to_dict(), ensure_ascii=False)


# -- stories ------------------------------------------------------------------------------------
#: the key of the clusterer's state among the rows :func:`cluster_stories` yields
STATE_KEY = "state"


def cluster_stories(rows: Iterable[tuple[int, str, str | None]]
                    ) -> Iterator[tuple[str, str, str]]:
    """Place every article ``(order, id, features JSON)`` as one batch, as the stories
    stage's ``link`` does (:meth:`StoryClusterer.place_all`), in a clusterer over rows
    as a store's is; yield every row it keeps, ``(home, key, value JSON)``: ``home`` the
    article a row belongs to (an article's event, ``a:``; an event or story, ``e:`` and
    ``s:``, by the article it is named after), ``""`` for the rest (document frequencies
    of words ``w:`` and names ``n:``, lookup keys ``i:``), and last the clusterer's
    state (``("", "state", ...)``: its document counts), which a store keeps beside
    its rows."""
    from newstrace.records import Article
    from newstrace.stages import MemoryRows
    from newstrace.stories.clusterer import StoryClusterer
    from newstrace.stories.features import extract, features_from_product

    kept = MemoryRows()  # the rows the clusterer writes, as it writes them to a store
    # over rows, as the stage's link runs on a store: the rows are what a store would hold
    clusterer = StoryClusterer(rows=kept)
    batch = [extract(Article.from_dict(json.loads(data))) if features is None  # the stage's way
             else features_from_product(json.loads(features))
             for _order, data, features in sorted(rows, key=lambda r: r[0])]
    clusterer.place_all(batch)  # one batch: in canonical order, as the stage's link does
    clusterer.flush()
    for key, value in kept.values.items():
        kind, name = key[:2], key[2:]
        home = name if kind == "a:" else _home(name) if kind in ("e:", "s:") else ""
        yield home, key, json.dumps(value, ensure_ascii=False)
    yield "", STATE_KEY, json.dumps(clusterer.to_state())


def _home(cluster_id: str) -> str:
    """The article an event or story is named after (``event-<id>``, ``story-<id>``):
    always one of its members, so the cluster's scope is that article's."""
    return cluster_id.split("-", 1)[1]


def story_members(rows: Iterable[tuple[str, str, str]]) -> Iterator[tuple[str, str]]:
    """``(article, story)`` of every placed article, from the clusterer's rows."""
    events: dict[str, str] = {}
    placed: list[tuple[str, str]] = []
    for _home_id, key, value in rows:
        if key.startswith("e:"):
            events[key[2:]] = json.loads(value)["parent"] or ""
        elif key.startswith("a:"):
            placed.append((key[2:], json.loads(value)))
    for article_id, event_id in placed:
        yield article_id, events.get(event_id, "")
