"""A dossier stays readable however large the report: each section capped, what is left
out counted, the largest stories and what they hold first."""

from __future__ import annotations

import re

from newstrace.report.dossier import SECTION_CAP, capped, render_dossier
from tests.fixtures.load import fixture_report


def test_a_capped_section_says_how_much_it_leaves_out() -> None:
    report = fixture_report()
    html = render_dossier(report, caps={"claims": 5, "entities": 3})
    shown_claims = set(re.findall(r'<tr id="claim-([^"]+)"', html))
    assert len(shown_claims) == 5
    left = len(report["claims"]) - 5
    assert f"5 shown here, {left} more in report.json" in html
    assert f"3 shown here, {len(report['entities']) - 3} more in report.json" in html
    assert f"({len(report['claims'])})" in html  # the heading counts them all


def test_the_largest_story_and_its_items_come_first() -> None:
    report = fixture_report()
    shown, left = capped(report, {"stories": 1, "claims": 3})
    biggest = max(report["stories"], key=lambda s: len(s["article_ids"]))
    assert [s["id"] for s in shown["stories"]] == [biggest["id"]]
    assert left["stories"] == len(report["stories"]) - 1
    assert all(set(c["article_ids"]) & set(biggest["article_ids"]) for c in shown["claims"])
    named = {a for c in shown["claims"] for a in c["article_ids"]}
    assert named <= {a["id"] for a in shown["articles"]}


def test_a_small_report_is_shown_whole() -> None:
    report = fixture_report()
    shown, left = capped(report)
    assert set(left.values()) == {0}
    assert shown["stories"] == report["stories"]
    assert all(len(report[k]) <= cap for k, cap in SECTION_CAP.items())
