"""Entities, attributions and claims: the seed acceptance, and each mechanism alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from newstrace.claims import analyze
from newstrace.claims.attribution import attributions_in, proposition_text
from newstrace.claims.entities import Mention, find_mentions
from newstrace.claims.resolve import resolve
from newstrace.ingest import iter_inputs
from newstrace.pipeline import clean_one
from newstrace.records import Article


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, Article]:
    cleaned = [clean_one(doc) for doc in iter_inputs([str(seeds_dir)])]
    return {Path(a.source).name[:3]: a for a in cleaned if isinstance(a, Article)}


@pytest.fixture(scope="module")
def report(seeds: dict[str, Article]) -> dict:
    return analyze(list(seeds.values()), state=None, upstream={}).report


def entity(report: dict, name: str) -> dict:
    return next(e for e in report["entities"] if e["name"] == name)


def test_garbled_and_partial_names_resolve_to_one_entity(report: dict) -> None:
    psaki = entity(report, "Jen Psaki")
    kinds = {v["text"]: v for v in psaki["variants"]}
    assert set(kinds) == {"Jen Psi", "Psaki"} and kinds["Jen Psi"]["garbled"]
    peskov = entity(report, "Dmitry Peskov")
    assert {v["text"]: v["kind"] for v in peskov["variants"]} == {"Dmitry Pesco": "garbled",
                                                                    "Peskov": "canonical"}
    wang_yi = entity(report, "Wang Yi")
    assert {v["text"]: v["kind"] for v in wang_yi["variants"]}["Yi"] == "partial"
    assert entity(report, "Wang Wenbin")["id"] != wang_yi["id"]
    assert "Foreign Ministry spokesman" in entity(report, "Wang Wenbin")["roles"]
    spiegel = entity(report, "Der Spiegel")
    assert (spiegel["type"], spiegel["subtype"]) == ("organization", "media")
    assert entity(report, "ZT-180")["type"] == "product"


def test_every_span_points_into_its_article(report: dict, seeds: dict[str, Article]) -> None:
    texts = {a.id: a.text for a in seeds.values()}
    attributions = [a for c in report["claims"] for a in c["attributions"]]
    assert len(attributions) > 30
    for a in attributions:
        for role in ("source", "cue", "content"):
            span = a[role]
            if span is None:  # a source the text does not name
                assert role == "source" and a["source_type"] == "unstated"
                continue
            assert texts[a["article_id"]][span["start"]:span["end"]] == span["text"]


def test_wang_wenbin_statement_and_role(report: dict, seeds: dict[str, Article]) -> None:
    wenbin = entity(report, "Wang Wenbin")
    found = [a for c in report["claims"] for a in c["attributions"]
             if a["source_entity"] == wenbin["id"] and a["article_id"] == seeds["000"].id]
    assert found and found[0]["source_role"] == "Foreign Ministry spokesman"
    assert "does not provide arms sales" in found[0]["content"]["text"]
    assert found[0]["source_type"] == "named"


def test_drone_claim_in_000_001_004_via_cnn_and_denials(report: dict,
                                                        seeds: dict[str, Article]) -> None:
    ids = {k: a.id for k, a in seeds.items()}
    drone = [c for c in report["claims"] if c["kind"] == "claim"
             and "considering" in c["text"] and "Russia" in c["text"]]
    assert drone, [c["text"] for c in report["claims"]]
    claim = max(drone, key=lambda c: len(c["article_ids"]))
    assert {ids["000"], ids["001"], ids["004"]} <= set(claim["article_ids"])
    assert ids["002"] not in {s["article_id"] for s in claim["stances"]
                              if s["stance"] != "denies"}
    via_cnn = [a for a in claim["attributions"] if a["via"] == "CNN"]
    assert via_cnn and all(a["source_type"] == "anonymous" for a in via_cnn)
    assert {a["article_id"] for a in via_cnn} == {ids["000"], ids["001"]}
    stances = {(s["article_id"], s["stance"]) for s in claim["stances"]}
    assert (ids["000"], "hedges") in stances  # "considering", "leaning toward"
    # 000 and 001 also report Wang Wenbin's "does not provide arms sales": it denies what
    # a claim says China does (supplying weapons), not "would significantly escalate
    # China's support", a claim about something else
    by_id = {c["id"]: c for c in report["claims"]}
    wang = [c for c in report["claims"] if c["kind"] == "denial"
            and any("arms sales" in a["content"]["text"] for a in c["attributions"])]
    targets = [by_id[t] for d in wang for t in d["denies"]]
    assert targets
    for target in targets:
        assert "China" in target["text"] and "escalate" not in target["text"]
        assert any(v in target["text"] for v in ("supplying", "providing", "sending"))
    assert {ids["000"], ids["001"]} <= {s["article_id"] for t in targets
                                        for s in t["stances"] if s["stance"] == "denies"}
    denials = [c for c in report["claims"] if c["kind"] == "denial"]
    denied_from = {seeds_key for seeds_key, a in seeds.items()
                   for d in denials if a.id in d["article_ids"] and d["denies"]}
    assert {"000", "001", "002"} <= denied_from  # Wang Wenbin in 000/001; China, Peskov in 002
    for d in denials:
        for target in d["denies"]:
            assert d["id"] in next(c for c in report["claims"] if c["id"] == target)["denied_by"]


def test_attribution_kinds() -> None:
    found = attributions_in("According to a recent Pentagon report, China bought missiles. "
                            "“We will not do it,” the minister said. "
                            "Three sources told CNN that talks had stalled.")
    kinds = [(a.source.text, a.source_type, a.quote, a.via) for a in found]
    assert ("a recent Pentagon report", "document", "indirect", None) in kinds
    # an unnamed official is not a named source
    assert ("the minister", "anonymous", "direct", None) in kinds
    assert ("Three sources", "anonymous", "indirect", "CNN") in kinds


def test_close_names_of_different_people_stay_apart() -> None:
    mentions = [Mention("Wang Yi", 0, 7, "person", article_id="a"),
                Mention("Wang Wenbin", 10, 21, "person", article_id="a"),
                Mention("Wang", 30, 34, "person", article_id="a"),
                Mention("John Smith", 0, 10, "person", article_id="b"),
                Mention("Jane Smyth", 0, 10, "person", article_id="c")]
    names = sorted(e.name for e in resolve(mentions))
    assert names == ["Jane Smyth", "John Smith", "Wang", "Wang Wenbin", "Wang Yi"]
    assert [m.text for m in find_mentions("Der Spiegel said ZT-180 drones flew.")] == [
        "Der Spiegel", "ZT-180"]


def test_a_tie_goes_to_the_first_member_whatever_the_last_bits() -> None:
    import numpy as np

    from newstrace.claims.attribution import Attribution, Span
    from newstrace.claims.claims import Claim

    def said(text: str) -> Attribution:
        return Attribution(Span("He", 0, 2), Span("said", 3, 7), Span(text, 8, 8 + len(text)),
                           "indirect", "named")

    rng = np.random.default_rng(0)
    for _ in range(50):  # both members of a two-member claim are equally close to its centre
        v = rng.normal(size=(2, 8)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        claim = Claim("c", [said("first member"), said("second member")], [v[0], v[1]])
        assert claim.text == "first member"


def test_resolution_scales_and_keeps_types_apart() -> None:
    mentions = [Mention(f"Company Number {n}", 0, 10, "organization", article_id=str(n))
                for n in range(300)]
    mentions += [Mention("Kremlin", 0, 7, "organization", article_id="a"),
                 Mention("the Kremlin's", 0, 13, "organization", article_id="b"),
                 Mention("Kremlin", 0, 7, "place", article_id="c")]
    entities = resolve(mentions)
    kremlin = [e for e in entities if "Kremlin" in e.variants]
    assert sorted(e.type for e in kremlin) == ["organization", "place"]
    assert len(next(e for e in kremlin if e.type == "organization").variants) == 2
    # close spellings merge: "Company Number 12" and "Company Number 21" share their words
    assert len(entities) < 300


def test_a_raising_frame_passes_its_negation_to_the_clause_beneath() -> None:
    # "does not seem that Beijing has made": Beijing has not made (a decision)
    (found,) = [a for a in attributions_in(
        "“It does not seem that Beijing has made a final decision yet,” the sources added.")
        if a.cue.text == "added"]
    frame = found.extra["frame"]
    assert frame["heads"] == ["decision"] and frame["subject"] == "Beijing"
    assert [negated for _, _, negated in frame["events"]] == [True]


def test_claims_are_grouped_by_the_clause_beneath_a_nested_report() -> None:
    text = ("CNN reported that sources familiar with the intelligence stated that Chinese "
            "officials have not made a final decision on the provision of lethal aid.")
    (found,) = [a for a in attributions_in(text) if a.cue.text.startswith("reported")]
    assert proposition_text(found).startswith("Chinese officials have not made")
    assert found.content.text.startswith("that sources familiar")  # shown whole


def test_a_content_around_its_cue_is_both_clauses() -> None:
    # 000's words
    text = ("It appears that Beijing has not yet made a final decision, the sources said, but "
            "negotiations between Russia and China over the price and size of the equipment "
            "are ongoing.")
    (found,) = [a for a in attributions_in(text) if a.cue.text == "said"]
    assert found.content.text == text[found.content.start:found.content.end]
    assert "final decision" in found.content.text and "ongoing" in found.content.text
    assert "the sources said" not in proposition_text(found)
    assert set(found.extra["frame"]["heads"]) == {"decision", "ongoing"}


def test_calling_a_report_lies_denies_it_accusing_someone_of_lies_does_not() -> None:
    from newstrace.claims.attribution import Attribution, Span
    from newstrace.claims.claims import is_denial

    def said(content: str) -> Attribution:
        return Attribution(Span("He", 0, 2), Span("said", 3, 7),
                           Span(content, 8, 8 + len(content)), "indirect", "named")

    assert is_denial(said("the reports were all lies"))
    assert is_denial(said("the story is lies from start to end"))
    assert not is_denial(said("that Trump tells so many lies that Clinton could slip"))


def test_a_cue_inserted_between_nested_attributions_reports_both_clauses() -> None:
    # the tagger gives "Russia ... requested" and "the leadership ... debating" their own
    # cues and leaves "the sources said" without content: its content is both clauses
    text = ("Since the invasion of Ukraine, Russia has repeatedly requested drones and "
            "munitions from China, the sources said, and the Chinese leadership has been "
            "actively debating whether or not to send the deadly aid in recent months.")
    (said,) = [a for a in attributions_in(text) if a.cue.text == "said"]
    assert said.source is not None and said.source.text == "the sources"
    parts = [p.text for p in said.extra["content_parts"]]
    assert parts[0].startswith("Since the invasion") and parts[0].endswith("from China")
    assert parts[1].startswith("the Chinese leadership") and parts[1].endswith("months")
    assert set(said.extra["frame"]["heads"]) == {"request", "debate"}
    # a cue that closes its sentence is not given the sentence
    assert not [a for a in attributions_in("Nothing was decided, the sources said.")
                if a.cue.text == "said" and "decided" not in a.content.text]
