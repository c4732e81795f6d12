"""The provenance graph, and per claim: origins, chains, first reporter, independent sources.

Nodes are articles, outlets and cited documents; edges are copies (from reuse:
original -> copy), citations (article -> cited outlet or document) and
publication (outlet -> article). For a claim, each carrying article is followed
back: a copy to its original, an article that credits an outlet ("told CNN",
"CNN reported") to that outlet, an outlet to its own article in the corpus when
there is one. Where the walk stops is an origin. Outlets cited as reporting the
claim themselves ("Der Spiegel first reported ...") are origins too. Copies and
citations of one origin collapse into it, so ``independent_sources`` counts the
distinct origins that do not lead back to one another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from newstrace.records import Article
from newstrace.stories.temporal import trusted_date


def _outlet_key(name: str | None) -> str:
    return (name or "").strip().lower()


def claim_provenance(claim: Mapping[str, Any], articles: Mapping[str, Article],
                     copies: Mapping[str, str], citations: Sequence[Mapping[str, Any]]
                     ) -> dict[str, Any]:
    """Origins, chains, first reporter and independent-source count of one claim."""
    # the articles whose own statements make the claim; a denial elsewhere in the
    # same article (recorded as a "denies" stance) does not stop it carrying the claim
    carriers = [a for a in claim.get("article_ids", []) if a in articles]
    by_outlet: dict[str, list[Article]] = {}
    for article in sorted(articles.values(), key=lambda x: _date_of(x) or "9999"):
        if article.outlet:
            by_outlet.setdefault(_outlet_key(article.outlet), []).append(article)
    claim_cites = [c for c in citations if c["claim_id"] == claim.get("id")]
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
        credited = [c for c in claim_cites if c["article_id"] == article_id
                    and c["cited_kind"] == "media" and not c["first_report"]
                    and _outlet_key(c["cited"]) != _outlet_key(article.outlet)]
        credited += [c for c in citations if c["article_id"] == article_id
                     and c["cue"] in ("credit line", "appeared first on")
                     and _outlet_key(c["cited"]) != _outlet_key(article.outlet)]
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
                                  "anonymous": None})
            chains[path[0]["node"] if path else article_id] = [
                *path, hop, {"node": f"outlet:{cited}", "kind": "outlet", "outlet": cited}]
            return
        # the article's own reporting: an origin
        own = [a for a in claim.get("attributions", []) if a.get("article_id") == article_id]
        # no named source behind it: anonymous sources, or none stated at all
        anonymous = bool(own) and all(a.get("source_type") in ("anonymous", "unstated")
                                      for a in own if a.get("source_type") != "media")
        _add_origin(origins, {"kind": "article", "id": article_id, "name": article.title,
                              "outlet": article.outlet, "date": _date_of(article),
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


def _date_of(article: Article) -> str | None:
    """An article's date for provenance: its stated date, unless its content contradicts
    that (a republished story: the date its content places it at)."""
    return trusted_date(article.text, article.published)[0]


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


def build_graph(articles: Sequence[Mapping[str, Any]], reuse: Sequence[Mapping[str, Any]],
                citations: Sequence[Mapping[str, Any]], claims: Sequence[Mapping[str, Any]]
                ) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges of the whole report (report-dict shapes in, JSON-ready out)."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    origin_ids = {o["id"] for c in claims for o in c.get("origins", [])}
    for a in articles:
        nodes[a["id"]] = {"id": a["id"], "kind": "article", "label": a.get("title") or a["id"],
                          "outlet": a.get("outlet"), "date": a.get("published"),
                          "origin": a["id"] in origin_ids}
        if a.get("outlet"):
            outlet_id = f"outlet:{a['outlet']}"
            nodes.setdefault(outlet_id, {"id": outlet_id, "kind": "outlet",
                                         "label": a["outlet"], "origin": False})
            edges.append({"source": outlet_id, "target": a["id"], "kind": "published"})
    for e in reuse:
        edges.append({"source": e["original"], "target": e["copy"], "kind": "copy",
                      "reuse_kind": e["kind"], "score": e["score"]})
    # articles quoting the same source (a person, an agency) on the same claim
    for claim in claims:
        by_source: dict[str, set[str]] = {}
        for a in claim.get("attributions", []):
            if a.get("source_entity"):
                by_source.setdefault(a["source_entity"], set()).add(a["article_id"])
        for entity, quoting in sorted(by_source.items()):
            ordered = sorted(quoting)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1:]:
                    edges.append({"source": first, "target": second, "kind": "same-source",
                                  "entity": entity, "claim_id": claim["id"]})
    for c in citations:
        target = f"outlet:{c['cited']}" if c["cited_kind"] == "media" else f"doc:{c['cited']}"
        nodes.setdefault(target, {"id": target, "kind": "outlet" if c["cited_kind"] == "media"
                                  else "document", "label": c["cited"], "origin": False})
        if target in origin_ids:
            nodes[target]["origin"] = True
        edges.append({"source": c["article_id"], "target": target, "kind": "citation",
                      "cue": c["cue"], "claim_id": c["claim_id"]})
    return {"nodes": list(nodes.values()), "edges": edges}


def story_graphs(graph: Mapping[str, list[dict[str, Any]]],
                 stories: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One subgraph per story: its articles, and the outlets and documents they touch."""
    out = {}
    for story in stories:
        members = set(story.get("article_ids", []))
        edges = [e for e in graph["edges"] if e["source"] in members or e["target"] in members]
        keep = members | {e["source"] for e in edges} | {e["target"] for e in edges}
        out[story["id"]] = {"title": story.get("title"),
                            "nodes": [n for n in graph["nodes"] if n["id"] in keep],
                            "edges": edges}
    return out


def to_graphml(graph: Mapping[str, list[dict[str, Any]]]) -> str:
    """The graph as GraphML (nodes and edges with their attributes as strings)."""
    node_keys = sorted({k for n in graph["nodes"] for k in n if k != "id"})
    edge_keys = sorted({k for e in graph["edges"] for k in e if k not in ("source", "target")})
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for k in node_keys:
        lines.append(f'  <key id="n_{k}" for="node" attr.name="{k}" attr.type="string"/>')
    for k in edge_keys:
        lines.append(f'  <key id="e_{k}" for="edge" attr.name="{k}" attr.type="string"/>')
    lines.append('  <graph id="provenance" edgedefault="directed">')
    for n in graph["nodes"]:
        lines.append(f'    <node id="{escape(n["id"], {chr(34): "&quot;"})}">')
        for k in node_keys:
            if n.get(k) is not None:
                lines.append(f'      <data key="n_{k}">{escape(str(n[k]))}</data>')
        lines.append("    </node>")
    for i, e in enumerate(graph["edges"]):
        source = escape(e["source"], {chr(34): "&quot;"})
        target = escape(e["target"], {chr(34): "&quot;"})
        lines.append(f'    <edge id="e{i}" source="{source}" target="{target}">')
        for k in edge_keys:
            if e.get(k) is not None:
                lines.append(f'      <data key="e_{k}">{escape(str(e[k]))}</data>')
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
