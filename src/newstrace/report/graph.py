"""The report's provenance graph, assembled from the stored per-story graphs and
written as ``graph.json`` and GraphML: rendering only, the analysis built the graph.

    >>> report = {"graphs": [{"id": "graph-s1", "story_id": "s1", "title": "T",
    ...     "article_ids": ["a1"], "nodes": [{"id": "a1", "kind": "article", "label": "T"}],
    ...     "edges": []}]}
    >>> graph = provenance_graph(report)
    >>> [n["id"] for n in graph["nodes"]], list(graph["stories"])
    (['a1'], ['s1'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape


def provenance_graph(report: Mapping[str, Any]) -> dict[str, Any]:
    """The graph of ``report`` (or of a selection of it): the union of its ``graphs``
    items, ``{"nodes", "edges", "stories": {story id: subgraph}}``.

    A node or edge in several stories' graphs is one: flags (``origin``,
    ``origin_path``) are true if true in any, list attributes are joined.
    """
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    stories: dict[str, dict[str, Any]] = {}
    for item in report.get("graphs") or []:
        for node in item.get("nodes") or []:
            _join(nodes, node["id"], node)
        for edge in item.get("edges") or []:
            _join(edges, (edge["source"], edge["target"], edge["kind"]), edge)
        if item.get("story_id") is not None:
            stories[item["story_id"]] = {"title": item.get("title"),
                                         "nodes": item.get("nodes") or [],
                                         "edges": item.get("edges") or []}
    return {"nodes": list(nodes.values()), "edges": list(edges.values()), "stories": stories}


def _join(into: dict[Any, dict[str, Any]], key: Any, value: Mapping[str, Any]) -> None:
    mine = into.get(key)
    if mine is None:
        into[key] = dict(value)
        return
    for name, other in value.items():
        if isinstance(other, bool) and isinstance(mine.get(name), bool):
            mine[name] = mine[name] or other
        elif isinstance(other, list) and isinstance(mine.get(name), list):
            mine[name] = mine[name] + [v for v in other if v not in mine[name]]
        else:
            mine.setdefault(name, other)


def write_graph_files(report: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """Write ``graph.json`` and ``graph.graphml`` into ``out_dir``."""
    graph = provenance_graph(report)
    out = Path(out_dir)
    paths = [out / "graph.json", out / "graph.graphml"]
    paths[0].write_text(json.dumps(graph, ensure_ascii=False, indent=2), encoding="utf-8")
    whole = {"nodes": graph["nodes"], "edges": graph["edges"]}
    paths[1].write_text(to_graphml(whole), encoding="utf-8")
    return paths


def _text(value: Any) -> str:
    """A GraphML attribute value: lists joined with "; ", booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value)


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
                lines.append(f'      <data key="n_{k}">{escape(_text(n[k]))}</data>')
        lines.append("    </node>")
    for i, e in enumerate(graph["edges"]):
        source = escape(e["source"], {chr(34): "&quot;"})
        target = escape(e["target"], {chr(34): "&quot;"})
        lines.append(f'    <edge id="e{i}" source="{source}" target="{target}">')
        for k in edge_keys:
            if e.get(k) is not None:
                lines.append(f'      <data key="e_{k}">{escape(_text(e[k]))}</data>')
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines) + "\n"
