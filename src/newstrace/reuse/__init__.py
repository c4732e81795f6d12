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
from newstrace.stages import StageContext, StageResult

__all__ = ["ReuseEdge", "ReuseIndex", "analyze", "link", "republications"]

#: Copy kinds after which a later stated date means "republished".
REPUBLISHING_KINDS = {"duplicate", "near-duplicate", "rewrite", "translation"}


def link(articles: Sequence[Article], *, state: dict[str, Any] | None) -> StageResult:
    """Add ``articles`` to the store-wide index; report the edges they make.

    Each edge links a new article to one indexed before it (or to another new
    one); ``records["links"]`` holds their pairs, which join articles into scopes.
    """
    index = ReuseIndex.from_state(state)
    indexed = len(index.entries)
    found = index.add_many(articles)
    return StageResult(report={"reuse": [e.to_dict() for e in found]},
                       state=index.to_state() if len(index.entries) != indexed else None,
                       records={"edges": found,
                                "links": [(e.original, e.copy) for e in found]})


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
