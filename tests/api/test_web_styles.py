"""The web UI draws the graph with the dossier's styles, under a policy with no inline style."""

from __future__ import annotations

from newstrace.report.dossier import EDGE_KINDS, stylesheet
from tests.fixtures.load import fixture_report


def test_the_ui_serves_the_dossier_stylesheet_with_every_edge_kind(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/style.css"' in page.text
    css = client.get("/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text == stylesheet()
    for kind, _ in EDGE_KINDS:
        assert f".e-{kind} {{" in css.text, kind


def test_the_story_graph_has_no_inline_style_the_policy_would_block(client) -> None:
    story = max(fixture_report()["stories"], key=lambda s: len(s["article_ids"]))
    page = client.get(f"/stories/{story['id']}")
    assert page.status_code == 200
    assert "style-src 'self'" in page.headers["content-security-policy"]
    svg = page.text[page.text.index('<svg class="graph"'):]
    svg = svg[:svg.index("</svg>")]
    assert "<style>" not in svg
    drawn = {kind for kind, _ in EDGE_KINDS if f"e-{kind}" in svg}
    assert {"published", "copy", "origin"} <= drawn
