"""benchmarks/claims_precision.py: its matching and arithmetic on a tiny constructed case.

No model and no data: labelled and extracted statements are built by hand as sets of
token positions, so each figure can be worked out on paper (see ``CASE``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "claims_precision.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("claims_precision", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    # registered first: its dataclasses look their module up while it loads
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def span(start: int, end: int) -> frozenset[int]:
    return frozenset(range(start, end))


# One article "a". Labels: g1, g2 propositions; g3 a fragment ("the allegations"); g4 a
# denial of g1 (cue at 200); g5 a proposition nothing extracts.
# Extracted: x1 matches g1 (8 of 10 tokens); x2 and x6 both overlap g2, x6 wholly (1.0),
# x2 at exactly the threshold (5 of 10): x6 wins, x2 is left unmatched; x3 matches the
# fragment g3; x4 is a denial whose content matches nothing but whose cue is g4's, linked
# to x1's claim (right); x5 is a denial nobody labelled, linked to x2's claim (wrong).
CASE = {
    "statements": [("g1", span(0, 10), span(100, 101), True),
                   ("g2", span(20, 30), span(101, 102), True),
                   ("g3", span(40, 42), span(102, 103), False),
                   ("g4", span(50, 60), span(200, 201), True),
                   ("g5", span(70, 80), span(103, 104), True)],
    "extracted": [("c1", span(0, 8), span(100, 101), False),
                  ("c2", span(20, 25) | span(90, 95), span(101, 102), False),
                  ("c3", span(40, 42), span(102, 103), True),
                  ("c4", span(150, 152), span(200, 201), True),
                  ("c5", span(300, 306), span(400, 401), False),
                  ("c6", span(20, 30), span(101, 102), False)],
    "claims": {"c1": {"kind": "claim"}, "c2": {"kind": "claim"}, "c3": {"kind": "claim"},
               "c4": {"kind": "denial", "denies": ["c1"]},
               "c5": {"kind": "denial", "denies": ["c2"]}, "c6": {"kind": "claim"}},
}


@pytest.fixture(scope="module")
def scores(bench):
    statements = [bench.Statement(i, "a", c, q, p) for i, c, q, p in CASE["statements"]]
    extracted = [bench.Extracted(c, "a", t, q, f) for c, t, q, f in CASE["extracted"]]
    denials = [bench.Denial("d1", ["g4"], ["g1"])]
    return bench.score(statements, extracted, denials, CASE["claims"])


def test_overlap_is_a_share_of_the_larger_span(bench) -> None:
    assert bench.overlap(span(0, 10), span(0, 5)) == 0.5
    assert bench.overlap(span(0, 4), span(2, 6)) == 0.5
    assert bench.overlap(span(0, 3), span(5, 9)) == 0.0


def test_assignment_is_one_to_one_largest_first(bench) -> None:
    predicted = [span(20, 25) | span(90, 95), span(20, 30), span(0, 3)]
    assert bench.assign(predicted, [span(20, 30), span(0, 10)]) == {1: 0}
    # below the threshold nothing matches; at it, a match
    assert bench.assign([span(0, 4)], [span(0, 10)]) == {}
    assert bench.assign([span(0, 5)], [span(0, 10)]) == {0: 0}


def test_claim_precision_recall_and_fragments(scores) -> None:
    assert scores.extracted == 6
    assert scores.matched_proposition == 2  # x1 -> g1, x6 -> g2
    assert scores.matched_other == 1  # x3 -> the fragment g3
    assert (scores.propositions, scores.propositions_found) == (4, 2)  # g1, g2 of g1 g2 g4 g5
    assert scores.fragments == 2  # x3, x4 as flagged
    assert sorted(scores.errors["missed"]) == ["g4", "g5"]


def test_denial_links(scores) -> None:
    assert (scores.links, scores.links_right) == (2, 1)  # x4 -> c1 right, x5 -> c2 wrong
    assert (scores.denials, scores.denials_linked) == (1, 1)
    assert (scores.deniers_predicted, scores.deniers_right) == (2, 1)
    assert (scores.denials_all, scores.denials_detected) == (1, 1)
    assert len(scores.errors["wrong_links"]) == 1


def test_a_link_to_the_wrong_claim_is_wrong(bench) -> None:
    statements = [bench.Statement(i, "a", c, q, p) for i, c, q, p in CASE["statements"]]
    extracted = [bench.Extracted(c, "a", t, q, f) for c, t, q, f in CASE["extracted"]]
    claims = dict(CASE["claims"], c4={"kind": "denial", "denies": ["c6"]})  # g2, not g1
    s = bench.score(statements, extracted, [bench.Denial("d1", ["g4"], ["g1"])], claims)
    assert (s.links_right, s.denials_linked, s.deniers_right) == (0, 0, 1)


def test_the_proposition_rule(bench) -> None:
    assert bench.has_predicate(["NNP", "VBZ", "DT", "NN"])  # China is a partner
    assert not bench.has_predicate(["TO", "VB"])  # to comment
    assert not bench.has_predicate(["DT", "NNS"])  # the allegations
    assert bench.asks("asked", "if he would run") and bench.asks("said", "whether it was true")
    assert not bench.asks("said", "If he wins, taxes will fall")
