"""The provenance graph, and per claim: origins, chains, first reporter, independent sources.

Nodes are articles, outlets, cited documents and claims; edges (of the kinds in
:data:`EDGE_KINDS`) are publication (outlet -> article), copies (from reuse:
original -> copy), citations (article -> cited outlet or document), origins
(origin -> claim) and denials (article -> claim). For a claim, each carrying article is followed
back: a copy to its original, an article that credits an outlet ("told CNN",
"CNN reported") to that outlet, an outlet to its own article in the corpus when
there is one. Where the walk stops is an origin. Outlets cited as reporting the
claim themselves ("Der Spiegel first reported ...") are origins too. Copies and
citations of one origin collapse into it, so ``independent_sources`` counts the
distinct origins that do not lead back to one another.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from newstrace.records import Article


def _outlet_key(name: str | None) -> str:
    return (name or "").strip().lower()


class CitationIndex:
    """What every claim's provenance looks up, found once for a scope: articles by
    outlet (earliest first), citations by claim, credit lines by article."""

    def __init__(self, articles: Mapping[str, Article], citations: Sequence[Mapping[str, Any]],
                 dates: Mapping[str, str | None]) -> None:
        self.by_outlet: dict[str, list[Article]] = {}
        for article in sorted(articles.values(), key=lambda x: dates.get(x.id) or "9999"):
            if article.outlet:
                self.by_outlet.setdefault(_outlet_key(article.outlet), []).append(article)
        self.by_claim: dict[Any, list[Mapping[str, Any]]] = {}
        self.credits: dict[str, list[Mapping[str, Any]]] = {}
        for c in citations:
            self.by_claim.setdefault(c["claim_id"], []).append(c)
            if c["cue"] in ("credit line", "appeared first on"):
                self.credits.setdefault(c["article_id"], []).append(c)


def claim_provenance(claim: Mapping[str, Any], articles: Mapping[str, Article],
                     copies: Mapping[str, str], citations: Sequence[Mapping[str, Any]],
                     dates: Mapping[str, str | None],
                     index: CitationIndex | None = None) -> dict[str, Any]:
    """Origins, chains, first reporter and independent-source count of one claim;
    ``dates``: each article's trusted date (stated, unless its content contradicts it:
    a republished story is dated where its content places it). ``index``: the scope's
    :class:`CitationIndex` (made here when not given)."""
    index = index or CitationIndex(articles, citations, dates)
    # the articles whose own statements make the claim; a denial elsewhere in the
    # same article (recorded as a "denies" stance) does not stop it carrying the claim
    carriers = [a for a in claim.get("article_ids", []) if a in articles]
    by_outlet = index.by_outlet
    claim_cites = index.by_claim.get(claim.get("id"), [])
    chains: dict[str, list[dict[str, Any]]] = {}
    origins: dict[str, dict[str, Any]] = {}

    def article_origin(article_id: str, path: list[dict[str, Any]], seen: set[str]) -> None:
        seen.add(article_id)
        article = articles[article_id]
        step = {"node": article_id, "kind": "article", "outlet": article.outlet}
        if article_id in copies and copies[article_id] in articles \
                and copies[article_id] not in seen:
            article_origin(copies[article_id], [*path, {**step, "via": "copy of"}], seen)
            return
        # the article's own statements of the claim: when every one is an outlet's word
        # ("Der Spiegel first reported that ..."), the article relays that outlet, even
        # one it names as first; otherwise a "first reported" aside sits beside reporting
        # of its own, and the outlet is an origin beside the article (below)
        own = [a for a in claim.get("attributions", []) if a.get("article_id") == article_id]
        relays_only = bool(own) and all(a.get("source_type") == "media" for a in own)
        credited = [c for c in claim_cites if c["article_id"] == article_id
                    and c["cited_kind"] == "media" and (relays_only or not c["first_report"])
                    and _outlet_key(c["cited"]) != _outlet_key(article.outlet)]
        credited += [c for c in index.credits.get(article_id, [])
                     if _outlet_key(c["cited"]) != _outlet_key(article.outlet)]
        if credited:
            cited = credited[0]["cited"]
            outlet_articles = [a for a in by_outlet.get(_outlet_key(cited), [])
                               if a.id in carriers and a.id not in seen]
            hop = {**step, "via": f"cites {cited}"}
            if outlet_articles:
                article_origin(outlet_articles[0].id, [*path, hop], seen)
                return
            _add_origin(origins, {"kind": "outlet", "id": f"outlet:{cited}", "name": cited,
                                  "outlet": cited, "date": credited[0]["date"],
                                  "anonymous": None,
                                  **({"first_report": True} if credited[0]["first_report"]
                                     else {})})
            chains[path[0]["node"] if path else article_id] = [
                *path, hop, {"node": f"outlet:{cited}", "kind": "outlet", "outlet": cited}]
            return
        # the article's own reporting: an origin
        # no named source behind it: anonymous sources, or none stated at all
        anonymous = bool(own) and all(a.get("source_type") in ("anonymous", "unstated")
                                      for a in own if a.get("source_type") != "media")
        _add_origin(origins, {"kind": "article", "id": article_id, "name": article.title,
                              "outlet": article.outlet, "date": dates.get(article.id),
                              "anonymous": anonymous})
        chains[path[0]["node"] if path else article_id] = [*path, step]

    for article_id in carriers:
        article_origin(article_id, [], set())
    # outlets the articles name as reporting the claim on their own ("first reported")
    for c in claim_cites:
        reported_first = c["first_report"] or c["cited_kind"] == "media"
        if not reported_first or c["cue"] in ("credit line", "appeared first on"):
            continue
        in_corpus = [a for a in by_outlet.get(_outlet_key(c["cited"]), []) if a.id in carriers]
        if in_corpus or any(_outlet_key(o.get("outlet")) == _outlet_key(c["cited"])
                            for o in origins.values()):
            continue
        citing = articles.get(c["article_id"])
        if citing is not None and _outlet_key(citing.outlet) == _outlet_key(c["cited"]):
            continue
        if c["first_report"]:
            _add_origin(origins, {"kind": "outlet", "id": f"outlet:{c['cited']}",
                                  "name": c["cited"], "outlet": c["cited"], "date": c["date"],
                                  "anonymous": None, "first_report": True})
    independent = len({_outlet_key(o["outlet"]) or o["id"] for o in origins.values()})
    first = _first_reporter(list(origins.values()))
    return {"origins": list(origins.values()), "first_reporter": first,
            "chains": [{"article_id": k, "path": v} for k, v in chains.items()],
            "independent_sources": independent}


def _add_origin(origins: dict[str, dict[str, Any]], origin: dict[str, Any]) -> None:
    key = _outlet_key(origin.get("outlet")) or origin["id"]
    if key in origins:
        # an outlet cited and its own article in the corpus: keep the article
        if origins[key]["kind"] == "outlet" and origin["kind"] == "article":
            origins[key] = origin
        return
    origins[key] = origin


def _first_reporter(origins: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A "first reported" citation beats date order; then the earliest dated origin."""
    if not origins:
        return None
    flagged = [o for o in origins if o.get("first_report")]
    if flagged:
        return {"id": flagged[0]["id"], "outlet": flagged[0]["outlet"],
                "date": flagged[0]["date"], "evidence": "cited as first to report"}
    dated = sorted(origins, key=lambda o: (o.get("date") is None, o.get("date") or ""))
    o = dated[0]
    return {"id": o["id"], "outlet": o["outlet"], "date": o["date"],
            "evidence": "earliest dated origin" if o.get("date") else "only origin"}


def _vocabulary() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    # the stage's schema.json is the one vocabulary: the builder emits only its kinds,
    # the report validates against it and the dossier styles and explains each
    schema = json.loads(Path(__file__).with_name("schema.json").read_text(encoding="utf-8"))
    graph = schema["graphs"]["properties"]
    edge_kinds = graph["edges"]["items"]["properties"]["kind"]["oneOf"]
    return (tuple((k["const"], k["description"]) for k in edge_kinds),
            tuple(graph["nodes"]["items"]["properties"]["kind"]["enum"]))


#: The provenance graph's edge kinds, in legend order, with what each means.
#: node kinds: sources (outlets, cited documents), articles, claims
EDGE_KINDS, NODE_KINDS = _vocabulary()


class _Edges:
    """Edges keyed by (source, target, kind): a pair linked twice is one edge."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(self, source: str, target: str, kind: str, **attrs: Any) -> dict[str, Any]:
        key = (source, target, kind)
        edge = self.by_key.get(key)
        if edge is None:
            edge = self.by_key[key] = {"source": source, "target": target, "kind": kind}
        for name, value in attrs.items():
            if isinstance(value, list):  # list attributes accumulate, once each
                edge.setdefault(name, [])
                edge[name] += [v for v in value if v not in edge[name]]
            elif value is not None:
                edge.setdefault(name, value)
        return edge

    def get(self, source: str, target: str, kind: str) -> dict[str, Any] | None:
        return self.by_key.get((source, target, kind))


def build_graph(articles: Sequence[Mapping[str, Any]], reuse: Sequence[Mapping[str, Any]],
                citations: Sequence[Mapping[str, Any]], claims: Sequence[Mapping[str, Any]]
                ) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges of the whole report (report-dict shapes in, JSON-ready out).

    Nodes: outlets, cited documents, articles and claims. Edges (one per source,
    target and kind; see :data:`EDGE_KINDS`): outlet -published-> article,
    original -copy-> copy, article -cites-> outlet or document, origin -origin->
    claim, article (or denial claim) -denies-> claim. Edges on a claim's chain
    back to its origin carry ``origin_path: true``.
    """
    nodes: dict[str, dict[str, Any]] = {}
    edges = _Edges()
    origin_ids = {o["id"] for c in claims for o in c.get("origins", [])}
    for a in articles:
        nodes[a["id"]] = {"id": a["id"], "kind": "article", "label": a.get("title") or a["id"],
                          "outlet": a.get("outlet"), "date": a.get("published"),
                          "origin": a["id"] in origin_ids}
        if a.get("outlet"):
            outlet_id = f"outlet:{a['outlet']}"
            nodes.setdefault(outlet_id, {"id": outlet_id, "kind": "outlet",
                                         "label": a["outlet"], "origin": False})
            edges.add(outlet_id, a["id"], "published")
    for e in reuse:
        edges.add(e["original"], e["copy"], "copy", reuse_kind=e["kind"], score=e["score"])
    for c in citations:
        target = f"outlet:{c['cited']}" if c["cited_kind"] == "media" else f"doc:{c['cited']}"
        nodes.setdefault(target, {"id": target, "kind": "outlet" if c["cited_kind"] == "media"
                                  else "document", "label": c["cited"], "origin": False})
        edges.add(c["article_id"], target, "cites", cues=[c["cue"]],
                  claim_ids=[c["claim_id"]] if c.get("claim_id") else [])
    for claim in claims:
        nodes[claim["id"]] = {"id": claim["id"], "kind": "claim",
                              "label": claim.get("text") or claim["id"],
                              "claim_kind": claim.get("kind"), "origin": False}
    for claim in claims:
        for o in claim.get("origins", []):
            nodes.setdefault(o["id"], {"id": o["id"], "kind": o.get("kind") or "outlet",
                                       "label": o.get("name") or o["id"]})
            nodes[o["id"]]["origin"] = True
            edges.add(o["id"], claim["id"], "origin", origin_path=True)
        for st in claim.get("stances", []):
            if st.get("stance") == "denies" and st.get("article_id") in nodes:
                edges.add(st["article_id"], claim["id"], "denies")
        for denied in claim.get("denies", []) or []:
            if denied in nodes:
                edges.add(claim["id"], denied, "denies")
        for chain in claim.get("chains", []):
            _mark_path(chain.get("path", []), edges)
    return {"nodes": list(nodes.values()), "edges": list(edges.by_key.values())}


def _mark_path(path: Sequence[Mapping[str, Any]], edges: _Edges) -> None:
    """Flag the edges a claim's chain walks (copy, cites, the outlet's own article)."""
    for step, nxt in itertools.pairwise(path):
        via = step.get("via") or ""
        hops: list[tuple[str, str, str]] = []
        if via == "copy of":
            hops.append((nxt["node"], step["node"], "copy"))
        elif via.startswith("cites "):
            outlet = f"outlet:{via[len('cites '):]}"
            hops.append((step["node"], outlet, "cites"))
            if nxt.get("kind") == "article":
                hops.append((outlet, nxt["node"], "published"))
        for source, target, kind in hops:
            edge = edges.get(source, target, kind)
            if edge is not None:
                edge["origin_path"] = True


def story_graphs(graph: Mapping[str, list[dict[str, Any]]],
                 stories: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One subgraph per story: its articles, the claims they carry or deny (and those
    a story names in ``claim_ids``), and the outlets and documents they touch (the
    claims' origins among them)."""
    out = {}
    kinds = {n["id"]: n.get("kind") for n in graph["nodes"]}
    for story in stories:
        members = set(story.get("article_ids", [])) | set(story.get("claim_ids", []))
        members |= {x for e in graph["edges"] if e["source"] in members or e["target"] in members
                    for x in (e["source"], e["target"]) if kinds.get(x) == "claim"}
        edges = [e for e in graph["edges"] if e["source"] in members or e["target"] in members]
        keep = members | {e["source"] for e in edges} | {e["target"] for e in edges}
        out[str(story["id"])] = {"title": story.get("title"),
                            "nodes": [n for n in graph["nodes"] if n["id"] in keep],
                            "edges": edges}
    return out


def _carriers(claim: Mapping[str, Any]) -> set[str]:
    """The articles carrying a claim or taking a stance on it."""
    return set(claim.get("article_ids") or []) | {
        st["article_id"] for st in claim.get("stances") or [] if st.get("article_id")}


def story_graph_items(articles: Sequence[Mapping[str, Any]], reuse: Sequence[Mapping[str, Any]],
                      citations: Sequence[Mapping[str, Any]],
                      claims: Sequence[Mapping[str, Any]],
                      stories: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The report's ``graphs`` items: one provenance subgraph per story (articles in
    no story, if any, get one of their own), so that the report and the UI draw the
    graph from what the analysis stored and never rebuild it.

    >>> art = {"id": "a1", "title": "T", "outlet": "CNN", "published": None}
    >>> item, = story_graph_items([art], [], [], [], [{"id": "s1", "article_ids": ["a1"]}])
    >>> item["id"], item["story_id"], [e["kind"] for e in item["edges"]]
    ('graph-s1', 's1', ['published'])
    """
    graph = build_graph(articles, reuse, citations, claims)
    storied = {aid for s in stories for aid in s.get("article_ids", [])}
    loose = [a["id"] for a in articles if a["id"] not in storied]
    groups = [dict(s) for s in stories]
    if loose:
        groups.append({"id": None, "title": None, "article_ids": loose})
    for group in groups:  # a claim is drawn with the story of every article carrying it
        members = set(group["article_ids"])
        group["claim_ids"] = [c["id"] for c in claims if members & _carriers(c)]
    items = []
    for group, sub in zip(groups, story_graphs(graph, groups).values(), strict=True):
        sid = group["id"]
        key = sid if sid is not None else "loose-" + min(group["article_ids"])
        items.append({"id": f"graph-{key}", "story_id": sid, "title": group.get("title"),
                      "article_ids": list(group["article_ids"]),
                      "nodes": sub["nodes"], "edges": sub["edges"]})
    return items
