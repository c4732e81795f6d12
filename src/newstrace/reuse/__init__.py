"""Reuse: exact and near duplicates, rewrites, spun and translated copies; what changed;
which article is the original.

    >>> from newstrace.reuse import analyze
    >>> result = analyze(articles, state=None, upstream={})  # doctest: +SKIP
    >>> result.report["reuse"][0]["kind"]                    # doctest: +SKIP
    'rewrite'

The stage keeps its :class:`~newstrace.reuse.index.ReuseIndex` in the store
between runs (:func:`link`), so new articles are checked against everything
indexed before; its edges are kept as the results of the scopes they join.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from newstrace.records import Article
from newstrace.reuse.index import ReuseEdge, ReuseIndex
from newstrace.reuse.tables import StoredTables
from newstrace.stages import StageContext, StageResult

__all__ = ["ReuseEdge", "ReuseIndex", "analyze", "link", "republications", "tables_state"]

#: Copy kinds after which a later stated date means "republished".
REPUBLISHING_KINDS = {"duplicate", "near-duplicate", "rewrite", "translation"}


#: the stage's state in a store: how many articles its tables index
TABLES_STATE = "tables-1"


def tables_state(indexed: int) -> dict[str, Any]:
    """The stage's state in a store whose tables index ``indexed`` articles (arrival
    numbers ``0 .. indexed - 1``): what :func:`link` keeps, and what a bulk load of
    the tables (``newstrace load``) must keep with them.

    >>> tables_state(3)
    {'version': 'tables-1', 'indexed': 3}
    """
    return {"version": TABLES_STATE, "indexed": indexed}


def link(articles: Sequence[Article], *, state: dict[str, Any] | None,
         context: StageContext | None = None) -> StageResult:
    """Add ``articles`` to the store-wide index; report the edges they make.

    Each edge links a new article to one indexed before it (or to another new
    one); ``records["links"]`` holds their pairs, which join articles into scopes.
    With a store (``context.keys``), the index is its tables and ``state`` only
    counts the articles indexed; without one, ``state`` is the whole index.
    """
    if context is None or context.keys is None or context.products is None:
        index = ReuseIndex.from_state(state)
        indexed = len(index)
        found = index.add_many(articles)
        changed = len(index) != indexed
        new_state = index.to_state() if changed else None
    else:
        load = context.articles or (lambda ids: [])
        count = int(state["indexed"]) if state and state.get("version") == TABLES_STATE else 0
        tables = StoredTables(context.keys, context.products, load, count)
        index = ReuseIndex(tables)
        if state and "entries" in state:  # a store of an earlier version: its index moves
            for entry in ReuseIndex.from_state(_upgraded(state)).tables.entries_in_order():
                index._insert(entry)
            tables.flush()
        found = index.add_many(articles)
        changed = tables.count != count or bool(state and "entries" in state)
        new_state = tables_state(tables.count) if changed else None
    return StageResult(report={"reuse": [e.to_dict() for e in found]}, state=new_state,
                       records={"edges": found,
                                "links": [(e.original, e.copy) for e in found]})


def _upgraded(state: dict[str, Any]) -> dict[str, Any]:
    """An index snapshot of version 1 (entries without arrival numbers or digests)."""
    from newstrace.reuse.fingerprints import exact_hash
    from newstrace.reuse.index import STATE_VERSION

    if state.get("version") == STATE_VERSION:
        return state
    entries = [{**item, "order": n, "digest": exact_hash(item["article"]["text"])}
               for n, item in enumerate(state.get("entries", []))]
    return {"version": STATE_VERSION, "entries": entries}


def analyze(
    articles: Sequence[Article],
    *,
    state: dict[str, Any] | None,
    upstream: Mapping[str, StageResult],
    context: StageContext | None = None,
) -> StageResult:
    """The reuse edges among ``articles`` and the republications they show.

    In a scope (``context`` given) the edges are those the store holds and the
    linking pass found; called on its own, the stage indexes ``articles`` first.
    """
    new_state = None
    if context is None:
        linked = link(articles, state=state)
        known, new_state = linked.report["reuse"], linked.state
    else:
        known = list(context.previous.get("reuse", []))
    wanted = {a.id for a in articles}
    edges = {(e["original"], e["copy"]): e for e in known
             if e["original"] in wanted and e["copy"] in wanted}
    # in the order they were found: by the copy's arrival, then the original's
    place = {a.id: n for n, a in enumerate(articles)}
    found = [_edge_from_dict(e) for key, e in sorted(
        edges.items(), key=lambda kv: (place[kv[0][1]], place[kv[0][0]]))]
    by_id = {a.id: a for a in articles}
    return StageResult(
        report={"reuse": [e.to_dict() for e in found], "anomalies": republications(found, by_id)},
        state=new_state,
        records={"edges": found},
    )


def republications(
    edges: Sequence[ReuseEdge], articles: Mapping[str, Article]
) -> list[dict[str, Any]]:
    """A copy whose stated date is later than its original's, with both dates."""
    anomalies = []
    for edge in edges:
        original, copy = articles.get(edge.original), articles.get(edge.copy)
        if edge.kind not in REPUBLISHING_KINDS or not original or not copy:
            continue
        if original.published and copy.published and copy.published[:10] > original.published[:10]:
            anomalies.append(
                {
                    "id": "republication-" + hashlib.sha1(edge.id.encode()).hexdigest()[:10],
                    "kind": "republication",
                    "article_ids": [original.id, copy.id],
                    "description": (
                        f"{copy.outlet or copy.id} republished {edge.kind} content of "
                        f"{original.outlet or original.id} under a later date"
                    ),
                    "evidence": {
                        "original_published": original.published,
                        "copy_published": copy.published,
                        "reuse_kind": edge.kind,
                        "score": round(edge.score, 4),
                        "reuse_id": edge.id,
                    },
                }
            )
    return anomalies


def _edge_from_dict(data: dict[str, Any]) -> ReuseEdge:
    return ReuseEdge(
        data["original"],
        data["copy"],
        data["kind"],
        data["score"],
        data["coverage"],
        data["direction_evidence"],
        data["direction_confidence"],
        data["aligned"],
        data["changes"],
    )
