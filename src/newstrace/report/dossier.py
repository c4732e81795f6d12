"""The HTML dossier: one self-contained page (no server, no network) per report.

Every string from an article goes through Jinja2's autoescaping, so an article
that carries ``<script>`` or event-handler HTML shows as text and never runs.
The timeline and the provenance graph are inline SVG built here (deterministic
layouts, every label escaped); the page has no script at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from newstrace.nlp.temporal import iso_day
from newstrace.report.graph import provenance_graph
from newstrace.report.schema import graph_vocabulary
from newstrace.scopes import item_article_ids

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
    return iso_day(value) if isinstance(value, str) else None


def _e(value: Any) -> str:
    return str(escape("" if value is None else str(value)))


def clip(text: Any, n: int = 28) -> str:
    """``text`` cut to at most ``n`` characters at a word boundary, with an ellipsis.

    >>> clip("the claim rests only on anonymous sources", 20)
    'the claim rests…'
    """
    text = " ".join(("" if text is None else str(text)).split())
    if len(text) <= n:
        return text
    cut = text[: n - 1]
    if " " in cut and not text[n - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"



def timeline_svg(story: dict[str, Any], articles: dict[str, dict[str, Any]]) -> Markup:
    """Articles (dots) and events (diamonds) of a story by date (x) and outlet (row)."""
    points: list[tuple[date, str, str, str, str]] = []  # day, row, kind, label, article id
    # an article sits at its timeline date: its stated date, unless its content
    # contradicts that (a republished story sits at the date its content gives)
    placed = {t["article_id"]: t.get("date") for ev in story.get("events") or []
              for t in ev.get("timeline") or []}
    for aid in story.get("article_ids") or []:
        art = articles.get(aid)
        day = _day(placed.get(aid) or (art or {}).get("published"))
        if art and day:
            points.append((day, art.get("outlet") or "unknown outlet",
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
                   f'{_e(clip(row, 22))}</text>')
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


#: the graph's edge kinds (with their meanings) as the report schema declares them
EDGE_KINDS = graph_vocabulary()[0]

#: how each edge kind is drawn: (colour, dash pattern or "", width); keyed by EDGE_KINDS
EDGE_STYLE = {
    "published": ("#94a3b8", "", 1.0),
    "copy": ("#dc2626", "", 1.6),
    "cites": ("#7c3aed", "4 3", 1.2),
    "origin": ("#ea580c", "", 1.4),
    "denies": ("#be123c", "2 3", 1.4),
}
if set(EDGE_STYLE) != {k for k, _ in EDGE_KINDS}:  # pragma: no cover - a coding error
    raise RuntimeError("EDGE_STYLE must style exactly the kinds in EDGE_KINDS")
#: node kinds shown in the legend: (css class, label)
NODE_LEGEND = (("n-outlet", "outlet"), ("n-document", "cited document"),
               ("n-article", "article"), ("n-origin", "origin (article or outlet)"),
               ("n-claim", "claim"), ("n-denial", "denial"))


def stylesheet() -> str:
    """The dossier's CSS, edge kinds included: inlined in the dossier page, and served
    as the web UI's stylesheet (whose policy allows no inline style), so that both
    draw alike."""
    return _env.get_template("_style.css").render() + "\n" + edge_css() + "\n"


def edge_css() -> str:
    """The CSS rules of the edge kinds (one per kind, derived from EDGE_KINDS)."""
    rules = ["svg.graph .e { fill: none; opacity: .55; }",
             "svg.graph .e.on-path { opacity: 1; stroke-width: 2.4; }"]
    for kind, _ in EDGE_KINDS:
        color, dash, width = EDGE_STYLE[kind]
        dash_rule = f" stroke-dasharray: {dash};" if dash else ""
        rules.append(f".e-{kind} {{ stroke: {color}; stroke-width: {width};{dash_rule} }}")
    return "\n".join(rules)


def graph_legend() -> Markup:
    """The legend, one entry per edge kind of EDGE_KINDS and per node kind."""
    items = []
    for kind, meaning in EDGE_KINDS:
        items.append(f'<li data-kind="{kind}"><svg class="key" viewBox="0 0 36 10" '
                     f'width="36" height="10" aria-hidden="true"><line x1="1" y1="5" x2="35" '
                     f'y2="5" class="e e-{kind} on-path"/></svg> <b>{kind}</b>: '
                     f'{_e(meaning)}</li>')
    items.append('<li><svg class="key" viewBox="0 0 36 10" width="36" height="10" '
                 'aria-hidden="true"><line x1="1" y1="5" x2="35" y2="5" '
                 'class="e e-origin on-path"/></svg> <b>bold</b>: the path from a claim back '
                 'to its origin</li>')
    for cls, label in NODE_LEGEND:
        items.append(f'<li><svg class="key" viewBox="0 0 20 12" width="20" height="12" '
                     f'aria-hidden="true"><rect x="1" y="1" width="18" height="10" rx="2" '
                     f'class="n {cls}"/></svg> {_e(label)}</li>')
    return Markup(f'<ul class="legend">{"".join(items)}</ul>')


def claim_stories(report: dict[str, Any]) -> dict[str, str]:
    """Claim id -> the id of the first story holding one of its articles."""
    story_of: dict[str, str] = {}
    for story in report.get("stories") or []:
        for aid in story.get("article_ids") or []:
            story_of.setdefault(aid, story["id"])
    out = {}
    for claim in report.get("claims") or []:
        for aid in claim.get("article_ids") or [st.get("article_id") for st in
                                                 claim.get("stances") or []]:
            if aid in story_of:
                out[claim["id"]] = story_of[aid]
                break
    return out


_SOURCE_W, _ART_W, _CLAIM_W = 170, 210, 340
_COLX = {0: 10, 1: 280, 2: 590}


def graph_svg(graph: dict[str, Any], stories: list[dict[str, Any]] | None = None,
              claim_story: dict[str, str] | None = None, *, inline_css: bool = True) -> Markup:
    """A layered drawing: sources (outlets, documents) | articles | claims by story.

    Claims of one story sit together under the story's name; only edges of the
    graph are drawn, one per (source, target, kind); the edges on a claim's way
    back to its origin are drawn bold. ``inline_css=False`` leaves the edge styles
    to the page's stylesheet (:func:`stylesheet`), for pages that allow no inline style.
    """
    nodes = graph.get("nodes") or []
    if not nodes:
        return Markup('<p class="muted">No provenance graph.</p>')
    claim_story = claim_story or {}
    titles = {s["id"]: s.get("title") or s["id"] for s in stories or []}
    ids = {str(n["id"]) for n in nodes}
    edges = [e for e in graph.get("edges") or []
             if str(e.get("source")) in ids and str(e.get("target")) in ids]
    origin_of: dict[str, str] = {}
    for e in edges:
        if e.get("kind") == "origin":
            origin_of.setdefault(str(e["target"]), str(e["source"]))
    sources = sorted((n for n in nodes if n.get("kind") in ("outlet", "document")),
                     key=lambda n: (n.get("kind") != "outlet", str(n.get("label"))))
    arts = sorted((n for n in nodes if n.get("kind") not in ("outlet", "document", "claim")),
                  key=lambda n: (str(n.get("date") or "9999"), str(n.get("label"))))
    claims = [n for n in nodes if n.get("kind") == "claim"]
    # claims grouped by story (in the stories' order), then by origin, then by text
    order = {sid: i for i, sid in enumerate(titles)}
    claims.sort(key=lambda n: (order.get(claim_story.get(str(n["id"]), ""), len(order)),
                               origin_of.get(str(n["id"]), "~"), str(n.get("label"))))
    rh, top = 24, 30
    pos: dict[str, tuple[float, float]] = {}
    heads: list[tuple[float, str, str]] = []  # y, story id, title
    y = top
    current: str | None = "-"
    for n in claims:
        sid = claim_story.get(str(n["id"]), "")
        if sid != current:
            current = sid
            y += 8 if heads else 0
            heads.append((y, sid, titles.get(sid, "Other claims") if sid else "Other claims"))
            y += rh
        pos[str(n["id"])] = (_COLX[2], y)
        y += rh
    height = max(y, top + rh * max(len(sources), len(arts), 1)) + 10

    def spread(members: list[dict[str, Any]], col: int) -> None:
        span = (height - top - 10) / max(len(members), 1)
        step = min(span, 90)
        start = top + ((height - top - 10) - step * len(members)) / 2
        for i, n in enumerate(members):
            pos[str(n["id"])] = (_COLX[col], start + step * (i + 0.5))

    spread(sources, 0)
    spread(arts, 1)
    width = {0: _SOURCE_W, 1: _ART_W, 2: _CLAIM_W}
    col_of = {nid: next(c for c, x in _COLX.items() if x == p[0]) for nid, p in pos.items()}
    out = [f'<svg class="graph" viewBox="0 0 {_COLX[2] + _CLAIM_W + 50} {height:.0f}" '
           f'role="img" aria-label="provenance graph" xmlns="http://www.w3.org/2000/svg">',
           f"{f'<style>{edge_css()}</style>' if inline_css else ''}<defs>"]
    for kind, _ in EDGE_KINDS:
        out.append(f'<marker id="arr-{kind}" viewBox="0 0 10 10" refX="10" refY="5" '
                   f'markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" '
                   f'orient="auto"><path d="M0 0L10 5L0 10z" '
                   f'fill="{EDGE_STYLE[kind][0]}"/></marker>')
    out.append("</defs>")
    for label, x in (("outlets and documents", _COLX[0]), ("articles", _COLX[1]),
                     ("claims, by story", _COLX[2])):
        out.append(f'<text x="{x}" y="14" class="col">{label}</text>')
    for hy, sid, title in heads:
        text = f'<text x="{_COLX[2]}" y="{hy + 4:.0f}" class="story">{_e(clip(title, 60))}</text>'
        out.append(f'<a href="#story-{_e(sid)}">{text}</a>' if sid else text)
    for e in sorted(edges, key=lambda e: bool(e.get("origin_path"))):  # bold ones on top
        kind = str(e.get("kind") or "")
        if kind not in EDGE_STYLE:
            continue
        sid, tid = str(e["source"]), str(e["target"])
        (sx, sy), (tx, ty) = pos[sid], pos[tid]
        cs, ct = col_of[sid], col_of[tid]
        if cs == ct:  # copy between articles, denial between claims: a bow on the side
            x0 = sx if cs == 1 else sx + width[cs]
            bend = -45 if cs == 1 else 45
            d = f"M{x0:.0f} {sy:.0f} C{x0 + bend:.0f} {sy:.0f} {x0 + bend:.0f} {ty:.0f} " \
                f"{x0:.0f} {ty:.0f}"
        elif cs < ct:
            x0, x1 = sx + width[cs], tx
            mid = (x0 + x1) / 2
            d = f"M{x0:.0f} {sy:.0f} C{mid:.0f} {sy:.0f} {mid:.0f} {ty:.0f} {x1:.0f} {ty:.0f}"
        else:  # back to a source (a citation): enter it from the right, bowed below
            x0, x1 = sx, tx + width[ct]
            mid = (x0 + x1) / 2
            d = f"M{x0:.0f} {sy:.0f} Q{mid:.0f} {max(sy, ty) + 30:.0f} {x1:.0f} {ty:.0f}"
        path_cls = " on-path" if e.get("origin_path") else ""
        what = f"{kind}: {_label_of(nodes, sid)} \u2192 {_label_of(nodes, tid)}"
        out.append(f'<path d="{d}" class="e e-{kind}{path_cls}" marker-end="url(#arr-{kind})">'
                   f"<title>{_e(what)}</title></path>")
    for n in [*sources, *arts, *claims]:
        nid = str(n["id"])
        x, y = pos[nid]
        kind = str(n.get("kind") or "node")
        cls = f"n n-{kind}"
        if n.get("origin"):
            cls += " n-origin"
        if n.get("claim_kind") == "denial":
            cls += " n-denial"
        w = width[col_of[nid]]
        label = _e(clip(n.get("label"), int(w / 6.3)))
        body = (f'<rect x="{x}" y="{y - 10:.0f}" width="{w}" height="20" rx="4" class="{cls}"/>'
                f'<text x="{x + 6}" y="{y + 4:.0f}" class="lbl">{label}</text>'
                f'<title>{_e(kind)}: {_e(n.get("label"))}</title>')
        if kind == "article":
            body = f'<a href="#article-{_e(nid)}">{body}</a>'
        elif kind == "claim":
            body = f'<a href="#claim-{_e(nid)}">{body}</a>'
        out.append(f'<g id="node-{_e(nid)}">{body}</g>')
    out.append("</svg>")
    return Markup(str(graph_legend()) + "".join(out))


def _label_of(nodes: list[dict[str, Any]], nid: str) -> str:
    for n in nodes:
        if str(n["id"]) == nid:
            return clip(n.get("label"), 50)
    return nid


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
    """Stance -> [(article id, label)] for a claim: the article's outlet (or title), and
    for a denial who denies ("Dmitry Peskov, in CBS News")."""
    by: dict[str, list[tuple[str, str]]] = {s: [] for s in STANCES}
    for st in claim.get("stances") or []:
        aid = st.get("article_id")
        outlet = article_label(articles.get(aid), aid)
        if st.get("by"):
            outlet = f"{st['by']}, in {outlet}"
        column = STANCE_COLUMN.get(st.get("stance") or "", st.get("stance") or "other")
        if (aid, outlet) not in by.setdefault(column, []):
            by[column].append((aid, outlet))
    return by


#: evidence fields that hold article text (shown as quotations)
_QUOTED = frozenset({"sentence", "text", "quote", "anchor"})
#: evidence field names as the dossier says them
_FIELD = {"claim_id": "claim", "copies_of": "copies of", "is_copy": "the article is a copy",
          "offset": "at character", "reuse_kinds": "reuse", "garbled_names": "garbled names",
          "broken_sentences": "broken sentences", "why": "why", "stated_date": "stated date",
          "implied_date": "implied date", "anchor_date": "anchor date"}


def field_name(key: Any) -> str:
    return _FIELD.get(str(key), str(key).replace("_", " "))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


class _Humane:
    """Renders report values for people: links for claim and article ids, lists as
    comma lists, yes/no for booleans, dicts as their fields, nothing for None."""

    def __init__(self, ctx: Any) -> None:
        self.articles = ctx.get("articles") or {}
        self.claims = ctx.get("claims_by_id") or {}
        self.link = ctx.get("link") or "#article-"
        self.cite_for = ctx.get("origin_cite")

    def article(self, aid: str, label: str | None = None) -> str:
        a = self.articles.get(aid) or {}
        text = label or article_label(a, aid)
        day = f" ({str(a['published'])[:10]})" if a.get("published") and not label else ""
        return f'<a href="{_e(self.link)}{_e(aid)}">{_e(text)}{_e(day)}</a>'

    def claim(self, cid: str) -> str:
        return (f'<a href="#claim-{_e(cid)}">'
                f'{_e(clip(self.claims[cid].get("text") or cid, 90))}</a>')

    def origin(self, o: dict[str, Any]) -> str:
        if o.get("id") in self.articles:
            html = self.article(o["id"])
        else:
            name = o.get("outlet") or o.get("name") or o.get("id")
            cite = self.cite_for(None, name) if self.cite_for else None
            html = (f'<a href="#cite-{_e(cite)}">{_e(name)}</a>' if cite else _e(name)) + \
                ' <span class="muted">(not in corpus)</span>'
        if o.get("anonymous"):
            html += ' <span class="muted">anonymous sources</span>'
        return html

    def inline(self, value: dict[str, Any], key: str | None) -> str:
        if value.get("kind") in ("article", "outlet") and "id" in value:
            return self(value, key)
        return "; ".join(f'<span class="k">{_e(field_name(k))}</span>: {self(v, str(k))}'
                         for k, v in value.items() if not _empty(v))

    def __call__(self, value: Any, key: str | None = None) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str):
            if value in self.claims:
                return self.claim(value)
            if value in self.articles:
                return self.article(value)
            if key in _QUOTED:
                return f'<q class="quoted">{_e(value)}</q>'
            return _e(value)
        if isinstance(value, (int, float)):
            return _e(value)
        if isinstance(value, dict):
            if value.get("kind") in ("article", "outlet") and "id" in value \
                    and ("name" in value or "outlet" in value):
                return self.origin(value)
            fields = [(k, v) for k, v in value.items() if not _empty(v)]
            return '<ul class="fields">' + "".join(
                f'<li><span class="k">{_e(field_name(k))}</span>: {self(v, str(k))}</li>'
                for k, v in fields) + "</ul>"
        if isinstance(value, (list, tuple)):
            parts = [self(v, key) for v in value if not _empty(v)]
            if any(isinstance(v, dict) for v in value):  # records: one line each
                lines = [self.inline(v, key) if isinstance(v, dict) else self(v, key)
                         for v in value if not _empty(v)]
                return "<ol>" + "".join(f"<li>{p}</li>" for p in lines) + "</ol>"
            return ", ".join(parts)
        return _e(value)


@pass_context
def human(ctx: Any, value: Any, key: str | None = None) -> Markup:
    """The one filter for report values in the dossier (see :class:`_Humane`)."""
    return Markup(_Humane(ctx)(value, key))


_env.filters["human"] = human
_env.filters["clip"] = clip


def anomaly_text(anomaly: dict[str, Any], claims: dict[str, dict[str, Any]]) -> Markup:
    """An anomaly's description; a claim it quotes (cut short) becomes a link to the claim."""
    desc = " ".join(str(anomaly.get("description") or "").split())
    evidence = anomaly.get("evidence")
    cid = evidence.get("claim_id") if isinstance(evidence, dict) else None
    if cid in claims:
        head, sep, tail = desc.partition(": ")
        text = " ".join(str(claims[cid].get("text") or "").split())
        if sep and tail and text.startswith(tail):
            return Markup(f'{_e(head)}: <a href="#claim-{_e(cid)}">{_e(clip(text, 160))}</a>')
        return Markup(f'{_e(clip(desc, 220))} (<a href="#claim-{_e(cid)}">claim</a>)')
    return Markup(_e(clip(desc, 220)))


def context(report: dict[str, Any], *, link_prefix: str = "#article-") -> dict[str, Any]:
    """Everything the templates need, shared by the dossier and the web UI."""
    articles = {a["id"]: a for a in report.get("articles") or []}
    claims = {c["id"]: c for c in report.get("claims") or []}
    graph = report.get("graph") or provenance_graph(report)
    story_of = claim_stories(report)
    story_claims: dict[str, list[str]] = {}
    for cid, sid in story_of.items():
        story_claims.setdefault(sid, []).append(cid)
    anomalies_of: dict[str, list[dict[str, Any]]] = {}
    for an in report.get("anomalies") or []:
        ev = an.get("evidence")
        cid = ev.get("claim_id") if isinstance(ev, dict) else None
        for key in [cid, *(an.get("article_ids") or [])]:
            if key:
                anomalies_of.setdefault(key, []).append(an)
    cites = report.get("citations") or []
    # article -> its reuse edges, as (how, the other article, reuse id): the way from an
    # origin article to the side-by-side view of each copy
    reuse_of: dict[str, list[tuple[str, str, str]]] = {}
    for r in report.get("reuse") or []:
        reuse_of.setdefault(r["copy"], []).append(("copy of", r["original"], r["id"]))
        reuse_of.setdefault(r["original"], []).append(("copied by", r["copy"], r["id"]))

    def origin_cite(claim_id: str | None, outlet: str | None) -> str | None:
        """The id of the citation naming ``outlet`` (for ``claim_id`` when it has one)."""
        named = [c for c in cites if (c.get("cited") or "").lower() == (outlet or "").lower()]
        for c in sorted(named, key=lambda c: (c.get("claim_id") != claim_id,
                                              not c.get("first_report"))):
            return str(c["id"])
        return None

    return {
        "report": report,
        "articles": articles,
        "claims_by_id": claims,
        "sections": SECTIONS,
        "status": report.get("analyses") or {},
        "graph_svg": graph_svg(graph, report.get("stories") or [], story_of),
        "timeline_svg": timeline_svg,
        "claim_outlets": claim_outlets,
        "article_label": article_label,
        "story_claims": story_claims,
        "anomalies_of": anomalies_of,
        "reuse_of": reuse_of,
        "anomaly_text": anomaly_text,
        "origin_cite": origin_cite,
        "stances": STANCES,
        "link": link_prefix,
    }


#: at most this many items a section of the dossier shows (stories: the largest first);
#: report.json always holds everything
SECTION_CAP = {"stories": 60, "reuse": 300, "entities": 300, "claims": 300,
               "citations": 300, "anomalies": 300, "articles": 600}


def capped(report: dict[str, Any], caps: dict[str, int] | None = None
           ) -> tuple[dict[str, Any], dict[str, int]]:
    """The part of ``report`` a dossier shows, and how many items of each kind it leaves
    out. The largest stories come first; then the items about their articles, then
    the others; the articles shown are those the items shown name, then the others.

    >>> shown, left = capped({"stories": [{"id": "s", "article_ids": ["a"]}],
    ...                       "articles": [{"id": "a"}, {"id": "b"}]}, {"articles": 1})
    >>> [a["id"] for a in shown["articles"]], left["articles"]
    (['a'], 1)
    """
    caps = {**SECTION_CAP, **(caps or {})}
    shown = dict(report)
    left: dict[str, int] = {}
    stories = sorted(report.get("stories") or [], key=lambda s: -len(s.get("article_ids") or []))
    shown["stories"] = stories[: caps["stories"]]
    wanted = {a for s in shown["stories"] for a in s.get("article_ids") or []}
    named = set(wanted)
    for key in ("reuse", "claims", "entities", "citations", "anomalies"):
        items = report.get(key) or []
        first = [i for i in items if wanted & set(item_article_ids(i))]
        rest = [i for i in items if not wanted & set(item_article_ids(i))]
        shown[key] = (first + rest)[: caps[key]]
        for item in shown[key]:
            named.update(item_article_ids(item))
    articles = report.get("articles") or []
    ordered = [a for a in articles if a["id"] in named] + \
        [a for a in articles if a["id"] not in named]
    shown["articles"] = ordered[: caps["articles"]]
    for key in SECTION_CAP:
        left[key] = len(report.get(key) or []) - len(shown.get(key) or [])
    if left["stories"] == 0:  # every story shown: in the report's own order
        shown["stories"] = list(report.get("stories") or [])
    return shown, left


def render_dossier(report: dict[str, Any], caps: dict[str, int] | None = None) -> str:
    """Render the dossier page for ``report``: each section capped (:func:`capped`, with
    ``caps`` over :data:`SECTION_CAP`), with what it leaves out counted."""
    shown, left = capped(report, caps)
    totals = {key: len(report.get(key) or []) for key in SECTION_CAP}
    return _env.get_template("dossier.html").render(**context(shown), left_out=left,
                                                    totals=totals)
