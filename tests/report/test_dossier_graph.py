"""The seeds dossier's provenance graph, links and wording (what an analyst sees)."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newstrace.provenance.graph import EDGE_KINDS
from newstrace.report.dossier import EDGE_STYLE, clip, edge_css, graph_legend

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "seeds"


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip("seeds not available")
    from typer.testing import CliRunner

    from newstrace.cli import app

    out = tmp_path_factory.mktemp("seeds-out")
    result = CliRunner().invoke(app, ["analyze", str(SEEDS), "--db", str(out / "h.db"),
                                      "--out", str(out / "r"), "--quiet"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    r = out / "r"
    return {"report": json.loads((r / "report.json").read_text("utf-8")),
            "graph": json.loads((r / "graph.json").read_text("utf-8")),
            "graphml": (r / "graph.graphml").read_text("utf-8"),
            "html": (r / "index.html").read_text("utf-8")}


class _Page(HTMLParser):
    """Ids, hrefs, and the text of structural elements (quoted article text left out)."""

    QUOTED = frozenset({"pre", "q"})  # article text (and td.claim-text, div.pair below)
    VOID = frozenset({"br", "img", "meta", "link", "input", "hr", "wbr", "col", "area",
                      "source"})

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.classes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("href"):
            self.hrefs.append(a["href"])
        self.classes |= set((a.get("class") or "").split())
        if tag in self.VOID:
            return
        quoted = tag in self.QUOTED or "pair" in (a.get("class") or "").split() \
            or "claim-text" in (a.get("class") or "").split() or tag == "style"
        self.stack.append((tag, quoted or (bool(self.stack) and self.stack[-1][1])))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.text.append(data)


def _page(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def test_every_edge_kind_has_a_style_and_a_legend_entry() -> None:
    kinds = [k for k, _ in EDGE_KINDS]
    assert set(EDGE_STYLE) == set(kinds)
    css, legend = edge_css(), str(graph_legend())
    for kind in kinds:
        assert f".e-{kind} {{" in css
        assert f'data-kind="{kind}"' in legend


def test_every_edge_class_in_the_seeds_graph_has_a_rule_and_a_legend_entry(seeds_out) -> None:
    html = seeds_out["html"]
    svg = html[html.index('<svg class="graph"'):]
    svg = svg[: svg.index("</svg>")]
    used = set(re.findall(r'class="e e-([a-z-]+)', svg))
    assert used, "the graph draws no edges"
    assert used == {e["kind"] for e in seeds_out["graph"]["edges"]}
    rules = set(re.findall(r"\.e-([a-z-]+) \{", html))
    legend = set(re.findall(r'<li data-kind="([a-z-]+)"', html))
    assert used <= rules and used <= legend
    assert used <= {k for k, _ in EDGE_KINDS}


def test_graph_json_has_claim_nodes_with_edges_and_no_duplicates(seeds_out) -> None:
    graph, report = seeds_out["graph"], seeds_out["report"]
    claims = {n["id"] for n in graph["nodes"] if n["kind"] == "claim"}
    assert claims == {c["id"] for c in report["claims"]}
    touched = {x for e in graph["edges"] for x in (e["source"], e["target"])}
    assert claims <= touched
    kinds = {e["kind"] for e in graph["edges"]}
    assert {"published", "copy", "cites", "origin", "denies"} <= kinds
    keys = Counter((e["source"], e["target"], e["kind"]) for e in graph["edges"])
    assert not [k for k, n in keys.items() if n > 1]
    ids = {n["id"] for n in graph["nodes"]}
    assert touched <= ids
    # every origin of every claim is an origin edge; the origin path is flagged
    for c in report["claims"]:
        for o in c["origins"]:
            assert (o["id"], c["id"], "origin") in keys
    assert any(e.get("origin_path") and e["kind"] == "copy" for e in graph["edges"])
    # the GraphML export carries the same edges
    assert seeds_out["graphml"].count("<edge ") == len(graph["edges"])
    assert "['" not in seeds_out["graphml"]


def test_every_internal_link_points_to_an_existing_anchor(seeds_out) -> None:
    page = _page(seeds_out["html"])
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert internal
    missing = sorted({h for h in internal if h not in page.ids})
    assert not missing


def test_every_claim_has_an_anchor_and_a_link(seeds_out) -> None:
    page = _page(seeds_out["html"])
    links = Counter(h for h in page.hrefs)
    for claim in seeds_out["report"]["claims"]:
        assert f"claim-{claim['id']}" in page.ids
        # a link from elsewhere than the claim's own "#" permalink
        assert links[f"#claim-{claim['id']}"] >= 2, claim["id"]


def test_anomalies_link_their_claims_and_are_linked(seeds_out) -> None:
    html, page = seeds_out["html"], _page(seeds_out["html"])
    for an in seeds_out["report"]["anomalies"]:
        assert f"anomaly-{an['id']}" in page.ids
        assert html.count(f'href="#anomaly-{an["id"]}"') >= 2  # own tag + claim/article
        ev = an.get("evidence")
        if isinstance(ev, dict) and ev.get("claim_id"):
            block = html[html.index(f'id="anomaly-{an["id"]}"'):]
            block = block[: block.index('<div class="anomaly"') if '<div class="anomaly"'
                          in block[1:] else len(block)]
            assert f'href="#claim-{ev["claim_id"]}"' in block
            assert f"claim_id: {ev['claim_id']}" not in html


def test_no_raw_python_values_in_the_structural_text(seeds_out) -> None:
    text = " ".join(_page(seeds_out["html"]).text)
    for token in (r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\['", r"\{'", r"\[\]", r"\{\}"):
        assert not re.search(token, text), (token, re.search(f".{{60}}{token}.{{20}}", text))


def test_descriptions_are_cut_at_word_boundaries() -> None:
    assert clip("the claim rests only on anonymous sources", 20) == "the claim rests…"
    assert clip("short", 20) == "short"
    assert clip("abcdefghij klm", 8) == "abcdefg…"  # one long word: cut inside it


def test_seeds_anomaly_descriptions_do_not_end_mid_word(seeds_out) -> None:
    html = seeds_out["html"]
    for an in seeds_out["report"]["anomalies"]:
        block = html[html.index(f'id="anomaly-{an["id"]}"'):]
        head = re.sub(r"<[^>]+>", "", block[: block.index("<span")])
        assert not re.search(r"\b[A-Za-z]$", head.strip().split("(")[0].strip()), head


def test_the_graph_is_the_analysis_product_the_report_draws(seeds_out) -> None:
    """graph.json is the union of the report's stored per-story ``graphs`` items: the
    report draws the analysis' graph and never rebuilds it."""
    report, graph = seeds_out["report"], seeds_out["graph"]
    stories = {s["id"] for s in report["stories"]}
    assert {g["story_id"] for g in report["graphs"]} == stories
    drawn = {(e["source"], e["target"], e["kind"]) for g in report["graphs"]
             for e in g["edges"]}
    assert drawn == {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    assert set(graph["stories"]) == stories
    # a story's graph holds all its own articles
    for g in report["graphs"]:
        story = next(s for s in report["stories"] if s["id"] == g["story_id"])
        articles = {n["id"] for n in g["nodes"] if n["kind"] == "article"}
        assert set(story["article_ids"]) <= articles


def test_the_report_package_renders_and_does_not_compute_provenance() -> None:
    import newstrace.report as package

    folder = Path(package.__file__).parent
    for module in folder.glob("*.py"):
        source = module.read_text("utf-8")
        assert "newstrace.provenance" not in source, module.name
