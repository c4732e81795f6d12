"""How the dossier names articles and sorts claim stances into its columns."""

from __future__ import annotations

from newstrace.report.dossier import article_label, claim_outlets


def test_article_label_prefers_outlet_then_title_then_id() -> None:
    assert article_label({"outlet": "CNN", "title": "Anything"}, "a1") == "CNN"
    assert article_label({"outlet": None, "title": "Short title"}, "a1") == "Short title"
    long = {"outlet": None, "title": "U.S. officials say Russia is seeking military help"}
    assert article_label(long, "a1") == "U.S. officials say Russia is…"
    assert article_label(None, "a1") == "a1"


def test_claim_outlets_maps_report_stances_to_columns_once_each() -> None:
    articles = {"a": {"outlet": "CNN"}, "b": {"outlet": None, "title": "Farm copy"}}
    claim = {"stances": [{"article_id": "a", "stance": "asserts"},
                         {"article_id": "a", "stance": "asserts"},
                         {"article_id": "b", "stance": "denies"},
                         {"article_id": "b", "stance": "hedges"}]}
    by = claim_outlets(claim, articles)
    assert by["asserting"] == [("a", "CNN")]
    assert by["denying"] == [("b", "Farm copy")] and by["hedging"] == [("b", "Farm copy")]
    assert by["reporting"] == []


def test_the_denying_column_names_who_denies() -> None:
    articles = {"p": {"outlet": "CBS News"}}
    claim = {"stances": [{"article_id": "p", "stance": "denies", "by": "Dmitry Peskov"}]}
    assert claim_outlets(claim, articles)["denying"] == [("p", "Dmitry Peskov, in CBS News")]


def test_a_republished_article_is_drawn_at_its_contents_date() -> None:
    from newstrace.report.dossier import render_dossier
    from tests.fixtures.load import fixture_report

    report = fixture_report()
    html = render_dossier(report)
    stated = [t for s in report["stories"] for e in s["events"] for t in e["timeline"]
              if t.get("stated_date")]
    assert stated and stated[0]["date"].startswith("2022-03")
    assert f"stated {stated[0]['stated_date'][:10]}, which its content contradicts" in html
