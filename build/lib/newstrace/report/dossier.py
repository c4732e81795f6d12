"""The HTML dossier: one self-contained page (no server, no network) per report.

Every string from an article goes through Jinja2's autoescaping, so an article
that carries ``<script>`` or event-handler HTML shows as text and never runs.
The timeline and the provenance graph are inline SVG built here (deterministic
layouts, every label escaped); the page has no script at all.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

_env = Environment(
    loader=PackageLoader("newstrace.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: (report key, heading, the stage that fills it or None)
SECTIONS = (
    ("stories", "Stories and events", "stories"),
    ("claims", "Claims and their sources", "claims"),
    ("reuse", "Reuse: copies, rewrites and translations", "reuse"),
    ("entities", "Entities and name variants", "claims"),
    ("citations", "Citations", "provenance"),
    ("anomalies", "Anomalies", "provenance"),
)

STANCES = ("asserting", "reporting", "denying", "hedging")
#: report stance values -> the dossier's column names
STANCE_COLUMN = {"asserts": "asserting", "reports": "reporting", "denies": "denying",
                 "hedges": "hedging"}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _e(value: Any) -> str:
    return str(escape("" if value is None else str(value)))


def _short(text: Any, n: int = 28) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def timeline_svg(story: dict[str, Any], articles: dict[str, dict[str, Any]]) -> Markup:
    """Articles (dots) and events (diamonds) of a story by date (x) and outlet (row)."""
    points: list[tuple[date, str, str, str, str]] = []  # day, row, kind, label, article id
    for aid in story.get("article_ids") or []:
        art = articles.get(aid)
        if art and _day(art.get("published")):
            points.append((_day(art["published"]), art.get("outlet") or "unknown outlet",
                           "article", art.get("title") or aid, aid))
    for ev in story.get("events") or []:
        if _day(ev.get("date")):
            points.append((_day(ev["date"]), "events", "event", ev.get("title") or ev["id"], ""))
    if not points:
        return Markup('<p class="muted">No dated articles to plot.</p>')
    rows = [*sorted({p[1] for p in points if p[1] != "events"}), "events"]
    lo, hi = min(p[0] for p in points), max(p[0] for p in points)
    span = max((hi - lo).days, 1)
    left, width, rh = 150, 600, 28
    height = 30 + rh * len(rows) + 20
    out = [f'<svg class="timeline" viewBox="0 0 {left + width + 40} {height}" '
           f'role="img" aria-label="timeline" xmlns="http://www.w3.org/2000/svg">']
    for i, row in enumerate(rows):
        y = 30 + i * rh
        out.append(f'<text x="{left - 10}" y="{y + 4}" text-anchor="end" class="lbl">'
                   f'{_e(_short(row, 22))}</text>')
        out.append(f'<line x1="{left}" x2="{left + width}" y1="{y}" y2="{y}" class="grid"/>')
    for d in sorted({lo, hi}):
        x = left + width * (d - lo).days / span
        out.append(f'<text x="{x:.0f}" y="{height - 4}" text-anchor="middle" class="lbl">'
                   f'{d.isoformat()}</text>')
    for day, row, kind, label, aid in sorted(points, key=lambda p: (p[0], p[1], p[3])):
        x = left + width * (day - lo).days / span
        y = 30 + rows.index(row) * rh
        title = f"<title>{_e(day.isoformat())}: {_e(label)}</title>"
        if kind == "event":
            out.append(f'<path d="M{x:.0f} {y - 7} l7 7 l-7 7 l-7 -7 z" class="ev">{title}'
                       f'</path>')
        else:
            out.append(f'<a href="#article-{_e(aid)}"><circle cx="{x:.0f}" cy="{y}" r="6" '
                       f'class="art">{title}</circle></a>')
    out.append("</svg>")
    return Markup("".join(out))


def fallback_graph(report: dict[str, Any]) -> dict[str, Any]:
    """A provenance graph from reuse, citations and claims (when provenance has none)."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    arts = {a["id"]: a for a in report.get("articles") or []}
    for a in arts.values():
        outlet = a.get("outlet") or "unknown outlet"
        nodes.setdefault(f"outlet:{outlet}", {"id": f"outlet:{outlet}", "kind": "outlet",
                                              "label": outlet})
        nodes[a["id"]] = {"id": a["id"], "kind": "article", "label": a.get("title") or a["id"]}
        edges.append({"source": f"outlet:{outlet}", "target": a["id"], "kind": "published"})
    for r in report.get("reuse") or []:
        if r.get("original") in arts and r.get("copy") in arts:
            edges.append({"source": r["original"], "target": r["copy"],
                          "kind": r.get("kind") or "copy"})
    for c in report.get("citations") or []:
        if c.get("article_id") in arts and c.get("first_report") in arts:
            edges.append({"source": c["first_report"], "target": c["article_id"],
                          "kind": "cited"})
    for cl in report.get("claims") or []:
        nodes[cl["id"]] = {"id": cl["id"], "kind": "claim", "label": cl.get("text") or cl["id"]}
        for o in cl.get("origins") or []:
            aid = o.get("article_id") if isinstance(o, dict) else o
            if aid in arts:
                nodes[aid]["kind"] = "origin"
                edges.append({"source": aid, "target": cl["id"], "kind": "origin"})
    return {"nodes": list(nodes.values()), "edges": edges}


def provenance_graph(report: dict[str, Any]) -> dict[str, Any]:
    try:
        from newstrace.provenance import graph_to_json  # type: ignore[attr-defined]
    except ImportError:
        return fallback_graph(report)
    try:
        graph = graph_to_json(report)
    except Exception:  # a stage bug must not sink the page
        return fallback_graph(report)
    return graph if graph and graph.get("nodes") else fallback_graph(report)


_LAYER = {"outlet": 0, "article": 1, "origin": 1, "claim": 2}


def graph_svg(graph: dict[str, Any]) -> Markup:
    """A layered drawing: outlets | articles (origins highlighted) | claims."""
    nodes = graph.get("nodes") or []
    if not nodes:
        return Markup('<p class="muted">No provenance graph.</p>')
    layers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for n in sorted(nodes, key=lambda n: (str(n.get("label")), str(n["id"]))):
        layers[_LAYER.get(n.get("kind"), 1)].append(n)
    colx = {0: 20, 1: 300, 2: 620}
    pos: dict[str, tuple[float, float]] = {}
    rh = 34
    height = 30 + rh * max(len(v) for v in layers.values())
    for layer, members in layers.items():
        for i, n in enumerate(members):
            pos[str(n["id"])] = (colx[layer], 24 + i * rh)
    out = [f'<svg class="graph" viewBox="0 0 900 {height}" role="img" '
           f'aria-label="provenance graph" xmlns="http://www.w3.org/2000/svg">',
           '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#64748b"/></marker>'
           '</defs>']
    for e in graph.get("edges") or []:
        s, t = pos.get(str(e.get("source"))), pos.get(str(e.get("target")))
        if not s or not t:
            continue
        kind = _e(e.get("kind") or "edge")
        sx, tx = s[0] + 200, t[0]
        if s[0] == t[0]:  # same layer (copy, citation): a bow to the right
            sx, tx = s[0] + 200, t[0] + 200
            mid = s[0] + 260
            out.append(f'<path d="M{sx} {s[1]} C{mid} {s[1]} {mid} {t[1]} {tx} {t[1]}" '
                       f'class="e e-{kind}" marker-end="url(#arr)"><title>{kind}</title></path>')
        else:
            out.append(f'<line x1="{sx}" y1="{s[1]}" x2="{tx}" y2="{t[1]}" class="e e-{kind}" '
                       f'marker-end="url(#arr)"><title>{kind}</title></line>')
    for n in nodes:
        x, y = pos[str(n["id"])]
        kind = _e(n.get("kind") or "node")
        label = _e(_short(n.get("label"), 32))
        body = (f'<rect x="{x}" y="{y - 11}" width="200" height="22" rx="4" class="n n-{kind}"/>'
                f'<text x="{x + 6}" y="{y + 4}" class="lbl">{label}</text>'
                f'<title>{kind}: {_e(n.get("label"))}</title>')
        if kind in ("article", "origin"):
            body = f'<a href="#article-{_e(n["id"])}">{body}</a>'
        out.append(f"<g>{body}</g>")
    out.append("</svg>")
    return Markup("".join(out))


def article_label(article: dict[str, Any] | None, article_id: str = "") -> str:
    """How an article is named in tables: its outlet, else the start of its title.

    >>> article_label({"outlet": None, "title": "U.S. officials say Russia is seeking help"})
    'U.S. officials say Russia is…'
    """
    article = article or {}
    if article.get("outlet"):
        return str(article["outlet"])
    title = " ".join(str(article.get("title") or "").split())
    if not title:
        return article_id
    if len(title) <= 30:
        return title
    return title[:30].rsplit(" ", 1)[0] + "…"


def claim_outlets(claim: dict[str, Any], articles: dict[str, dict[str, Any]]
                  ) -> dict[str, list[tuple[str, str]]]:
    """Stance -> [(article id, outlet)] for a claim."""
    by: dict[str, list[tuple[str, str]]] = {s: [] for s in STANCES}
    for st in claim.get("stances") or []:
        aid = st.get("article_id")
        outlet = article_label(articles.get(aid), aid)
        column = STANCE_COLUMN.get(st.get("stance") or "", st.get("stance") or "other")
        if (aid, outlet) not in by.setdefault(column, []):
            by[column].append((aid, outlet))
    return by


def context(report: dict[str, Any], *, link_prefix: str = "#article-") -> dict[str, Any]:
    """Everything the templates need, shared by the dossier and the web UI."""
    articles = {a["id"]: a for a in report.get("articles") or []}
    graph = report.get("graph") or provenance_graph(report)
    return {
        "report": report,
        "articles": articles,
        "sections": SECTIONS,
        "status": report.get("analyses") or {},
        "graph_svg": graph_svg(graph),
        "timeline_svg": timeline_svg,
        "claim_outlets": claim_outlets,
        "article_label": article_label,
        "stances": STANCES,
        "link": link_prefix,
    }


def render_dossier(report: dict[str, Any]) -> str:
    """Render the dossier page for ``report``."""
    return _env.get_template("dossier.html").render(**context(report))
