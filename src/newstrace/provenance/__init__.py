"""Provenance: who cites whom, who reported first, how many independent sources, anomalies.

    >>> from newstrace.provenance import analyze
    >>> result = analyze(articles, state=None, upstream=upstream)  # doctest: +SKIP
    >>> claim = result.report["claims"][0]                        # doctest: +SKIP
    >>> claim["independent_sources"], claim["first_reporter"]["outlet"]  # doctest: +SKIP
    (2, 'Der Spiegel')

Reads the results of the reuse and claims stages (``upstream``); returns
``citations``, the claims again with ``origins``, ``first_reporter``, ``chains``
and ``independent_sources`` added (same ids: they replace the claims stage's
items in the report), ``anomalies``, and ``graphs``: the provenance graph, one
subgraph per story, which the report and the UI draw as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from newstrace.nlp.temporal import trusted_date_of
from newstrace.provenance.anomalies import (
    anonymous_origins,
    date_conflicts,
    repost_channels,
    text_artifacts,
)
from newstrace.provenance.citations import extract_citations
from newstrace.provenance.graph import (
    CitationIndex,
    claim_provenance,
    story_graph_items,
)
from newstrace.records import Article
from newstrace.stages import StageResult

__all__ = ["analyze"]


def analyze(articles: Sequence[Article], *, state: dict[str, Any] | None,
            upstream: Mapping[str, StageResult]) -> StageResult:
    """Citations, claim origins and anomalies of ``articles``."""
    reuse = upstream["reuse"].report.get("reuse", []) if "reuse" in upstream else []
    stories = upstream["stories"].report.get("stories", []) if "stories" in upstream else []
    claims_report = upstream["claims"].report if "claims" in upstream else {}
    claims = claims_report.get("claims", [])
    entities = claims_report.get("entities", [])
    by_id = {a.id: a for a in articles}
    copies = {e["copy"]: e["original"] for e in reuse}
    # once per article: every claim's origins and every citation are dated by it
    dates = {a.id: trusted_date_of(a)[0] for a in articles}
    citations = extract_citations(articles, claims, entities, dates)
    index = CitationIndex(by_id, citations, dates)  # once for the scope's every claim
    augmented = []
    for claim in claims:
        if claim.get("kind") == "denial":
            augmented.append({**claim, "origins": [], "first_reporter": None, "chains": [],
                              "independent_sources": 0})
            continue
        augmented.append({**claim, **claim_provenance(claim, by_id, copies, citations, dates,
                                                      index)})
    anomalies = (date_conflicts(articles) + repost_channels(articles, reuse)
                 + text_artifacts(articles, entities, reuse) + anonymous_origins(augmented))
    nodes = [{"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published}
             for a in articles]
    graphs = story_graph_items(nodes, reuse, citations, augmented, stories)
    return StageResult(report={"citations": citations, "claims": augmented,
                               "anomalies": anomalies, "graphs": graphs})
