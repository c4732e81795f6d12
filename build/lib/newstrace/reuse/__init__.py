"""Reuse: exact and near duplicates, rewrites, spun and translated copies; what changed;
which article is the original.

    >>> from newstrace.reuse import analyze
    >>> result = analyze(articles, state=None, upstream={})  # doctest: +SKIP
    >>> result.report["reuse"][0]["kind"]                    # doctest: +SKIP
    'rewrite'

The stage keeps its :class:`~newstrace.reuse.index.ReuseIndex` in the store
between runs, so new articles are checked against everything indexed before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from newstrace.records import Article
from newstrace.reuse.index import ReuseEdge, ReuseIndex
from newstrace.stages import StageResult

__all__ = ["ReuseEdge", "ReuseIndex", "analyze", "republications"]

#: Copy kinds after which a later stated date means "republished".
REPUBLISHING_KINDS = {"duplicate", "near-duplicate", "rewrite", "translation"}


def analyze(
    articles: Sequence[Article],
    *,
    state: dict[str, Any] | None,
    upstream: Mapping[str, StageResult],
) -> StageResult:
    """Index ``articles`` (incrementally) and report reuse edges among them."""
    index = ReuseIndex.from_state(state)
    edges: dict[tuple[str, str], ReuseEdge] = {
        (e["original"], e["copy"]): _edge_from_dict(e) for e in (state or {}).get("edges", [])
    }
    for edge in index.add_many(articles):
        edges[(edge.original, edge.copy)] = edge
    wanted = {a.id for a in articles}
    found = [e for e in edges.values() if e.original in wanted and e.copy in wanted]
    by_id = {a.id: a for a in articles}
    new_state = index.to_state()
    new_state["edges"] = [e.to_dict() for e in edges.values()]
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
